/**
 * The response headers every page carries. The Content-Security-Policy is per request: a
 * fresh nonce that Next.js puts on its own inline scripts ('strict-dynamic' lets the
 * scripts they load run), so no inline script anyone injects can. HSTS only when the
 * request came over TLS (directly or through the ingress), never on plain local HTTP.
 */

/** Headers that do not depend on the request: also set for static files (next.config.ts). */
export const STATIC_HEADERS: Record<string, string> = {
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "strict-origin-when-cross-origin",
  "X-Frame-Options": "DENY",
  "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
};

export const HSTS = "max-age=63072000; includeSubDomains";

/** The policy for one response; development needs eval for React's tooling. */
export function contentSecurityPolicy(nonce: string, opts: { development?: boolean; tls?: boolean } = {}): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${opts.development ? " 'unsafe-eval'" : ""}`,
    // Next.js and React set inline style attributes; styles cannot run code.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    ...(opts.tls ? ["upgrade-insecure-requests"] : []),
  ].join("; ");
}

/** Whether the client reached us over TLS: our own URL, or the ingress's forwarded protocol. */
export function servedOverTls(protocol: string, forwardedProto: string | null): boolean {
  return protocol === "https:" || forwardedProto?.split(",")[0].trim().toLowerCase() === "https";
}
