/**
 * A stand-in for GitHub's OIDC issuer on loopback, for the API server's JWT authenticator:
 * HTTPS with a self-signed certificate for 127.0.0.1, the discovery document and the JWKS.
 * Run as its own process (the API server fetches discovery while the tests are busy):
 *
 *   oidc-issuer.ts <dir>   writes <dir>/ca.pem, <dir>/signing.pem and, once listening,
 *                          <dir>/issuer.json ({ url }); serves until killed
 *
 * Tests mint tokens with `mintToken`, signed with the same key: claims as GitHub's.
 */
import { execFileSync } from "child_process";
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign } from "crypto";
import * as fs from "fs";
import * as https from "https";
import * as path from "path";

const KID = "nextjs-infra-test";

/** The claims of a GitHub Actions OIDC token that the authenticator reads. */
export interface GithubClaims {
  repository: string;
  ref: string;
  environment?: string;
  aud: string;
  /** Seconds from now until it expires (negative: already expired). @default 600 */
  ttl?: number;
}

const b64url = (data: Buffer | string) => Buffer.from(data).toString("base64url");

/** A token as GitHub would sign it, signed with the stand-in issuer's key in `dir`. */
export function mintToken(dir: string, claims: GithubClaims): string {
  const { url } = JSON.parse(fs.readFileSync(path.join(dir, "issuer.json"), "utf8")) as { url: string };
  const now = Math.floor(Date.now() / 1000);
  const { ttl = 600, ...rest } = claims;
  const payload = { iss: url, iat: now, nbf: now - 5, exp: now + ttl, sub: `repo:${claims.repository}:environment:${claims.environment ?? "none"}`, ...rest };
  const head = b64url(JSON.stringify({ alg: "RS256", typ: "JWT", kid: KID }));
  const body = b64url(JSON.stringify(payload));
  const signature = sign("sha256", Buffer.from(`${head}.${body}`), createPrivateKey(fs.readFileSync(path.join(dir, "signing.pem"))));
  return `${head}.${body}.${b64url(signature)}`;
}

function serve(dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      path.join(dir, "tls.key"),
      "-out",
      path.join(dir, "ca.pem"),
      "-days",
      "1",
      "-subj",
      "/CN=127.0.0.1",
      "-addext",
      "subjectAltName=IP:127.0.0.1",
    ],
    { stdio: "ignore" },
  );
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  fs.writeFileSync(path.join(dir, "signing.pem"), privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600 });
  const jwk = { ...createPublicKey(privateKey).export({ format: "jwk" }), kid: KID, alg: "RS256", use: "sig" };
  let url = "";
  const server = https.createServer({ key: fs.readFileSync(path.join(dir, "tls.key")), cert: fs.readFileSync(path.join(dir, "ca.pem")) }, (req, res) => {
    const body =
      req.url === "/.well-known/openid-configuration"
        ? {
            issuer: url,
            jwks_uri: `${url}/jwks`,
            response_types_supported: ["id_token"],
            subject_types_supported: ["public"],
            id_token_signing_alg_values_supported: ["RS256"],
          }
        : req.url === "/jwks"
          ? { keys: [jwk] }
          : undefined;
    res.writeHead(body ? 200 : 404, { "content-type": "application/json" });
    res.end(body ? JSON.stringify(body) : "");
  });
  server.listen(0, "127.0.0.1", () => {
    const address = server.address();
    url = `https://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
    fs.writeFileSync(path.join(dir, "issuer.json"), JSON.stringify({ url }));
  });
}

if (require.main === module) serve(process.argv[2] ?? ".");
