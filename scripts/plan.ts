/**
 * plan --stack <s> [--image-ref <ref> [--migrator-ref <ref>]] [--markdown <file>]: what an
 * `up` of the stack would change, as `pulumi preview` sees it with this checkout's program
 * and the stack's state: a summary per resource (operation and changed properties, secrets
 * masked), bounded in size, and its fingerprint. The deploy workflow shows production's
 * plan this way before anyone approves it (read-only credentials: `production-read`), and
 * the approved deploy refuses to apply anything else (`deploy --expect-plan`).
 * Exit 0: planned (changes or not). 2: error.
 */
import { createHash } from "crypto";
import { writeFileSync } from "fs";
import type { EngineEvent, Stack } from "@pulumi/pulumi/automation";
import { addSummary, setOutput } from "./lib/actions";
import { parse, run, UsageError } from "./lib/cli";
import { collectDrift, ResourceDrift } from "./lib/drift";
import { boundMarkdown } from "./lib/markdown";
import { withRunConfig } from "./lib/run-config";
import { parseStackName } from "./lib/stacks";
import { openStack, POLICY_PACKS, PROJECT_DIR } from "./lib/workspace";
import { parseImageRef } from "./lib/stacks";

const HELP = `usage: plan --stack <name> [--image-ref <repository>@sha256:<64 hex> [--migrator-ref <…>]] [--markdown <file>]

  --stack         the stack to preview
  --image-ref     plan the promotion of this digest (as deploy would run it)
  --migrator-ref  with it, the migration image's digest
  --markdown      also write the plan as markdown (bounded)

exit codes: 0 planned, 2 error`;

/**
 * A plan's identity: every change (operation, resource, property, new value with secrets
 * masked) and the images it deploys. Provider resources are left out: their inputs carry
 * the job's own credentials, which differ between the plan job and the deploy job.
 */
export function planFingerprint(changes: readonly ResourceDrift[], images: { imageRef?: string; migratorRef?: string } = {}): string {
  const lines = changes
    .filter((c) => !c.type.startsWith("pulumi:providers:"))
    .map((c) => [c.op, c.urn, ...c.changes.map((p) => `${p.path}=${p.new}`).sort()].join(" "))
    .sort();
  return createHash("sha256").update(JSON.stringify({ lines, images })).digest("hex").slice(0, 32);
}

/** Previews the stack and returns its changes (policy pack on), printing the engine's output. */
export async function planChanges(stack: Pick<Stack, "preview">, print: (o: string) => void = (o) => process.stdout.write(o)): Promise<ResourceDrift[]> {
  const events: EngineEvent[] = [];
  await stack.preview({ diff: true, policyPacks: POLICY_PACKS, onEvent: (e) => events.push(e), onOutput: print });
  return collectDrift(events, "preview");
}

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
    const props =
      c.changes
        .map((p) => `\`${p.path}\``)
        .slice(0, 8)
        .join(", ") + (c.changes.length > 8 ? ", …" : "");
    lines.push(`| ${c.op} | ${c.type} \`${c.name}\` | ${props.replace(/\|/g, "\\|")} |`);
  }
  if (changes.length > LISTED) lines.push("", `… and ${changes.length - LISTED} more (see the run log).`);
  return lines.join("\n");
}

async function main(): Promise<number> {
  const parsed = parse(
    process.argv.slice(2),
    { stack: { type: "string" }, "image-ref": { type: "string" }, "migrator-ref": { type: "string" }, markdown: { type: "string" } },
    HELP,
  );
  if (!parsed) return 0;
  if (!parsed.values.stack) throw new UsageError("--stack is required");
  const name = parseStackName(parsed.values.stack);
  const imageRef = parseImageRef(parsed.values["image-ref"]);
  const migratorRef = parseImageRef(parsed.values["migrator-ref"], "--migrator-ref");
  if (migratorRef && !imageRef) throw new UsageError("--migrator-ref goes with --image-ref");
  const stack = await openStack(name, false);
  const changes = await withRunConfig(stack, PROJECT_DIR, { "nextjs-infra:image.ref": imageRef, "nextjs-infra:image.migratorRef": migratorRef }, () =>
    planChanges(stack),
  );
  const fingerprint = planFingerprint(changes, { imageRef, migratorRef });
  const markdown = boundMarkdown(
    `${formatPlan(name, changes)}\n\nPlan \`${fingerprint}\`${imageRef ? ` for \`${imageRef}\`` : ""}: the deploy applies this plan or nothing.`,
    process.env.GITHUB_RUN_URL,
    20_000,
  );
  if (parsed.values.markdown) writeFileSync(parsed.values.markdown, `${markdown}\n`);
  setOutput("plan", markdown);
  setOutput("fingerprint", fingerprint);
  addSummary(markdown);
  console.log(`\nplan ${fingerprint}`);
  return 0;
}

if (require.main === module) run(main, HELP);
