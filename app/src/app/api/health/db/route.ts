/**
 * Database health, on demand: `SELECT 1` within two seconds, or 503 with a JSON log line.
 * No probe calls this (a probe every few seconds would keep a Neon compute awake forever
 * and turn a database blip into a site-wide outage); people and monitors do.
 */
import { db } from "@/lib/db";
import { logger } from "@/lib/logger";
import { requestId } from "@/lib/request-id";

export const dynamic = "force-dynamic";

export async function GET(): Promise<Response> {
  const started = Date.now();
  try {
    await Promise.race([db().$queryRaw`SELECT 1`, new Promise((_, reject) => setTimeout(() => reject(new Error("database timed out")), 2_000))]);
    return Response.json({ status: "ok", database: "up", latencyMs: Date.now() - started });
  } catch (e) {
    logger.warn({ requestId: await requestId(), err: e instanceof Error ? e.message : String(e) }, "database unavailable");
    return Response.json({ status: "unavailable", database: "down" }, { status: 503 });
  }
}
