/**
 * The Neon API as the dynamic providers use it: the official client, retries that are
 * safe (reads on any transient failure; writes only when Neon says it did nothing: 423
 * locked, 429 rate limited, 503 unavailable), waiting for the async operations Neon
 * returns, and errors that say what to fix. Runs inside the dynamic-provider process, so it reads the API key at
 * run time (stack config or environment) and never from a captured variable.
 */
import { Api, createApiClient, Operation } from "@neondatabase/api-client";
import { isAxiosError } from "axios";

/** How hard to try. Tests shorten the delays; production uses the defaults. */
export interface RetryPolicy {
  /** Attempts of a read on a transient failure (network, 5xx), the first included. */
  attempts: number;
  /**
   * How long to keep retrying while Neon answers 423 (an operation holds the branch) or
   * 429 (rate limited: 700 requests a minute per account, operation polls included):
   * longer than the rate limit's one-minute window.
   */
  busyBudgetMs: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Interval between polls of a running operation. */
  pollIntervalMs: number;
  /** Give up on an operation after this long. */
  operationTimeoutMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  attempts: 6,
  busyBudgetMs: 180_000,
  baseDelayMs: 500,
  maxDelayMs: 10_000,
  pollIntervalMs: 1_000,
  operationTimeoutMs: 10 * 60_000,
};

/** A configured connection to the Neon API. */
export interface Neon {
  api: Api<unknown>;
  retry: RetryPolicy;
}

/** A Neon API failure with its HTTP status (undefined for network errors). */
export interface NeonApiError extends Error {
  status?: number;
}

/**
 * A plain Error carrying the status. Not a subclass: the provider is serialized into
 * state, and a serialized `class extends Error` loses its link to Error (the engine then
 * reports "Unknown Error").
 */
export function neonApiError(message: string, status?: number): NeonApiError {
  return Object.assign(new Error(message), { status });
}

/** Something that answers config lookups (the dynamic provider's `ConfigureRequest.config`). */
export interface ConfigSource {
  get(key: string): string | undefined;
}

/**
 * Connects with the key from `nextjs-infra:neonApiKey` (stack config, secret) or
 * `NEON_API_KEY`, and the API URL from `nextjs-infra:neonApiUrl` or `NEON_API_URL`
 * (default: Neon's public API).
 */
export function connectFromConfig(config: ConfigSource | undefined, env: NodeJS.ProcessEnv, retry: RetryPolicy = DEFAULT_RETRY): Neon {
  const apiKey = config?.get("neonApiKey") ?? env.NEON_API_KEY;
  if (!apiKey) {
    throw neonApiError("no Neon API key: set it with `pulumi config set --secret neonApiKey <key>` or export NEON_API_KEY");
  }
  const baseURL = config?.get("neonApiUrl") ?? env.NEON_API_URL;
  return { api: createApiClient({ apiKey, baseURL, timeout: 60_000 }), retry };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Statuses that mean Neon did nothing and says to come back: safe to retry any request. */
export function isBusy(status: number | undefined): boolean {
  return status === 423 || status === 429 || status === 503;
}

/**
 * Whether a failed request may be sent again. A read, on any transient failure. A write
 * (POST, PATCH, DELETE) only when Neon says it did nothing: after a 500 or a dropped
 * connection a create may have happened, and sending it again makes a second one.
 */
export function isRetryable(status: number | undefined, kind: "read" | "write"): boolean {
  if (isBusy(status)) return true;
  return kind === "read" && (status === undefined || status >= 500);
}

/** Exponential backoff with full jitter, honouring Retry-After (seconds) when Neon sends one. */
export function backoffMs(attempt: number, policy: RetryPolicy, retryAfter?: string): number {
  const seconds = retryAfter !== undefined ? Number(retryAfter) : NaN;
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds * 1000, 60_000);
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return Math.round(cap / 2 + (Math.random() * cap) / 2);
}

/**
 * Runs one API request. `what` completes the sentence "while …" in errors; `kind` says
 * whether sending it twice is harmless. Busy answers (423/429/503) are retried for up to
 * `busyBudgetMs`, other transient failures of reads `attempts` times. 404 is thrown as a
 * `NeonApiError` with status 404 so callers can treat it as "gone".
 */
export async function request<T>(neon: Neon, what: string, send: () => Promise<{ data: T }>, kind: "read" | "write" = "write"): Promise<T> {
  const started = Date.now();
  for (let attempt = 0; ; attempt++) {
    try {
      return (await send()).data;
    } catch (e) {
      if (!isAxiosError(e)) throw e;
      const status = e.response?.status;
      const detail = (e.response?.data as { message?: string } | undefined)?.message ?? e.message;
      const delay = backoffMs(attempt, neon.retry, e.response?.headers?.["retry-after"] as string | undefined);
      const withinBudget = isBusy(status) ? Date.now() - started + delay <= neon.retry.busyBudgetMs : attempt + 1 < neon.retry.attempts;
      if (isRetryable(status, kind) && withinBudget) {
        await sleep(delay);
        continue;
      }
      throw neonApiError(explain(status, what, detail, attempt + 1, kind), status);
    }
  }
}

function explain(status: number | undefined, what: string, detail: string, attempts: number, kind: "read" | "write"): string {
  switch (status) {
    case 401:
      return `Neon rejected the API key (401) while ${what}: check nextjs-infra:neonApiKey or NEON_API_KEY`;
    case 403:
      return `the Neon API key may not do this (403) while ${what}: use a key of the organization that owns the project (${detail})`;
    case 404:
      return `not found in Neon (404) while ${what}: ${detail}`;
    case undefined:
      return kind === "read"
        ? `could not reach the Neon API while ${what} after ${attempts} attempts: ${detail}`
        : `lost the connection to Neon while ${what} (not retried: it may have happened; the next \`up\` looks before it acts): ${detail}`;
    default:
      if (isBusy(status)) return `Neon stayed busy (${status}) while ${what}, gave up after ${attempts} attempts: ${detail}`;
      if (status >= 500) {
        return kind === "read"
          ? `Neon kept failing (${status}) while ${what}, gave up after ${attempts} attempts: ${detail}`
          : `Neon failed (${status}) while ${what} (not retried: it may have happened; the next \`up\` looks before it acts): ${detail}`;
      }
      return `Neon refused the request (${status}) while ${what}: ${detail}`;
  }
}

/** One read; undefined when Neon says the object does not exist (404). */
export async function getIfPresent<T>(neon: Neon, what: string, send: () => Promise<{ data: T }>): Promise<T | undefined> {
  try {
    return await request(neon, what, send, "read");
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

/** Whether an error means the object no longer exists. */
export function isNotFound(e: unknown): boolean {
  return e instanceof Error && (e as NeonApiError).status === 404;
}

// Arrays, not Sets: module-level values are serialized into the provider by value, and a
// serialized Set loses its methods.
// `error` is not among them: Neon retries an operation in error itself (its failures_count
// grows); only `failed` and `cancelled` are final.
const DONE: readonly string[] = ["finished", "skipped"];
const FAILED: readonly string[] = ["failed", "cancelled"];

/** Waits until every operation finishes; throws on the first that fails or on timeout. */
export async function awaitOperations(neon: Neon, projectId: string, operations: readonly Operation[] | undefined): Promise<void> {
  const deadline = Date.now() + neon.retry.operationTimeoutMs;
  for (const first of operations ?? []) {
    let op = first;
    while (!DONE.includes(op.status)) {
      if (FAILED.includes(op.status)) {
        throw neonApiError(`Neon operation ${op.action} (${op.id}) ended ${op.status}: ${op.error ?? "no detail"}`);
      }
      if (Date.now() > deadline) {
        throw neonApiError(`Neon operation ${op.action} (${op.id}) still ${op.status} after ${neon.retry.operationTimeoutMs / 1000}s`);
      }
      await sleep(neon.retry.pollIntervalMs);
      op = (await request(neon, `waiting for operation ${op.id}`, () => neon.api.getProjectOperation(projectId, op.id), "read")).operation;
    }
  }
}

/**
 * Deletes through `send` and waits for the operations Neon starts; an object that is
 * already gone (deleted by hand, or an expired branch) is what we wanted anyway.
 */
export async function deleteIfPresent(neon: Neon, projectId: string, what: string, send: () => Promise<{ data: object }>): Promise<void> {
  try {
    const res: { operations?: Operation[] } = await request(neon, what, send);
    await awaitOperations(neon, projectId, res.operations);
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
}

/**
 * Bumped whenever provider code changes behaviour: the engine does not notice a changed
 * dynamic provider by itself, and a changed input makes it run `update` with the new code.
 */
export const NEON_PROVIDER_VERSION = "3";

/**
 * A dynamic-provider base: the connection comes from `configure` (or the environment),
 * made on first use, so a preview — which calls no Neon API — needs no key.
 */
export abstract class NeonProviderBase {
  private neon?: Neon;
  private config?: ConfigSource;
  /** Test hook: a policy with short delays. */
  retry: RetryPolicy = DEFAULT_RETRY;

  async configure(req: { config: ConfigSource }): Promise<void> {
    this.config = req.config;
    this.neon = undefined;
    return Promise.resolve();
  }

  protected client(): Neon {
    this.neon ??= connectFromConfig(this.config, process.env, this.retry);
    return this.neon;
  }
}
