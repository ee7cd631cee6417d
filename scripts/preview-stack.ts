/**
 * preview-stack up|destroy|cancel --pr <n>: the stack of one pull request. `up` creates or
 * selects `pr-<n>`, refreshes it (an expired database branch is then re-created instead of
 * failing with a 404) and deploys it with the policy pack, printing the app's URL (also to
 * $GITHUB_OUTPUT and the summary); `destroy` destroys and removes it, and succeeds when it
 * is already gone; `cancel` releases the lock a cancelled run left behind.
 */
import { addSummary, setOutput } from "./lib/actions";
import { parse, run, UsageError } from "./lib/cli";
import { parsePullRequest, previewStackName } from "./lib/stacks";
import { isMissingStack, openStack, POLICY_PACKS } from "./lib/workspace";

const HELP = `usage: preview-stack <up|destroy|cancel> --pr <number>

  up       create or select stack pr-<number>, refresh and deploy it, print its URL
  destroy  destroy stack pr-<number> and remove it (fine if it is already gone)
  cancel   cancel the update a cancelled run left holding the stack's lock

exit codes: 0 done, 2 error`;

async function main(): Promise<number> {
  const parsed = parse(process.argv.slice(2), { pr: { type: "string" } }, HELP);
  if (!parsed) return 0;
  const action = parsed.positionals[0];
  if (action !== "up" && action !== "destroy" && action !== "cancel") throw new UsageError(`the first argument is up, destroy or cancel; got ${JSON.stringify(action ?? "")}`);
  const name = previewStackName(parsePullRequest(parsed.values.pr));
  const log = (out: string) => process.stdout.write(out);

  if (action === "up") {
    const stack = await openStack(name, true);
    await stack.up({ onOutput: log, policyPacks: POLICY_PACKS, refresh: true });
    const url = String((await stack.outputs()).url?.value ?? "");
    console.log(`\n${name} is up: ${url}`);
    setOutput("url", url);
    setOutput("stack", name);
    addSummary(`### Preview \`${name}\`\n\n${url}`);
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
