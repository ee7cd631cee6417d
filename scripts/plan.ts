/**
 * plan --stack <s> [--markdown <file>]: what merging this branch would change in a stack,
 * as `pulumi preview` sees it with this checkout's program and the stack's state: a
 * summary per resource (operation and changed properties, secrets masked), bounded in
 * size for a pull request comment. Runs with read-only credentials (the `dev-plan`
 * environment). Exit 0: planned (changes or not). 2: error.
 */
import { writeFileSync } from "fs";
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { addSummary, setOutput } from "./lib/actions";
import { parse, run, UsageError } from "./lib/cli";
import { collectDrift, ResourceDrift } from "./lib/drift";
import { boundMarkdown } from "./lib/markdown";
import { parseStackName } from "./lib/stacks";
import { openStack, POLICY_PACKS } from "./lib/workspace";

const HELP = `usage: plan --stack <name> [--markdown <file>]

  --stack     the stack to preview against (normally dev)
  --markdown  also write the plan as markdown (bounded for a comment)

exit codes: 0 planned, 2 error`;

/** At most this many resources are listed one by one; the counts always cover all. */
const LISTED = 40;

/** A plan as markdown: counts per operation, then each changed resource with its properties. */
export function formatPlan(stack: string, changes: readonly ResourceDrift[]): string {
  if (changes.length === 0) return `**Plan of \`${stack}\`**: no changes.`;
  const counts = new Map<string, number>();
  for (const c of changes) counts.set(c.op, (counts.get(c.op) ?? 0) + 1);
  const lines = [
    `**Plan of \`${stack}\`**: ${[...counts].map(([op, n]) => `${n} to ${op}`).join(", ")}. Secrets are shown as \`[secret]\`.`,
    "",
    "| operation | resource | properties |",
    "|---|---|---|",
  ];
  for (const c of changes.slice(0, LISTED)) {
    const props = c.changes.map((p) => `\`${p.path}\``).slice(0, 8).join(", ") + (c.changes.length > 8 ? ", …" : "");
    lines.push(`| ${c.op} | ${c.type} \`${c.name}\` | ${props.replace(/\|/g, "\\|")} |`);
  }
  if (changes.length > LISTED) lines.push("", `… and ${changes.length - LISTED} more (see the run log).`);
  return lines.join("\n");
}

async function main(): Promise<number> {
  const parsed = parse(process.argv.slice(2), { stack: { type: "string" }, markdown: { type: "string" } }, HELP);
  if (!parsed) return 0;
  if (!parsed.values.stack) throw new UsageError("--stack is required");
  const name = parseStackName(parsed.values.stack);
  const stack = await openStack(name, false);
  const events: EngineEvent[] = [];
  await stack.preview({ diff: true, policyPacks: POLICY_PACKS, onEvent: (e) => events.push(e), onOutput: (o) => process.stdout.write(o) });
  const markdown = boundMarkdown(formatPlan(name, collectDrift(events, "preview")), process.env.GITHUB_RUN_URL, 20_000);
  if (parsed.values.markdown) writeFileSync(parsed.values.markdown, `${markdown}\n`);
  setOutput("plan", markdown);
  addSummary(markdown);
  return 0;
}

if (require.main === module) run(main, HELP);
