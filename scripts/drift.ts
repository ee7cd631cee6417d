/**
 * drift --stack <s> [--stack …] [--markdown <file>]: for each stack, a refresh preview
 * (what changed outside Pulumi) and a preview (what differs from code and config). Prints
 * a per-resource report with secrets masked, leaving out what the stack's `drift.ignore`
 * setting lists (fields a server or an autoscaler owns).
 * Exit 0: no drift. 1: drift. 2: error (the check itself failed). 3: skipped (the stack is
 * locked by an update in progress; try later). Several stacks: the worst outcome wins,
 * error over drift over skipped over none.
 */
import { writeFileSync } from "fs";
import { ConcurrentUpdateError, EngineEvent, Stack } from "@pulumi/pulumi/automation";
import { addSummary, setOutput } from "./lib/actions";
import { parse, run } from "./lib/cli";
import { collectDrift, DriftIgnore, formatDrift, ignoreDrift, ResourceDrift } from "./lib/drift";
import { boundMarkdown } from "./lib/markdown";
import { parseStackName } from "./lib/stacks";
import { openStack, POLICY_PACKS } from "./lib/workspace";
import { DriftConfig } from "../stacks/schema";

const HELP = `usage: drift --stack <name> [--stack <name> ...] [--markdown <file>] [--cwd <dir>]

  --stack        a stack to check (repeatable)
  --markdown     also write the report as markdown (for an issue body; bounded in size)
  --cwd          the Pulumi project directory (default: this repository)

exit codes: 0 no drift, 1 drift, 2 error, 3 skipped (stack locked by an update)`;

/** The three outcomes of a check, and the lock that postpones it. */
export type DriftOutcome =
  { kind: "none" } | { kind: "drift"; drifts: ResourceDrift[] } | { kind: "error"; message: string } | { kind: "skipped"; message: string };

/** Exit codes by outcome. */
export const EXIT: Record<DriftOutcome["kind"], number> = { none: 0, drift: 1, error: 2, skipped: 3 };
const SEVERITY: DriftOutcome["kind"][] = ["none", "skipped", "drift", "error"];

/** The stack's `nextjs-infra:drift.ignore` setting. */
async function ignoreListOf(stack: Stack): Promise<DriftIgnore[]> {
  const config = await stack.getAllConfig();
  const raw = config["nextjs-infra:drift"]?.value;
  if (!raw) return [];
  const parsed = DriftConfig.safeParse(JSON.parse(raw));
  if (!parsed.success) throw new Error(`nextjs-infra:drift: ${parsed.error.issues.map((i) => i.message).join("; ")}`);
  return parsed.data.ignore ?? [];
}

/**
 * Checks one stack. Drift is judged from what the engine reports; a failing refresh or
 * preview is an error, never drift; a stack another update holds is skipped.
 */
export async function checkStack(stack: Stack, policyPacks: string[] = POLICY_PACKS): Promise<DriftOutcome> {
  try {
    const ignore = await ignoreListOf(stack);
    const refreshEvents: EngineEvent[] = [];
    await stack.refresh({ previewOnly: true, onEvent: (e) => refreshEvents.push(e) });
    const previewEvents: EngineEvent[] = [];
    await stack.preview({ diff: true, policyPacks, onEvent: (e) => previewEvents.push(e) });
    const drifts = ignoreDrift([...collectDrift(refreshEvents, "refresh"), ...collectDrift(previewEvents, "preview")], ignore);
    return drifts.length > 0 ? { kind: "drift", drifts } : { kind: "none" };
  } catch (e) {
    if (e instanceof ConcurrentUpdateError) return { kind: "skipped", message: "an update holds the stack's lock; the next run checks again" };
    return { kind: "error", message: e instanceof Error ? e.message : String(e) };
  }
}

/** The report of one stack's outcome, as text (log) or markdown (issue body). */
export function describeOutcome(name: string, outcome: DriftOutcome, format: "text" | "markdown"): string {
  switch (outcome.kind) {
    case "none":
    case "drift":
      return formatDrift(name, outcome.kind === "drift" ? outcome.drifts : [], format);
    case "skipped":
      return format === "markdown" ? `Drift check of \`${name}\` skipped: ${outcome.message}.` : `${name}: skipped (${outcome.message})`;
    case "error": {
      // The last lines carry the engine's diagnosis; the run log has the rest.
      const tail = outcome.message.split("\n").filter(Boolean).slice(-15).join("\n");
      return format === "markdown"
        ? `## Drift check of \`${name}\` failed\n\nThis is an error of the check, not drift.\n\n\`\`\`\n${tail}\n\`\`\``
        : `${name}: error\n${tail}`;
    }
  }
}

/** The worst of several outcomes, by exit code. */
export function worst(outcomes: DriftOutcome[]): DriftOutcome["kind"] {
  return outcomes.reduce<DriftOutcome["kind"]>((w, o) => (SEVERITY.indexOf(o.kind) > SEVERITY.indexOf(w) ? o.kind : w), "none");
}

async function main(): Promise<number> {
  const parsed = parse(process.argv.slice(2), { stack: { type: "string", multiple: true }, markdown: { type: "string" }, cwd: { type: "string" } }, HELP);
  if (!parsed) return 0;
  const stacks = (parsed.values.stack ?? []).map(parseStackName);
  if (stacks.length === 0) throw new Error("--stack is required (repeat it for several stacks)");
  const outcomes: DriftOutcome[] = [];
  const reports: string[] = [];
  for (const name of stacks) {
    const failed = (e: unknown): DriftOutcome => ({ kind: "error", message: e instanceof Error ? e.message : String(e) });
    const outcome = await openStack(name, false, parsed.values.cwd).then((stack) => checkStack(stack), failed);
    outcomes.push(outcome);
    console.log(describeOutcome(name, outcome, "text"));
    reports.push(describeOutcome(name, outcome, "markdown"));
  }
  const markdown = boundMarkdown(reports.join("\n\n"), process.env.GITHUB_RUN_URL);
  if (parsed.values.markdown) writeFileSync(parsed.values.markdown, `${markdown}\n`);
  const kind = worst(outcomes);
  setOutput("outcome", kind);
  addSummary(markdown);
  return EXIT[kind];
}

if (require.main === module) run(main, HELP);
