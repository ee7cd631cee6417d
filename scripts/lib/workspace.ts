/** The Pulumi project these scripts drive, through the Automation API and the installed CLI. */
import * as path from "path";
import { LocalWorkspace, Stack } from "@pulumi/pulumi/automation";

/** The repository root: where Pulumi.yaml lives. */
export const PROJECT_DIR = path.resolve(__dirname, "..", "..");
/** The policy pack every up and preview runs with. */
export const POLICY_PACKS = [path.join(PROJECT_DIR, "policy")];

/** Selects a stack, creating it when asked. */
export async function openStack(name: string, create: boolean): Promise<Stack> {
  const args = { stackName: name, workDir: PROJECT_DIR };
  return create ? LocalWorkspace.createOrSelectStack(args) : LocalWorkspace.selectStack(args);
}

/** Whether an Automation API error says the stack does not exist. */
export function isMissingStack(e: unknown): boolean {
  return /no stack named|stack .* not found|could not find stack/i.test(e instanceof Error ? e.message : String(e));
}
