/**
 * Running workflow steps for real in tests: a `run:` step under bash with the files GitHub
 * gives it ($GITHUB_OUTPUT, $GITHUB_ENV, $GITHUB_STEP_SUMMARY), and an
 * `actions/github-script` step's script with a recording fake of the GitHub client.
 * What a step computes is then checked by its effect, not by reading its text.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { ROOT } from "./mocks";

export type Step = {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
  id?: string;
  name?: string;
  if?: string;
  "continue-on-error"?: boolean;
};
export type Job = {
  if?: string;
  needs?: string | string[];
  permissions?: Record<string, string> | string;
  environment?: string | { name: string; url?: string };
  concurrency?: { group: string; "cancel-in-progress": boolean | string };
  strategy?: { matrix?: Record<string, unknown> & { include?: Record<string, string>[] | string }; "max-parallel"?: number; "fail-fast"?: boolean };
  steps: Step[];
  uses?: string;
  with?: Record<string, unknown>;
  secrets?: Record<string, string> | "inherit";
  env?: Record<string, string>;
  outputs?: Record<string, string>;
  defaults?: { run?: { "working-directory"?: string } };
};
export type Workflow = {
  on: Record<string, unknown>;
  permissions?: Record<string, string> | string;
  env?: Record<string, string>;
  concurrency?: { group: string; "cancel-in-progress": boolean | string };
  jobs: Record<string, Job>;
};

export const WORKFLOWS = path.join(ROOT, ".github", "workflows");
export const readWorkflow = (file: string) => fs.readFileSync(path.join(WORKFLOWS, file), "utf8");
export const workflow = (file: string) => yaml.load(readWorkflow(file)) as Workflow;

/** What a `run:` step left behind. */
export interface RunResult {
  status: number;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  env: Record<string, string>;
  summary: string;
}

/** Parses `name=value` and `name<<DELIM … DELIM` lines, as the runner does. */
export function parseCommandFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const heredoc = /^([^=<]+)<<(.+)$/.exec(lines[i]);
    if (heredoc) {
      const end = lines.indexOf(heredoc[2], i + 1);
      out[heredoc[1]] = lines.slice(i + 1, end).join("\n");
      i = end;
    } else if (lines[i].includes("=")) {
      out[lines[i].slice(0, lines[i].indexOf("="))] = lines[i].slice(lines[i].indexOf("=") + 1);
    }
  }
  return out;
}

/**
 * Runs a `run:` step the way an ubuntu runner does (`bash -e -o pipefail`), in `cwd`, with
 * `env` standing in for what its `${{ }}` expressions resolve to. Commands the step calls
 * can be faked by executables in `fakes` (name → script), put first on PATH.
 */
export function runStep(step: Step, opts: { env?: Record<string, string>; cwd?: string; fakes?: Record<string, string> } = {}): RunResult {
  if (!step.run) throw new Error(`step ${step.name ?? step.id ?? "?"} has no run script`);
  if (step.run.includes("${{")) throw new Error(`step ${step.name ?? step.id} interpolates an expression into its script; pass it through env`);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "step-"));
  const files = { GITHUB_OUTPUT: path.join(tmp, "output"), GITHUB_ENV: path.join(tmp, "env"), GITHUB_STEP_SUMMARY: path.join(tmp, "summary") };
  for (const f of Object.values(files)) fs.writeFileSync(f, "");
  const bin = path.join(tmp, "bin");
  fs.mkdirSync(bin);
  for (const [name, script] of Object.entries(opts.fakes ?? {})) fs.writeFileSync(path.join(bin, name), `#!/usr/bin/env bash\n${script}\n`, { mode: 0o755 });
  fs.writeFileSync(path.join(tmp, "step.sh"), step.run);
  const res = spawnSync("bash", ["--noprofile", "--norc", "-e", "-o", "pipefail", path.join(tmp, "step.sh")], {
    cwd: opts.cwd ?? ROOT,
    encoding: "utf8",
    env: { PATH: `${bin}${path.delimiter}${process.env.PATH}`, HOME: tmp, RUNNER_TEMP: tmp, ...files, ...opts.env },
  });
  const result = {
    status: res.status ?? -1,
    stdout: res.stdout,
    stderr: res.stderr,
    outputs: parseCommandFile(fs.readFileSync(files.GITHUB_OUTPUT, "utf8")),
    env: parseCommandFile(fs.readFileSync(files.GITHUB_ENV, "utf8")),
    summary: fs.readFileSync(files.GITHUB_STEP_SUMMARY, "utf8"),
  };
  fs.rmSync(tmp, { recursive: true, force: true });
  return result;
}

/** One call the script made on the fake client: `rest.issues.create` and its argument. */
export interface ApiCall {
  method: string;
  args: Record<string, unknown>;
}

/** What a github-script step did: the API calls, the outputs it set, failure and notices. */
export interface ScriptResult {
  calls: ApiCall[];
  outputs: Record<string, string>;
  failed?: string;
  notices: string[];
  summary: string;
}

/**
 * Runs an `actions/github-script` step's script with a fake `github` whose REST methods
 * are recorded and answered by `answers` (method → result or function of the argument).
 */
export async function runGithubScript(
  step: Step,
  opts: { env?: Record<string, string>; context: Record<string, unknown>; answers?: Record<string, unknown> },
): Promise<ScriptResult> {
  const script = step.with?.script;
  if (typeof script !== "string") throw new Error(`step ${step.name ?? step.id ?? "?"} has no github-script`);
  if (script.includes("${{")) throw new Error(`step ${step.name ?? step.id} interpolates an expression into its script; pass it through env`);
  const calls: ApiCall[] = [];
  const rest = new Proxy(
    {},
    {
      get: (_t, group: string) =>
        new Proxy(
          {},
          {
            get: (_u, name: string) => (args: Record<string, unknown>) => {
              const method = `${group}.${name}`;
              calls.push({ method, args });
              const answer = opts.answers?.[method];
              return Promise.resolve({ data: typeof answer === "function" ? (answer as (a: unknown) => unknown)(args) : (answer ?? {}) });
            },
          },
        ),
    },
  );
  const result: ScriptResult = { calls, outputs: {}, notices: [], summary: "" };
  const summary = { addRaw: (text: string) => ((result.summary += text), summary), write: () => Promise.resolve(summary) };
  const core = {
    setOutput: (k: string, v: unknown) => (result.outputs[k] = String(v)),
    setFailed: (m: string) => (result.failed = m),
    notice: (m: string) => result.notices.push(m),
    warning: (m: string) => result.notices.push(`warning: ${m}`),
    info: () => undefined,
    summary,
  };
  const saved = { ...process.env };
  Object.assign(process.env, opts.env ?? {});
  try {
    const AsyncFunction = Object.getPrototypeOf(async function () {
      /* only its constructor is used */
    }).constructor as new (...args: string[]) => (...a: unknown[]) => Promise<unknown>;
    await new AsyncFunction("github", "context", "core", "require", script)({ rest }, opts.context, core, require);
  } finally {
    process.env = saved;
  }
  return result;
}

/** The step of a job with this id, or whose `uses` starts with the prefix. */
export function stepOf(job: Job, idOrUses: string): Step {
  const found = job.steps.find((s) => s.id === idOrUses || s.name === idOrUses || (s.uses?.startsWith(idOrUses) ?? false));
  if (!found) throw new Error(`no step ${idOrUses}`);
  return found;
}
