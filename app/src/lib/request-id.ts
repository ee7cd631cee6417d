/** The request id: taken from the incoming `x-request-id` (set by the proxy) or minted. */
import { headers } from "next/headers";

export const REQUEST_ID_HEADER = "x-request-id";

export async function requestId(): Promise<string> {
  return (await headers()).get(REQUEST_ID_HEADER) ?? crypto.randomUUID();
}
