/**
 * Server start-up: refuses to start without what it needs (one JSON line naming it, exit
 * 1: a server with no database would only look healthy); sends console output Next.js and
 * libraries write through the JSON logger, so every line, errors included, is JSON; Sentry
 * when SENTRY_DSN is set, tagged with the environment and release the deployment sets.
 */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { logger, consoleToLogger } = await import("./lib/logger");
  consoleToLogger(logger);
  const missing = ["DATABASE_URL"].filter((name) => !process.env[name]);
  if (missing.length > 0) {
    logger.fatal({ missing }, `${missing.join(", ")} is not set: the server cannot start without its database`);
    logger.flush();
    process.exit(1);
  }
  if (process.env.SENTRY_DSN) {
    const Sentry = await import("@sentry/nextjs");
    Sentry.init({
      dsn: process.env.SENTRY_DSN,
      environment: process.env.SENTRY_ENVIRONMENT,
      release: process.env.SENTRY_RELEASE,
      tracesSampleRate: Number(process.env.SENTRY_TRACES_SAMPLE_RATE ?? 0),
    });
  }
  logger.info({ port: Number(process.env.PORT), sentry: Boolean(process.env.SENTRY_DSN) }, "server starting");
}

export { captureRequestError as onRequestError } from "@sentry/nextjs";
