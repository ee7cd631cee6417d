/**
 * deploy --stack <s> [--image-ref <repository@sha256:…>] [--migrator-ref <…>]: `up` of a
 * long-lived stack with the policy pack, printing its URL and images (also to $GITHUB_OUTPUT
 * and the summary). `--image-ref` promotes (or rolls back to) a digest, `--migrator-ref` the
 * migration image with it: production takes digests only, and without them keeps what it
 * runs (a rollback names only the app's digest: migrations only go forward). Exit 0: done.
 * 2: error.
 */
import { addSummary, setOutput } from "./lib/actions";
import { parse, run, UsageError } from "./lib/cli";
import { parseStackName } from "./lib/stacks";
import { openStack, POLICY_PACKS } from "./lib/workspace";
import { DIGEST_REF } from "../stacks/schema";

const HELP = `usage: deploy --stack <name> [--image-ref <repository>@sha256:<64 hex>] [--migrator-ref <repository>@sha256:<64 hex>]

  --stack         the stack to update (dev, prod, …)
  --image-ref     deploy this digest instead of building (promotion, rollback)
  --migrator-ref  with it, the migration image's digest (promotion)

exit codes: 0 done, 2 error`;

/** Checks an `--image-ref` value: a digest reference, nothing that could move. */
export function parseImageRef(value: string | undefined, flag = "--image-ref"): string | undefined {
  if (value === undefined || value === "") return undefined;
  if (!DIGEST_REF.test(value)) throw new UsageError(`${flag} wants <repository>@sha256:<64 hex digits> (a digest, never a tag); got ${JSON.stringify(value)}`);
  return value;
}

async function main(): Promise<number> {
  const parsed = parse(process.argv.slice(2), { stack: { type: "string" }, "image-ref": { type: "string" }, "migrator-ref": { type: "string" } }, HELP);
  if (!parsed) return 0;
  if (!parsed.values.stack) throw new UsageError("--stack is required");
  const name = parseStackName(parsed.values.stack);
  const imageRef = parseImageRef(parsed.values["image-ref"]);
  const migratorRef = parseImageRef(parsed.values["migrator-ref"], "--migrator-ref");
  if (migratorRef && !imageRef) throw new UsageError("--migrator-ref goes with --image-ref");
  const stack = await openStack(name, false);
  // Set for this run only: the runner's checkout is thrown away; the stack's state records what runs.
  if (imageRef) await stack.setConfig("nextjs-infra:image.ref", { value: imageRef }, true);
  if (migratorRef) await stack.setConfig("nextjs-infra:image.migratorRef", { value: migratorRef }, true);
  await stack.up({ onOutput: (out) => process.stdout.write(out), policyPacks: POLICY_PACKS });
  const outputs = await stack.outputs();
  const url = String(outputs.url?.value ?? "");
  const deployed = String(outputs.imageRef?.value ?? "");
  const migrator = String(outputs.migratorRef?.value ?? "");
  console.log(`\n${name} runs ${deployed} at ${url}`);
  setOutput("url", url);
  setOutput("image-ref", deployed);
  setOutput("migrator-ref", migrator);
  addSummary(`### \`${name}\` deployed\n\n- image: \`${deployed}\`\n- url: ${url}`);
  return 0;
}

if (require.main === module) run(main, HELP);
