/**
 * The Pulumi project these scripts drive, through the Automation API and the installed
 * CLI. The program runs in this process (an inline program that loads index.ts), so the
 * scripts need the `pulumi` CLI but not its Node.js language host; the workspace is
 * still the repository, so Pulumi.yaml and Pulumi.<stack>.yaml are the stack's config.
 */
import * as path from "path";
import { LocalWorkspace, Stack } from "@pulumi/pulumi/automation";

/** The repository root: where Pulumi.yaml lives. */
export const PROJECT_DIR = path.resolve(__dirname, "..", "..");
/** The Pulumi project name (Pulumi.yaml `name`). */
export const PROJECT_NAME = "nextjs-infra";
/** The policy pack every up and preview runs with. */
export const POLICY_PACKS = [path.join(PROJECT_DIR, "policy")];

/**
 * The program: index.ts, loaded afresh for every operation (its module state belongs to
 * one run). It exports a function, as the CLI's Node.js host expects; what it returns
 * becomes the stack's outputs.
 */
export function program(entry = path.join(PROJECT_DIR, "index.ts")): () => Promise<Record<string, unknown>> {
  return async () => {
    for (const id of Object.keys(require.cache)) {
      const fresh = id.startsWith(PROJECT_DIR) && ![`${path.sep}node_modules${path.sep}`, `${path.sep}scripts${path.sep}`, `${path.sep}test${path.sep}`].some((dir) => id.includes(dir));
      if (fresh) delete require.cache[id];
    }
    const mod = (await import(entry)) as { default?: unknown } | (() => unknown);
    const main = typeof mod === "function" ? mod : mod.default;
    if (typeof main !== "function") throw new Error(`${entry} must export the program as a function`);
    return (await (main as () => Promise<Record<string, unknown>>)()) ?? {};
  };
}

/** Selects a stack, creating it when asked. `workDir` defaults to the repository. */
export async function openStack(name: string, create: boolean, workDir = PROJECT_DIR): Promise<Stack> {
  const args = { stackName: name, projectName: PROJECT_NAME, program: program() };
  return create ? LocalWorkspace.createOrSelectStack(args, { workDir }) : LocalWorkspace.selectStack(args, { workDir });
}

/** Whether an Automation API error says the stack does not exist. */
export function isMissingStack(e: unknown): boolean {
  return /no stack named|stack .* not found|could not find stack/i.test(e instanceof Error ? e.message : String(e));
}
