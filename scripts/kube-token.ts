/**
 * kube-token [--audience <aud>]: a kubeconfig exec credential plugin for GitHub Actions jobs.
 * Asks the runner for the job's own OIDC token (the job needs `id-token: write`) and prints
 * it as an ExecCredential, with its expiry, so the Kubernetes client asks again when it
 * runs out. Nothing is stored: the cluster's JWT authenticator (the cluster stack's
 * `previewAuthentication`) turns the token into the pull request's own identity.
 * Run through ts-node (the kubeconfig the setup action writes says how); exit 1 with the
 * reason on stderr when the runner gives no token.
 */
export const DEFAULT_AUDIENCE = "nextjs-infra-preview";

/** The ExecCredential a client reads from the plugin's stdout. */
export function execCredential(token: string): Record<string, unknown> {
  const payload = JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8") || "{}") as { exp?: number };
  return {
    apiVersion: "client.authentication.k8s.io/v1",
    kind: "ExecCredential",
    status: { token, ...(payload.exp ? { expirationTimestamp: new Date(payload.exp * 1000).toISOString() } : {}) },
  };
}

/** Fetches the job's OIDC token for `audience` from the runner. */
export async function jobToken(env: NodeJS.ProcessEnv, audience: string): Promise<string> {
  const url = env.ACTIONS_ID_TOKEN_REQUEST_URL;
  const bearer = env.ACTIONS_ID_TOKEN_REQUEST_TOKEN;
  if (!url || !bearer) throw new Error("no OIDC token request in this job's environment: the job needs `permissions: id-token: write`");
  const res = await fetch(`${url}${url.includes("?") ? "&" : "?"}audience=${encodeURIComponent(audience)}`, {
    headers: { authorization: `Bearer ${bearer}`, accept: "application/json" },
  });
  if (!res.ok) throw new Error(`the runner refused an OIDC token: HTTP ${res.status}`);
  const body = (await res.json()) as { value?: string };
  if (!body.value) throw new Error("the runner's answer held no token");
  return body.value;
}

async function main(): Promise<void> {
  const i = process.argv.indexOf("--audience");
  const audience = i >= 0 ? (process.argv[i + 1] ?? DEFAULT_AUDIENCE) : DEFAULT_AUDIENCE;
  process.stdout.write(`${JSON.stringify(execCredential(await jobToken(process.env, audience)))}\n`);
}

if (require.main === module) {
  main().catch((e: unknown) => {
    process.stderr.write(`kube-token: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
}
