/**
 * The Pulumi project these scripts drive, through the Automation API and the installed
 * CLI. The program runs in this process (an inline program that loads index.ts), so the
 * scripts need the `pulumi` CLI but not its Node.js language host; the workspace is
 * still the repository, so Pulumi.yaml and Pulumi.<stack>.yaml are the stack's config.
 *
 * The state backend is explicit: `PULUMI_BACKEND_URL` (Pulumi Cloud when unset, or a
 * self-managed `s3://`, `gs://`, `azblob://`, `file://` backend), and for self-managed
 * backends `PULUMI_SECRETS_PROVIDER` (e.g. `awskms://…`, or `passphrase` with
 * `PULUMI_CONFIG_PASSPHRASE`) for the stacks the scripts create.
 */
import * as path from "path";
import { LocalWorkspace, Stack, StackNotFoundError } from "@pulumi/pulumi/automation";

/** The repository root: where Pulumi.yaml lives. */
export const PROJECT_DIR = path.resolve(__dirname, "..", "..");
/** The Pulumi project name (Pulumi.yaml `name`). */
export const PROJECT_NAME = "nextjs-infra";
/**
 * The policy pack every up and preview runs with: `policy/`, or the path in
 * NEXTJS_INFRA_POLICY_PACK (a published pack's directory, or an executable the engine starts
 * as the pack, as the engine tier does where the CLI has no Node.js language host).
 */
export const POLICY_PACKS = [process.env.NEXTJS_INFRA_POLICY_PACK ?? path.join(PROJECT_DIR, "policy")];

/**
 * The program: index.ts, loaded afresh for every operation (its module state belongs to
 * one run). It exports a function, as the CLI's Node.js host expects; what it returns
 * becomes the stack's outputs. It runs in `workDir`, where settings read the stack files.
 */
export function program(entry = path.join(PROJECT_DIR, "index.ts"), workDir?: string): () => Promise<Record<string, unknown>> {
  return async () => {
    for (const id of Object.keys(require.cache)) {
      const fresh =
        id.startsWith(PROJECT_DIR) &&
        ![`${path.sep}node_modules${path.sep}`, `${path.sep}scripts${path.sep}`, `${path.sep}test${path.sep}`].some((dir) => id.includes(dir));
      if (fresh) delete require.cache[id];
    }
    const cwd = process.cwd();
    if (workDir) process.chdir(workDir);
    try {
      const mod = (await import(entry)) as { default?: unknown } | (() => unknown);
      const main = typeof mod === "function" ? mod : mod.default;
      if (typeof main !== "function") throw new Error(`${entry} must export the program as a function`);
      return (await (main as () => Promise<Record<string, unknown>>)()) ?? {};
    } finally {
      process.chdir(cwd);
    }
  };
}

/** Selects a stack, creating it when asked (with the configured secrets provider). `workDir` defaults to the repository. */
export async function openStack(name: string, create: boolean, workDir = PROJECT_DIR, env: NodeJS.ProcessEnv = process.env): Promise<Stack> {
  const args = { stackName: name, projectName: PROJECT_NAME, program: program(undefined, workDir) };
  // An empty repository variable means "the backend's default".
  const secretsProvider = (env.PULUMI_SECRETS_PROVIDER ?? "") === "" ? undefined : env.PULUMI_SECRETS_PROVIDER;
  const opts = { workDir, secretsProvider };
  return create ? LocalWorkspace.createOrSelectStack(args, opts) : LocalWorkspace.selectStack(args, opts);
}

/** Whether an Automation API error says the stack does not exist. */
export function isMissingStack(e: unknown): boolean {
  return e instanceof StackNotFoundError || /no stack named|stack .* not found|could not find stack/i.test(e instanceof Error ? e.message : String(e));
}
