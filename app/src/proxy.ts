/**
 * Runs before every page and API route: gives the request a valid id (kept if a load
 * balancer already set one) for the logs, and sets the per-request security headers.
 */
import { NextRequest, NextResponse } from "next/server";
import { acceptRequestId, REQUEST_ID_HEADER } from "@/lib/request-id";
import { contentSecurityPolicy, HSTS, servedOverTls } from "@/lib/security-headers";

export function proxy(request: NextRequest): NextResponse {
  const id = acceptRequestId(request.headers.get(REQUEST_ID_HEADER));
  const nonce = Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("base64");
  const tls = servedOverTls(request.nextUrl.protocol, request.headers.get("x-forwarded-proto"));
  const csp = contentSecurityPolicy(nonce, { development: process.env.NODE_ENV === "development", tls });
  const headers = new Headers(request.headers);
  headers.set(REQUEST_ID_HEADER, id);
  // Next.js reads the nonce from the request's policy and puts it on its inline scripts.
  headers.set("content-security-policy", csp);
  const response = NextResponse.next({ request: { headers } });
  response.headers.set(REQUEST_ID_HEADER, id);
  response.headers.set("Content-Security-Policy", csp);
  if (tls) response.headers.set("Strict-Transport-Security", HSTS);
  return response;
}

export const config = { matcher: ["/((?!_next/static|_next/image|favicon.ico).*)"] };
