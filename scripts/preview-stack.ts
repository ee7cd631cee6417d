/**
 * preview-stack up|destroy|cancel --pr <n>: the stack of one pull request. `up` creates or
 * selects `pr-<n>`, refreshes it (an expired database branch is then re-created instead of
 * failing with a 404) and deploys it with the policy pack, printing the app's URL (also to
 * $GITHUB_OUTPUT and the summary) and the schema diff of its database against the branch it
 * was made from (output `schema`, for the pull request's comment); a deploy refused by the
 * Neon plan's branch cap says so (output `problem`). `destroy` destroys and removes it, and
 * succeeds when it is already gone; `cancel` releases the lock a cancelled run left behind.
 */
import { connectFromConfig } from "../components/neon/client";
import { addSummary, setOutput } from "./lib/actions";
import { parse, run, UsageError } from "./lib/cli";
import { parsePullRequest, previewStackName } from "./lib/stacks";
import { SchemaDiffTarget, schemaDiffSection } from "./lib/schema-diff";
import { isMissingStack, openStack, POLICY_PACKS } from "./lib/workspace";

/** The sentence of a failed deploy that names a Neon plan's cap, for the comment: what to do is in it. */
export function planCapProblem(message: string): string | undefined {
  return /Neon project \S+ has \d+ (root )?branches, the \w+ plan's limit[^\n]*/.exec(message)?.[0];
}

const HELP = `usage: preview-stack <up|destroy|cancel> --pr <number>

  up       create or select stack pr-<number>, refresh and deploy it, print its URL
  destroy  destroy stack pr-<number> and remove it (fine if it is already gone)
  cancel   cancel the update a cancelled run left holding the stack's lock

exit codes: 0 done, 2 error`;

async function main(): Promise<number> {
  const parsed = parse(process.argv.slice(2), { pr: { type: "string" } }, HELP);
  if (!parsed) return 0;
  const action = parsed.positionals[0];
  if (action !== "up" && action !== "destroy" && action !== "cancel")
    throw new UsageError(`the first argument is up, destroy or cancel; got ${JSON.stringify(action ?? "")}`);
  const name = previewStackName(parsePullRequest(parsed.values.pr));
  const log = (out: string) => process.stdout.write(out);

  if (action === "up") {
    const stack = await openStack(name, true);
    try {
      await stack.up({ onOutput: log, policyPacks: POLICY_PACKS, refresh: true });
    } catch (e) {
      const problem = planCapProblem(String((e as Error).message));
      if (problem) setOutput("problem", problem);
      throw e;
    }
    const outputs = await stack.outputs();
    const url = String(outputs.url?.value ?? "");
    console.log(`\n${name} is up: ${url}`);
    setOutput("url", url);
    setOutput("stack", name);
    const target = outputs.schemaDiff?.value as SchemaDiffTarget | undefined;
    const schema = target ? await schemaDiffSection(() => connectFromConfig(undefined, process.env), target) : undefined;
    if (schema) setOutput("schema", schema);
    addSummary(`### Preview \`${name}\`\n\n${url}${schema ? `\n\n${schema}` : ""}`);
    return 0;
  }
  let stack;
  try {
    stack = await openStack(name, false);
  } catch (e) {
    if (!isMissingStack(e)) throw e;
    console.log(`${name} does not exist; nothing to ${action}`);
    return 0;
  }
  if (action === "cancel") {
    await stack.cancel();
    console.log(`${name}: the update in progress was cancelled`);
    return 0;
  }
  await stack.destroy({ onOutput: log });
  await stack.workspace.removeStack(name);
  console.log(`${name} destroyed and removed`);
  return 0;
}

if (require.main === module) run(main, HELP);
