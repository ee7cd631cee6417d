/**
 * sweep --max-age <hours> [--dry-run]: destroys preview stacks (pr-*) whose pull request
 * is closed, or that nobody updated within the limit. Needs GITHUB_TOKEN and
 * GITHUB_REPOSITORY to ask GitHub about pull requests.
 */
import { LocalWorkspace } from "@pulumi/pulumi/automation";
import { parse, run, UsageError } from "./lib/cli";
import { pullRequestState, repositoryFrom } from "./lib/github";
import { selectStale } from "./lib/stale";
import { pullRequestOf } from "./lib/stacks";
import { openStack, PROJECT_DIR } from "./lib/workspace";

const HELP = `usage: sweep --max-age <hours> [--dry-run]

  --max-age  destroy previews not updated for this many hours
  --dry-run  list what would be destroyed, destroy nothing

env: GITHUB_TOKEN, GITHUB_REPOSITORY (owner/name)
exit codes: 0 done, 2 error`;

async function main(): Promise<number> {
  const parsed = parse(process.argv.slice(2), { "max-age": { type: "string" }, "dry-run": { type: "boolean" } }, HELP);
  if (!parsed) return 0;
  const maxAge = Number(parsed.values["max-age"]);
  if (!Number.isFinite(maxAge) || maxAge <= 0) throw new UsageError(`--max-age wants a positive number of hours; got ${JSON.stringify(parsed.values["max-age"] ?? "")}`);
  const token = process.env.GITHUB_TOKEN;
  if (!token) throw new Error("GITHUB_TOKEN is required to read pull request states");
  const repo = repositoryFrom(process.env);

  const workspace = await LocalWorkspace.create({ workDir: PROJECT_DIR });
  const stacks = (await workspace.listStacks()).filter((s) => pullRequestOf(s.name) !== undefined);
  const states = new Map<number, "open" | "closed">();
  for (const s of stacks) {
    const pr = pullRequestOf(s.name)!;
    states.set(pr, await pullRequestState(pr, repo, token));
  }
  const stale = selectStale(stacks, states, maxAge, new Date());
  console.log(`${stacks.length} preview stack(s), ${stale.length} to destroy`);
  for (const s of stale) {
    console.log(`${parsed.values["dry-run"] ? "would destroy" : "destroying"} ${s.name}: ${s.reason}`);
    if (parsed.values["dry-run"]) continue;
    const stack = await openStack(s.name, false);
    await stack.destroy({ onOutput: (out) => process.stdout.write(out) });
    await workspace.removeStack(s.name);
  }
  return 0;
}

run(main, HELP);
