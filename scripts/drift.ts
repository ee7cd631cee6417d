/**
 * drift --stack <s> [--stack …] [--markdown <file>]: for each stack, a refresh preview
 * (what changed outside Pulumi) and a preview that expects no changes (what differs from
 * code and config). Prints a per-resource report with secrets masked.
 * Exit 0: no drift. 1: drift. 2: error.
 */
import { writeFileSync } from "fs";
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { addSummary, setOutput } from "./lib/actions";
import { parse, run } from "./lib/cli";
import { collectDrift, formatDrift, ResourceDrift } from "./lib/drift";
import { parseStackName } from "./lib/stacks";
import { openStack, POLICY_PACKS } from "./lib/workspace";

const HELP = `usage: drift --stack <name> [--stack <name> ...] [--markdown <file>] [--cwd <dir>]

  --stack     a stack to check (repeatable)
  --markdown  also write the report as markdown (for an issue body)
  --cwd       the Pulumi project directory (default: this repository)

exit codes: 0 no drift, 1 drift, 2 error`;

async function driftOf(name: string, workDir?: string): Promise<ResourceDrift[]> {
  const stack = await openStack(name, false, workDir);
  const refreshEvents: EngineEvent[] = [];
  await stack.refresh({ previewOnly: true, onEvent: (e) => refreshEvents.push(e) });
  const previewEvents: EngineEvent[] = [];
  try {
    await stack.preview({ expectNoChanges: true, diff: true, policyPacks: POLICY_PACKS, onEvent: (e) => previewEvents.push(e) });
  } catch (e) {
    // expect-no-changes fails the preview when there are changes: the events tell which.
    if (collectDrift(previewEvents, "preview").length === 0) throw e;
  }
  return [...collectDrift(refreshEvents, "refresh"), ...collectDrift(previewEvents, "preview")];
}

async function main(): Promise<number> {
  const parsed = parse(process.argv.slice(2), { stack: { type: "string", multiple: true }, markdown: { type: "string" }, cwd: { type: "string" } }, HELP);
  if (!parsed) return 0;
  const stacks = (parsed.values.stack ?? []).map(parseStackName);
  if (stacks.length === 0) throw new Error("--stack is required (repeat it for several stacks)");
  const reports: string[] = [];
  let drifted = false;
  for (const name of stacks) {
    const drifts = await driftOf(name, parsed.values.cwd);
    drifted ||= drifts.length > 0;
    console.log(formatDrift(name, drifts, "text"));
    reports.push(formatDrift(name, drifts, "markdown"));
  }
  const markdown = reports.join("\n\n");
  if (parsed.values.markdown) writeFileSync(parsed.values.markdown, `${markdown}\n`);
  setOutput("drift", String(drifted));
  addSummary(markdown);
  return drifted ? 1 : 0;
}

run(main, HELP);
