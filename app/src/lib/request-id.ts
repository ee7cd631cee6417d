/**
 * The request id: the incoming `x-request-id` when it looks like one (a load balancer's or
 * a tracing header's), else a fresh one. A client-sent value is never trusted as is: it
 * lands in every log line of the request, so it is bounded to a safe alphabet and length.
 */
import { headers } from "next/headers";

export const REQUEST_ID_HEADER = "x-request-id";
const VALID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/** The id to use for a request that sent `incoming` (null when it sent none). */
export function acceptRequestId(incoming: string | null): string {
  return incoming !== null && VALID.test(incoming) ? incoming : crypto.randomUUID();
}

export async function requestId(): Promise<string> {
  // The proxy already replaced an invalid one; check again for routes it does not match.
  return acceptRequestId((await headers()).get(REQUEST_ID_HEADER));
}
