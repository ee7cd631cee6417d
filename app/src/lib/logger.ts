/**
 * Structured logs: one JSON object per line on stdout with level, time and message, at
 * LOG_LEVEL. Credentials never reach a log line: auth headers, cookies and connection
 * strings are redacted wherever they appear. Pretty output only in development.
 */
import pino from "pino";

/** Paths whose values are replaced by "[redacted]" in every log line. */
export const REDACT_PATHS = [
  "req.headers.authorization",
  "req.headers.cookie",
  'res.headers["set-cookie"]',
  "headers.authorization",
  "headers.cookie",
  "*.password",
  "*.secret",
  "*.token",
  "*.databaseUrl",
  "*.connectionString",
  "DATABASE_URL",
  "DIRECT_URL",
  "NEXTAUTH_SECRET",
];

/** Replaces the password of any `scheme://user:password@host` in a string with `[redacted]`. */
export function redactUrls(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/[^:/\s@]+:)[^@\s]+@/gi, "$1[redacted]@");
}

export const logger = pino({
  level: process.env.LOG_LEVEL ?? "info",
  base: { service: "web", env: process.env.SENTRY_ENVIRONMENT },
  timestamp: pino.stdTimeFunctions.isoTime,
  redact: { paths: REDACT_PATHS, censor: "[redacted]" },
  formatters: {
    level: (label) => ({ level: label }),
    // Errors serialized first (message, stack, cause): JSON.stringify alone drops them.
    log: (object) =>
      JSON.parse(redactUrls(JSON.stringify(object, (_key, value: unknown) => (value instanceof Error ? pino.stdSerializers.err(value) : value)))) as Record<
        string,
        unknown
      >,
  },
  hooks: {
    logMethod(args, method) {
      // Messages are strings people write; scrub any connection string pasted into one.
      method.apply(this, args.map((a) => (typeof a === "string" ? redactUrls(a) : a)) as Parameters<typeof method>);
    },
  },
  transport: process.env.NODE_ENV === "development" ? { target: "pino-pretty" } : undefined,
});

/**
 * Routes console.error/warn/info/log through `log`: what Next.js prints about a failed
 * request (a stack trace, as text) becomes one JSON line with the error serialized.
 */
export function consoleToLogger(log: pino.Logger): void {
  const route =
    (level: "error" | "warn" | "info") =>
    (...args: unknown[]) => {
      const err = args.find((a): a is Error => a instanceof Error);
      const text = args
        .filter((a) => a !== err)
        .map((a) => (typeof a === "string" ? a : safeJson(a)))
        .join(" ")
        .replace(/^⨯\s*/, "") // Next.js's error mark
        .trim();
      if (err) log[level]({ err }, text || err.message);
      else log[level](text);
    };
  console.error = route("error");
  console.warn = route("warn");
  console.info = route("info");
  console.log = route("info");
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
