/**
 * Health for the probes, one job each, none of which touches the database:
 * - `?probe=liveness` (and the default; also the startup probe): the process answers.
 * - `?probe=readiness`: this process can serve: it has what serving needs (its database
 *   URL and NEXTAUTH_SECRET). A database blip does not take every pod out of the Service
 *   at once, and an idle Neon compute is free to suspend.
 * Database health is `/api/health/db`, for people and monitors, never for probes.
 */
import { logger } from "@/lib/logger";

export const dynamic = "force-dynamic";

export function GET(request: Request): Response {
  const probe = new URL(request.url).searchParams.get("probe") ?? "liveness";
  if (probe !== "readiness") return Response.json({ status: "ok", probe: "liveness" });
  const missing = ["DATABASE_URL", "NEXTAUTH_SECRET"].filter((name) => !process.env[name]);
  if (missing.length > 0) {
    const reason = `missing ${missing.join(", ")}`;
    logger.warn({ reason }, "readiness: cannot serve");
    return Response.json({ status: "unavailable", probe: "readiness", reason }, { status: 503 });
  }
  return Response.json({ status: "ok", probe: "readiness" });
}
