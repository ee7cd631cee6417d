/**
 * deploy --stack <s> [--image-ref <repository@sha256:…>] [--migrator-ref <…>]
 *        [--expect-plan <fingerprint>] [--wait-lock <minutes>]:
 * `up` of a long-lived stack with the policy pack, printing its outputs (also to
 * $GITHUB_OUTPUT and the summary). `--image-ref` promotes (or rolls back to) a digest,
 * `--migrator-ref` the migration image with it: production takes digests only, and without
 * them keeps what it runs. `--expect-plan` applies only the plan that was shown (the
 * fingerprint `plan` printed): if the preview now differs, nothing is changed.
 * `--wait-lock` waits that long for another update of the stack to finish instead of
 * failing (approvals happen outside any lock, so two approved runs may meet here).
 * With a Sentry project, the release the pods report is recorded as deployed in the
 * stack's environment. The stack file is left as committed. Exit 0: done. 2: error.
 */
import { ConcurrentUpdateError, type Stack } from "@pulumi/pulumi/automation";
import { addSummary, setOutput } from "./lib/actions";
import { parse, run, UsageError } from "./lib/cli";
import { withRunConfig } from "./lib/run-config";
import { parseImageRef, parseStackName } from "./lib/stacks";
import { openStack, POLICY_PACKS, PROJECT_DIR } from "./lib/workspace";
import { planChanges, planFingerprint } from "./plan";
import { recordRelease, SentryTarget } from "./lib/sentry";

const HELP = `usage: deploy --stack <name> [--image-ref <repository>@sha256:<64 hex>] [--migrator-ref <repository>@sha256:<64 hex>]
              [--expect-plan <fingerprint>] [--wait-lock <minutes>]

  --stack         the stack to update (dev, prod, github, …)
  --image-ref     deploy this digest instead of building (promotion, rollback)
  --migrator-ref  with it, the migration image's digest (promotion)
  --expect-plan   apply only if the preview still has this fingerprint (from \`plan\`)
  --wait-lock     minutes to wait for another update of the stack to finish (default 0)

exit codes: 0 done, 2 error`;

/** What one deploy does, and the seams tests replace. */
export interface DeployOptions {
  imageRef?: string;
  migratorRef?: string;
  expectPlan?: string;
  /** How long to keep retrying while another update holds the stack. */
  waitLockMs?: number;
  sleep?: (ms: number) => Promise<void>;
  print?: (out: string) => void;
}

/**
 * Checks the plan (when one was approved), then `up`. While another update holds the
 * stack, waits and starts over (the plan is checked again: what the other update did may
 * have changed it, and then this deploy stops).
 */
export async function deployStack(stack: Pick<Stack, "preview" | "up">, opts: DeployOptions): Promise<void> {
  const print = opts.print ?? ((o: string) => process.stdout.write(o));
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const deadline = Date.now() + (opts.waitLockMs ?? 0);
  for (;;) {
    try {
      if (opts.expectPlan !== undefined) {
        const now = planFingerprint(await planChanges(stack, print), { imageRef: opts.imageRef, migratorRef: opts.migratorRef });
        if (now !== opts.expectPlan) {
          throw new Error(
            `the plan changed since it was shown for approval (approved ${opts.expectPlan}, now ${now}): nothing was deployed; run the deploy again to see and approve the new plan`,
          );
        }
      }
      await stack.up({ onOutput: print, policyPacks: POLICY_PACKS });
      return;
    } catch (e) {
      if (!(e instanceof ConcurrentUpdateError) || Date.now() >= deadline) throw e;
      print("another update holds the stack; waiting 30 s\n");
      await sleep(30_000);
    }
  }
}

async function main(): Promise<number> {
  const parsed = parse(
    process.argv.slice(2),
    {
      stack: { type: "string" },
      "image-ref": { type: "string" },
      "migrator-ref": { type: "string" },
      "expect-plan": { type: "string" },
      "wait-lock": { type: "string" },
    },
    HELP,
  );
  if (!parsed) return 0;
  if (!parsed.values.stack) throw new UsageError("--stack is required");
  const name = parseStackName(parsed.values.stack);
  const imageRef = parseImageRef(parsed.values["image-ref"]);
  const migratorRef = parseImageRef(parsed.values["migrator-ref"], "--migrator-ref");
  if (migratorRef && !imageRef) throw new UsageError("--migrator-ref goes with --image-ref");
  const expectPlan = parsed.values["expect-plan"];
  if (expectPlan !== undefined && !/^[a-f0-9]{32}$/.test(expectPlan))
    throw new UsageError(`--expect-plan wants the 32-hex fingerprint \`plan\` printed; got ${JSON.stringify(expectPlan)}`);
  const wait = parsed.values["wait-lock"] ?? "0";
  if (!/^[0-9]{1,3}$/.test(wait)) throw new UsageError(`--wait-lock wants whole minutes, e.g. 30; got ${JSON.stringify(wait)}`);
  const stack = await openStack(name, false);
  await withRunConfig(stack, PROJECT_DIR, { "nextjs-infra:image.ref": imageRef, "nextjs-infra:image.migratorRef": migratorRef }, () =>
    deployStack(stack, { imageRef, migratorRef, expectPlan, waitLockMs: Number(wait) * 60_000 }),
  );
  const outputs = await stack.outputs();
  const value = (k: string) => String(outputs[k]?.value ?? "");
  const lines = Object.entries({ url: value("url"), image: value("imageRef"), migrator: value("migratorRef") }).filter(([, v]) => v !== "");
  console.log(`\n${name} deployed${lines.map(([k, v]) => `\n  ${k}: ${v}`).join("")}`);
  setOutput("url", value("url"));
  setOutput("image-ref", value("imageRef"));
  setOutput("migrator-ref", value("migratorRef"));
  addSummary(`### \`${name}\` deployed\n\n${lines.map(([k, v]) => `- ${k}: \`${v}\``).join("\n")}`);
  const sentry = outputs.sentry?.value as SentryTarget | undefined;
  if (sentry) console.log(await recordRelease(sentry, { token: process.env.SENTRY_AUTH_TOKEN, stack: name, appUrl: value("url") }));
  return 0;
}

if (require.main === module) run(main, HELP);
