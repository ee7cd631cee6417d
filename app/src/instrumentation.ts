/**
 * Server start-up: Sentry when SENTRY_DSN is set (disabled otherwise), tagged with the
 * environment and release the deployment sets; one JSON line saying the server is up.
 */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { logger } = await import("./lib/logger");
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
