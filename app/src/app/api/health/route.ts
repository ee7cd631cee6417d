/**
 * Health for the probes. `?probe=liveness` (and the default): the process answers.
 * `?probe=readiness`: the database answers within two seconds, or 503 — so a pod that
 * lost its database stops taking traffic without being restarted.
 */
import { db } from "@/lib/db";
import { logger } from "@/lib/logger";
import { requestId } from "@/lib/request-id";

export const dynamic = "force-dynamic";

export async function GET(request: Request): Promise<Response> {
  const probe = new URL(request.url).searchParams.get("probe") ?? "liveness";
  if (probe !== "readiness") return Response.json({ status: "ok", probe: "liveness" });
  try {
    await Promise.race([db().$queryRaw`SELECT 1`, new Promise((_, reject) => setTimeout(() => reject(new Error("database timed out")), 2_000))]);
    return Response.json({ status: "ok", probe: "readiness", database: "up" });
  } catch (e) {
    logger.warn({ requestId: await requestId(), err: e instanceof Error ? e.message : String(e) }, "readiness: database unavailable");
    return Response.json({ status: "unavailable", probe: "readiness", database: "down" }, { status: 503 });
  }
}
