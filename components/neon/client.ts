/**
 * The Neon API as the dynamic providers use it: the official client, retries with
 * backoff on 423/429/5xx, waiting for the async operations Neon returns, and errors that
 * say what to fix. Runs inside the dynamic-provider process, so it reads the API key at
 * run time (stack config or environment) and never from a captured variable.
 */
import { Api, createApiClient, Operation } from "@neondatabase/api-client";
import { isAxiosError } from "axios";

/** How hard to try. Tests shorten the delays; production uses the defaults. */
export interface RetryPolicy {
  /** Attempts per request, the first included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Interval between polls of a running operation. */
  pollIntervalMs: number;
  /** Give up on an operation after this long. */
  operationTimeoutMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  attempts: 6,
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

/** Statuses worth retrying: locked by a running operation, rate limited, or a server fault. */
export function isRetryable(status: number | undefined): boolean {
  return status === undefined || status === 423 || status === 429 || status >= 500;
}

/** Exponential backoff with full jitter, honouring Retry-After when the API sends one. */
export function backoffMs(attempt: number, policy: RetryPolicy, retryAfter?: string): number {
  const seconds = retryAfter !== undefined ? Number(retryAfter) : NaN;
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds * 1000, policy.maxDelayMs);
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return Math.round(cap / 2 + (Math.random() * cap) / 2);
}

/**
 * Runs one API request with retries. `what` completes the sentence "while …" in errors.
 * 404 is thrown as a `NeonApiError` with status 404 so callers can treat it as "gone".
 */
export async function request<T>(neon: Neon, what: string, send: () => Promise<{ data: T }>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return (await send()).data;
    } catch (e) {
      if (!isAxiosError(e)) throw e;
      const status = e.response?.status;
      const detail = (e.response?.data as { message?: string } | undefined)?.message ?? e.message;
      if (isRetryable(status) && attempt + 1 < neon.retry.attempts) {
        await sleep(backoffMs(attempt, neon.retry, e.response?.headers?.["retry-after"] as string | undefined));
        continue;
      }
      throw neonApiError(explain(status, what, detail, attempt + 1), status);
    }
  }
}

function explain(status: number | undefined, what: string, detail: string, attempts: number): string {
  switch (status) {
    case 401:
      return `Neon rejected the API key (401) while ${what}: check nextjs-infra:neonApiKey or NEON_API_KEY`;
    case 403:
      return `the Neon API key may not do this (403) while ${what}: use a key of the organization that owns the project (${detail})`;
    case 404:
      return `not found in Neon (404) while ${what}: ${detail}`;
    case undefined:
      return `could not reach the Neon API while ${what} after ${attempts} attempts: ${detail}`;
    default:
      return isRetryable(status)
        ? `Neon kept failing (${status}) while ${what}, gave up after ${attempts} attempts: ${detail}`
        : `Neon refused the request (${status}) while ${what}: ${detail}`;
  }
}

/** One read; undefined when Neon says the object does not exist (404). */
export async function getIfPresent<T>(neon: Neon, what: string, send: () => Promise<{ data: T }>): Promise<T | undefined> {
  try {
    return await request(neon, what, send);
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
const DONE: readonly string[] = ["finished", "skipped"];
const FAILED: readonly string[] = ["failed", "error", "cancelled"];

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
      op = (await request(neon, `waiting for operation ${op.id}`, () => neon.api.getProjectOperation(projectId, op.id))).operation;
    }
  }
}

/**
 * Deletes through `send` and waits for the operations Neon starts; an object that is
 * already gone (deleted by hand, or an expired branch) is what we wanted anyway.
 */
export async function deleteIfPresent(
  neon: Neon,
  projectId: string,
  what: string,
  send: () => Promise<{ data: object }>,
): Promise<void> {
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
export const NEON_PROVIDER_VERSION = "1";

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
