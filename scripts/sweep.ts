/**
 * sweep [--max-age <hours>] [--dry-run]: destroys preview stacks (pr-*) whose pull request
 * is closed, that nobody updated within the limit, or whose database expires before the
 * next sweep. It stops before touching anything when GitHub does not answer for the
 * repository; keeps previews of pull requests GitHub does not know; skips stacks mid-update
 * (cancelling a lock hours old); carries on past a failed destroy and reports it; and
 * marks each destroyed preview's pull request comment. Needs GITHUB_TOKEN and GITHUB_REPOSITORY.
 * Exit 0: done. 1: some destroys failed. 2: error (nothing destroyed).
 */
import { LocalWorkspace } from "@pulumi/pulumi/automation";
import { parse, run, UsageError } from "./lib/cli";
import { GithubClient, PullRequestState, repositoryFrom } from "./lib/github";
import { DEFAULT_SWEEP, decide, StackInfo, SweepPolicy } from "./lib/stale";
import { pullRequestOf } from "./lib/stacks";
import { openStack, PROJECT_DIR } from "./lib/workspace";
import { addSummary } from "./lib/actions";

const HELP = `usage: sweep [--max-age <hours>] [--dry-run]

  --max-age  destroy previews not updated for this many hours (default ${DEFAULT_SWEEP.maxAgeHours})
  --dry-run  list what would be done, change nothing

env: GITHUB_TOKEN, GITHUB_REPOSITORY (owner/name)
exit codes: 0 done, 1 some destroys failed, 2 error`;

/** What the sweep does to the world, injectable so its loop is tested without a backend. */
export interface SweepDeps {
  listStacks(): Promise<StackInfo[]>;
  github: Pick<GithubClient, "checkAccess" | "pullRequestState" | "upsertPreviewComment">;
  destroy(stack: string): Promise<void>;
  cancel(stack: string): Promise<void>;
  log(line: string): void;
  now(): Date;
}

/** One sweep. Returns the number of destroys that failed. */
export async function sweep(deps: SweepDeps, policy: SweepPolicy, dryRun: boolean): Promise<number> {
  await deps.github.checkAccess();
  const stacks = (await deps.listStacks()).filter((s) => pullRequestOf(s.name) !== undefined);
  const states = new Map<number, PullRequestState>();
  for (const s of stacks) {
    const pr = pullRequestOf(s.name)!;
    if (!states.has(pr)) states.set(pr, await deps.github.pullRequestState(pr));
  }
  const decisions = decide(stacks, states, policy, deps.now());
  deps.log(
    `${stacks.length} preview stack(s): ${decisions.filter((d) => d.action === "destroy").length} to destroy${dryRun ? " (dry run: nothing changes)" : ""}`,
  );
  let failed = 0;
  for (const d of decisions) {
    deps.log(`${dryRun ? "would " : ""}${d.action} ${d.name}: ${d.reason}`);
    if (dryRun || d.action === "keep" || d.action === "skip") continue;
    try {
      if (d.action === "cancel") {
        await deps.cancel(d.name);
        continue;
      }
      await deps.destroy(d.name);
      await deps.github.upsertPreviewComment(
        d.pullRequest,
        `**Preview** \`${d.name}\` was destroyed by the nightly sweep: ${d.reason}. Push a commit to bring it back.`,
      );
    } catch (e) {
      failed++;
      deps.log(`failed to ${d.action} ${d.name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return failed;
}

async function main(): Promise<number> {
  const parsed = parse(process.argv.slice(2), { "max-age": { type: "string" }, "dry-run": { type: "boolean" } }, HELP);
  if (!parsed) return 0;
  const maxAge = parsed.values["max-age"] === undefined ? DEFAULT_SWEEP.maxAgeHours : Number(parsed.values["max-age"]);
  if (!Number.isFinite(maxAge) || maxAge <= 0)
    throw new UsageError(`--max-age wants a positive number of hours; got ${JSON.stringify(parsed.values["max-age"] ?? "")}`);
  const token = process.env.GITHUB_TOKEN;
  if (!token) throw new Error("GITHUB_TOKEN is required to read pull request states");
  const workspace = await LocalWorkspace.create({ workDir: PROJECT_DIR });
  const lines: string[] = [];
  const log = (line: string) => {
    lines.push(line);
    console.log(line);
  };
  const deps: SweepDeps = {
    listStacks: async () =>
      Promise.all(
        (await workspace.listStacks()).map(async (s) => {
          const info: StackInfo = { name: s.name, lastUpdate: s.lastUpdate, updateInProgress: s.updateInProgress };
          if (pullRequestOf(s.name) === undefined || s.updateInProgress) return info;
          // Unreadable outputs cost the sweep one fact (the branch's expiry), not the whole sweep: said, then judged on the rest.
          const outputs: Record<string, { value: unknown } | undefined> = await workspace.stackOutputs(s.name).catch((e: unknown) => {
            log(`could not read the outputs of ${s.name} (judged without its branch's expiry): ${e instanceof Error ? e.message : String(e)}`);
            return {};
          });
          const expires = outputs.databaseExpiresAt?.value;
          return { ...info, databaseExpiresAt: typeof expires === "string" ? expires : undefined };
        }),
      ),
    github: new GithubClient(token, repositoryFrom(process.env)),
    destroy: async (name) => {
      const stack = await openStack(name, false);
      await stack.destroy({ onOutput: (out) => process.stdout.write(out) });
      await workspace.removeStack(name);
    },
    cancel: async (name) => (await openStack(name, false)).cancel(),
    log,
    now: () => new Date(),
  };
  const failed = await sweep(deps, { ...DEFAULT_SWEEP, maxAgeHours: maxAge }, parsed.values["dry-run"] ?? false);
  addSummary(`### Preview sweep\n\n${lines.map((l) => `- ${l}`).join("\n")}`);
  return failed > 0 ? 1 : 0;
}

if (require.main === module) run(main, HELP);
