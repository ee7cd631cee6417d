/**
 * The GitHub Actions workflows (actionlint and zizmor lint them in CI: tools/actionlint.sh,
 * tools/zizmor.sh), held to the hygiene a security review asks for (least privilege, pinned actions, no persisted token, secrets only where
 * a step needs them), and every step that computes something is executed here — run
 * scripts under bash, github-script steps against a recording fake of the GitHub API.
 * What each job can reach is test/credentials.test.ts's subject.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { ROOT } from "./mocks";
import { readWorkflow, runGithubScript, runStep, Step, stepOf, workflow, WORKFLOWS } from "./workflow-steps";
import { credentialMap, environmentsOf } from "../scripts/lib/credential-map";

const files = fs.readdirSync(WORKFLOWS).filter((f) => f.endsWith(".yml"));
const ACTIONS = path.join(ROOT, ".github", "actions");
const actionFiles = fs.readdirSync(ACTIONS).map((d) => path.join(ACTIONS, d, "action.yml"));
const action = (name: string) => yaml.load(fs.readFileSync(path.join(ACTIONS, name, "action.yml"), "utf8")) as { runs: { steps: Step[] } };
const allJobs = () => files.flatMap((f) => Object.entries(workflow(f).jobs).map(([name, job]) => ({ file: f, name, job })));
const allSteps = () => [
  ...allJobs().flatMap(({ file, name, job }) => (job.steps ?? []).map((step) => ({ where: `${file} ${name}`, step }))),
  ...actionFiles.flatMap((f) =>
    (yaml.load(fs.readFileSync(f, "utf8")) as { runs: { steps: Step[] } }).runs.steps.map((step) => ({ where: path.relative(ROOT, f), step })),
  ),
];
const repo = { owner: "acme", repo: "web" };
const sha = (c: string) => c.repeat(40);

describe("workflows", () => {
  it("are exactly ci, deploy (and the promote it calls), drift, preview, repository and sweep", () => {
    assert.deepEqual(files.sort(), ["ci.yml", "deploy.yml", "drift.yml", "preview.yml", "promote.yml", "repository.yml", "sweep.yml"]);
  });

  it("trigger on what each is for; nothing trusts another workflow's result or a fork's code", () => {
    assert.deepEqual(Object.keys(workflow("ci.yml").on).sort(), ["pull_request", "push"]);
    assert.deepEqual(Object.keys(workflow("deploy.yml").on).sort(), ["workflow_call", "workflow_dispatch"]);
    assert.deepEqual(Object.keys(workflow("promote.yml").on), ["workflow_call"]);
    const call = workflow("ci.yml").jobs.deploy;
    assert.equal(call.uses, "./.github/workflows/deploy.yml");
    assert.deepEqual(call.needs, ["test", "app"], "deploys only after the tests pass, in the same run");
    assert.equal(call.if, "github.event_name == 'push' && github.ref == 'refs/heads/main'");
    assert.deepEqual((workflow("preview.yml").on.pull_request as { types: string[] }).types, ["opened", "synchronize", "reopened", "closed"]);
    assert.ok(workflow("drift.yml").on.schedule && "workflow_dispatch" in workflow("drift.yml").on);
    assert.ok(workflow("sweep.yml").on.schedule);
    assert.deepEqual((workflow("repository.yml").on.push as { branches: string[] }).branches, ["main"]);
    for (const f of files) {
      for (const t of ["workflow_run", "pull_request_target"]) assert.ok(!(t in workflow(f).on), `${f} triggers on ${t}`);
    }
  });

  it("grant least privilege: read-only by default, writes only per job", () => {
    for (const f of files) {
      const w = workflow(f);
      assert.deepEqual(w.permissions, { contents: "read" }, `${f}: top-level permissions`);
      for (const [name, job] of Object.entries(w.jobs)) {
        assert.ok(job.permissions && typeof job.permissions === "object", `${f} ${name}: job-level permissions`);
        assert.ok(!Object.values(job.permissions).includes("write-all"));
        if (job.permissions.contents === "write") assert.fail(`${f} ${name} writes contents`);
      }
    }
    const deploy = workflow("deploy.yml").jobs;
    for (const name of ["dev", "builds"])
      assert.equal(
        (deploy[name].permissions as Record<string, string>).packages,
        undefined,
        `${name} pushes with its environment's token, not the workflow token`,
      );
    for (const job of Object.values(workflow("promote.yml").jobs))
      assert.equal((job.permissions as Record<string, string>).packages, undefined, "a promotion pushes no image");
  });

  it("pin every third-party action by full commit SHA, with its version in a comment", () => {
    const texts = [...files.map(readWorkflow), ...actionFiles.map((f) => fs.readFileSync(f, "utf8"))];
    const lines = texts.flatMap((t) => t.split("\n")).filter((l) => /^\s*(-\s*)?uses:/.test(l) && !l.includes("./"));
    assert.ok(lines.length >= 10, "actions are used");
    for (const l of lines) assert.match(l, /uses: [\w.-]+\/[\w./-]+@[0-9a-f]{40} # v\d+(\.\d+){0,2}$/, l);
  });

  it("keep no token in .git/config: every checkout sets persist-credentials: false", () => {
    const checkouts = allSteps().filter(({ step }) => step.uses?.startsWith("actions/checkout@"));
    assert.ok(checkouts.length >= 8);
    for (const { where, step } of checkouts) assert.equal(step.with?.["persist-credentials"], false, where);
  });

  it("hand a secret only to the step that needs it: no job-wide env holds one, and third-party actions get only their own", () => {
    for (const { file, name, job } of allJobs())
      assert.ok(!JSON.stringify(job.env ?? {}).includes("secrets."), `${file} ${name}: a job-wide env hands a secret to every step`);
    // Actions from outside the repository, and the one secret input each may take.
    const allowed: Record<string, string[]> = {
      "docker/login-action": ["REGISTRY_TOKEN"],
      "actions/create-github-app-token": ["ADMIN_APP_PRIVATE_KEY"],
      "./.github/actions/setup": ["KUBE_CONFIG"],
    };
    for (const { where, step } of allSteps()) {
      const given = [...JSON.stringify([step.with ?? {}, step.env ?? {}]).matchAll(/secrets\.([A-Z0-9_]+)/g)].map((m) => m[1]);
      if (given.length === 0) continue;
      const uses = step.uses?.split("@")[0];
      if (uses === undefined) continue; // a run step of our own
      assert.deepEqual(
        given.filter((s) => !(allowed[uses] ?? []).includes(s)),
        [],
        `${where}: ${uses} gets ${given.join(", ")}`,
      );
    }
  });

  it("never cancel an `up` in progress; approval holds no lock; drift has its own groups", () => {
    const deploy = workflow("deploy.yml").jobs;
    assert.deepEqual(deploy.dev.concurrency, { group: "pulumi-${{ fromJSON(needs.environments.outputs.source).stack }}", "cancel-in-progress": false });
    assert.deepEqual(deploy.builds.concurrency, { group: "pulumi-${{ matrix.stack }}", "cancel-in-progress": false });
    const promote = Object.entries(workflow("promote.yml").jobs);
    assert.ok(
      promote.some(([, job]) => job.environment !== undefined),
      "promote has the job that waits for approval",
    );
    for (const [name, job] of promote)
      assert.equal(
        job.concurrency,
        undefined,
        `promote ${name}: a job waiting for approval holds no group: a rollback is never cancelled, nothing queues behind a person`,
      );
    assert.equal(
      workflow("ci.yml").concurrency?.group,
      "ci-${{ github.event_name == 'pull_request' && github.ref || github.run_id }}",
      "runs on main never wait on one another",
    );
    const drift = workflow("drift.yml").jobs.drift.concurrency;
    assert.deepEqual(drift, { group: "drift-${{ matrix.stack }}", "cancel-in-progress": false });
    const withGroups = Object.entries(workflow("preview.yml").jobs).filter(([, j]) => j.concurrency);
    assert.deepEqual(withGroups.map(([n]) => n).sort(), ["comment", "destroy", "up"], "every preview job that writes runs one at a time per pull request");
    for (const [, job] of withGroups) {
      assert.equal(job.concurrency!["cancel-in-progress"], false);
      assert.match(job.concurrency!.group, /-pr-\$\{\{ github\.event\.pull_request\.number \}\}$/);
    }
  });

  it("make the state backend explicit in every workflow that runs Pulumi", () => {
    for (const f of ["deploy.yml", "drift.yml", "preview.yml", "repository.yml", "sweep.yml"]) {
      assert.equal(workflow(f).env?.PULUMI_BACKEND_URL, "${{ vars.PULUMI_BACKEND_URL || 'https://api.pulumi.com' }}", f);
      assert.ok(workflow(f).env && "PULUMI_SECRETS_PROVIDER" in workflow(f).env!, f);
    }
  });

  it("install the one pinned Pulumi CLI, the version the engine tier builds", () => {
    const install = action("setup").runs.steps.find((s) => s.uses?.startsWith("pulumi/actions@"))!;
    assert.equal(install.with?.["pulumi-version-file"], ".pulumi-version");
    const version = fs.readFileSync(path.join(ROOT, ".pulumi-version"), "utf8").trim();
    assert.match(version, /^\d+\.\d+\.\d+$/);
    assert.match(
      fs.readFileSync(path.join(ROOT, "tools", "pulumi", "go.mod"), "utf8"),
      new RegExp(`github\\.com/pulumi/pulumi/pkg/v3 v${version.replace(/\./g, "\\.")}\\n`),
    );
    assert.match(fs.readFileSync(path.join(ROOT, "tools", "build.sh"), "utf8"), /PULUMI_VERSION=v\$\(tr -d "\[:space:\]" < \.\.\/\.pulumi-version\)/);
  });

  it("get Pulumi Cloud tokens by OIDC, each job for its environment's team", () => {
    const auth = action("setup").runs.steps.find((s) => s.uses?.startsWith("pulumi/auth-actions@"))!;
    assert.equal(auth.with?.["requested-token-type"], "urn:pulumi:token-type:access_token:team");
    for (const { file, name, job } of allJobs()) {
      const setup = job.steps?.find((s) => s.uses === "./.github/actions/setup");
      if (!setup) continue;
      const env = typeof job.environment === "string" ? job.environment : job.environment?.name;
      assert.ok(env, `${file} ${name} runs Pulumi outside an environment`);
      // The very expression that names the environment: whatever it resolves to, the team is that environment's.
      assert.equal(setup.with?.["pulumi-team"], `\${{ vars.PULUMI_TEAM_PREFIX }}${env}`, `${file} ${name}: the team is the environment's`);
      assert.equal((job.permissions as Record<string, string>)["id-token"], "write", `${file} ${name} needs id-token: write for OIDC`);
    }
  });

  it("pass untrusted values through env, never into run scripts directly", () => {
    for (const { where, step } of allSteps()) {
      assert.ok(!/\$\{\{/.test(step.run ?? ""), `${where}: ${step.run ?? ""}`);
      const script = step.with?.script;
      if (typeof script === "string") assert.ok(!script.includes("${{"), `${where}: github-script interpolates`);
    }
  });

  it("lint clean under zizmor's own configuration, with a reason for every rule turned off", () => {
    const config = fs.readFileSync(path.join(ROOT, ".github", "zizmor.yml"), "utf8");
    const rules = Object.keys((yaml.load(config) as { rules: Record<string, unknown> }).rules);
    for (const rule of rules)
      assert.match(config, new RegExp(`#[^\\n]*\\n(\\s*#[^\\n]*\\n)*\\s*${rule}:`), `${rule} is turned off without a comment saying why`);
    const suppressed = allSteps().filter(({ step }) => /zizmor: ignore/.test(step.run ?? ""));
    for (const { where } of suppressed) assert.ok(where.includes("setup"), where);
  });

  it("let Dependabot move every pinned action and lockfile, a week after each release", () => {
    const config = yaml.load(fs.readFileSync(path.join(ROOT, ".github", "dependabot.yml"), "utf8")) as {
      updates: { "package-ecosystem": string; directories: string[]; cooldown?: { "default-days": number } }[];
    };
    const dirs = (eco: string) => config.updates.filter((u) => u["package-ecosystem"] === eco).flatMap((u) => u.directories);
    assert.deepEqual(dirs("github-actions").sort(), ["/", ...fs.readdirSync(ACTIONS).map((d) => `/.github/actions/${d}`)].sort());
    const lockfiles = ["/", "/app"].filter((d) => fs.existsSync(path.join(ROOT, d, "package-lock.json")));
    assert.deepEqual(dirs("npm").sort(), lockfiles.sort());
    for (const u of config.updates) assert.ok((u.cooldown?.["default-days"] ?? 0) >= 7, u["package-ecosystem"]);
  });

  describe("deploy", () => {
    const jobs = workflow("deploy.yml").jobs;
    const promote = workflow("promote.yml").jobs;
    const gate = stepOf(jobs.gate, "gate");
    const digest = `ghcr.io/acme/web@sha256:${"d".repeat(64)}`;
    const gated = (context: Record<string, unknown>, env: Record<string, string> = {}, tip = sha("a")) =>
      runGithubScript(gate, {
        context: { repo, payload: {}, ...context },
        env: { IMAGE_REF: "", ...env },
        answers: { "repos.getBranch": { commit: { sha: tip } } },
      });

    it("deploys main's tip only: a re-run of an old run, or a run main has moved past, deploys nothing", async () => {
      const push = { eventName: "push", ref: "refs/heads/main", sha: sha("a") };
      assert.deepEqual((await gated(push)).outputs, { deploy: "main", sha: sha("a") });
      const old = await gated({ ...push, sha: sha("b") });
      assert.deepEqual(old.outputs, { deploy: "none" });
      assert.match(old.notices[0], /main is at aaaaaaa, whose own run deploys it/);
      const byHand = await gated({ eventName: "workflow_dispatch", ref: "refs/heads/main", sha: sha("a") });
      assert.equal(byHand.outputs.deploy, "main");
      const offMain = await gated({ eventName: "workflow_dispatch", ref: "refs/heads/feature", sha: sha("a") });
      assert.match(offMain.failed ?? "", /from main only/);
      assert.match(String(jobs.dev.if), /needs\.gate\.outputs\.deploy == 'main'/);
    });

    it("checks main's tip again right before each build and right after each promotion's approval", async () => {
      const tip = stepOf({ steps: action("main-tip").runs.steps }, "tip");
      const at = (current: string, candidate: string) =>
        runGithubScript(tip, { context: { repo }, env: { SHA: candidate }, answers: { "repos.getBranch": { commit: { sha: current } } } });
      assert.equal((await at(sha("a"), sha("a"))).outputs.current, "true");
      const moved = await at(sha("c"), sha("a"));
      assert.equal(moved.outputs.current, "false");
      assert.match(moved.notices[0], /main has moved on to ccccccc/);
      const checked = [
        { name: "deploy dev", job: jobs.dev, sha: "${{ needs.gate.outputs.sha }}" },
        { name: "deploy builds", job: jobs.builds, sha: "${{ needs.gate.outputs.sha }}" },
        { name: "promote deploy", job: promote.deploy, sha: "${{ inputs.sha }}" },
      ];
      for (const { name, job, sha: expected } of checked) {
        const step = job.steps.find((s) => s.uses === "./.github/actions/main-tip")!;
        assert.equal(step.with?.sha, expected, name);
        const later = job.steps.slice(job.steps.indexOf(step) + 1).filter((s) => !s.name?.startsWith("Record"));
        assert.ok(
          later.length > 0 && later.every((s) => /steps\.tip\.outputs\.current [!=]= '(true|false)'/.test(String(s.if))),
          `${name}: every step after the tip check depends on it`,
        );
      }
      assert.equal(promote.deploy.steps.find((s) => s.id === "tip")?.if, "inputs.kind == 'main'", "a rollback is deliberate: no tip check");
    });

    it("rolls production back to a digest given by hand, through the same plan and approval, and refuses anything else", async () => {
      const r = await gated({ eventName: "workflow_dispatch", ref: "refs/heads/main", sha: sha("c") }, { IMAGE_REF: digest });
      assert.deepEqual(r.outputs, { deploy: "rollback", sha: sha("c"), "image-ref": digest });
      for (const bad of ["ghcr.io/acme/web:latest", `ghcr.io/acme/web@sha256:${"d".repeat(63)}`, `x; rm -rf /@sha256:${"d".repeat(64)}`]) {
        assert.match(
          (await gated({ eventName: "workflow_dispatch", ref: "refs/heads/main", sha: sha("c") }, { IMAGE_REF: bad })).failed ?? "",
          /image-ref wants/,
        );
      }
      assert.match(String(jobs.promote.if), /needs\.gate\.outputs\.deploy == 'rollback'/);
      // A rollback goes to production alone; a promotion to every prod-profile stack.
      assert.equal(
        jobs.promote.strategy?.matrix?.include,
        "${{ fromJSON(needs.gate.outputs.deploy == 'rollback' && needs.environments.outputs.rollback || needs.environments.outputs.promotions) }}",
      );
      assert.deepEqual(jobs.promote.with, {
        stack: "${{ matrix.stack }}",
        environment: "${{ matrix.environment }}",
        "read-environment": "${{ matrix.read }}",
        production: "${{ matrix.production }}",
        kind: "${{ needs.gate.outputs.deploy }}",
        sha: "${{ needs.gate.outputs.sha }}",
        "rollback-ref": "${{ needs.gate.outputs.image-ref }}",
        "built-ref": "${{ needs.dev.outputs.image-ref }}",
        "built-migrator-ref": "${{ needs.dev.outputs.migrator-ref }}",
      });
      const refs = stepOf(promote.plan, "refs");
      const run = (env: Record<string, string>) => runStep(refs, { env }).outputs;
      const devMigrator = `ghcr.io/acme/web@sha256:${"e".repeat(64)}`;
      assert.deepEqual(
        run({ KIND: "rollback", ROLLBACK_REF: digest, BUILT_REF: "", BUILT_MIGRATOR: "" }),
        { "image-ref": digest },
        "a rollback keeps the stack's migrator",
      );
      assert.deepEqual(
        run({ KIND: "main", ROLLBACK_REF: "", BUILT_REF: digest, BUILT_MIGRATOR: devMigrator }),
        { "image-ref": digest, "migrator-ref": devMigrator },
        "a promotion takes the source's digests",
      );
    });

    it("shows each promotion's plan before the approval, and applies that plan or nothing", () => {
      assert.equal(promote.plan.environment, "${{ inputs.read-environment }}", "planned with read-only credentials");
      assert.equal((promote.deploy.environment as { name: string }).name, "${{ inputs.environment }}");
      assert.equal(promote.deploy.needs, "plan");
      const argv = (step: Step, env: Record<string, string>) =>
        runStep(step, { env, fakes: { npm: 'printf "%s\\n" "$@"' } })
          .stdout.trim()
          .split("\n");
      const migrator = `ghcr.io/acme/web@sha256:${"e".repeat(64)}`;
      const plan = stepOf(promote.plan, "plan");
      assert.deepEqual([plan.env?.IMAGE_REF, plan.env?.MIGRATOR_REF], ["${{ steps.refs.outputs.image-ref }}", "${{ steps.refs.outputs.migrator-ref }}"]);
      assert.deepEqual(argv(plan, { STACK: "staging", IMAGE_REF: digest, MIGRATOR_REF: migrator }), [
        "run",
        "--silent",
        "plan",
        "--",
        "--stack",
        "staging",
        "--image-ref",
        digest,
        "--migrator-ref",
        migrator,
      ]);
      const deploy = stepOf(promote.deploy, "deploy");
      assert.deepEqual(
        [deploy.env?.PLAN, deploy.env?.IMAGE_REF, deploy.env?.MIGRATOR_REF],
        ["${{ needs.plan.outputs.fingerprint }}", "${{ needs.plan.outputs.image-ref }}", "${{ needs.plan.outputs.migrator-ref }}"],
        "the deploy applies what was planned, nothing it works out again",
      );
      assert.deepEqual(argv(deploy, { STACK: "prod", IMAGE_REF: digest, MIGRATOR_REF: "", PLAN: "f".repeat(32) }), [
        "run",
        "--silent",
        "deploy",
        "--",
        "--stack",
        "prod",
        "--image-ref",
        digest,
        "--expect-plan",
        "f".repeat(32),
        "--wait-lock",
        "30",
      ]);
      assert.ok(!Object.values(promote).some((j) => j.steps.some((s) => s.uses?.startsWith("docker/"))), "a promotion neither builds nor logs in to push");
    });

    it("promotes one stack at a time, rehearsals first and production last, stopping at the first failure", () => {
      assert.deepEqual(jobs.promote.strategy?.["max-parallel"], 1);
      assert.equal(jobs.promote.strategy?.["fail-fast"], true);
      assert.deepEqual((jobs.promote.needs as string[]).sort(), ["dev", "environments", "gate"]);
      assert.match(String(jobs.promote.if), /needs\.environments\.result == 'success'/);
    });

    it("hands the called workflows each environment secret by name (else a called job reads it empty), and declares each one", () => {
      const all = Object.fromEntries(files.map((f) => [f, workflow(f)]));
      for (const [file, w] of Object.entries(all)) {
        const call = w.on.workflow_call as { secrets?: Record<string, unknown> } | null | undefined;
        if (call === undefined) continue;
        const read = [...new Set(Object.values(w.jobs).flatMap((j) => [...JSON.stringify(j).matchAll(/secrets\.([A-Z0-9_]+)/g)].map((m) => m[1])))].sort();
        assert.deepEqual(Object.keys(call?.secrets ?? {}).sort(), read, `${file} declares exactly the secrets its jobs read`);
        const callers = Object.entries(all).flatMap(([f, cw]) =>
          Object.entries(cw.jobs)
            .filter(([, j]) => j.uses === `./.github/workflows/${file}`)
            .map(([id, j]) => ({ where: `${f} ${id}`, job: j })),
        );
        assert.ok(callers.length > 0, `${file} is called`);
        for (const { where, job } of callers) {
          assert.notEqual(job.secrets, "inherit", `${where}: inherit hands over every secret the caller can see`);
          assert.deepEqual(
            job.secrets,
            Object.fromEntries(read.map((n) => [n, `\${{ secrets.${n} }}`])),
            `${where} names each secret ${file} reads, by the same name`,
          );
        }
      }
    });

    it("records each promotion as a GitHub Deployment of its own environment", async () => {
      const record = promote.deploy.steps.find((s) => s.name?.startsWith("Record the promotion"))!;
      assert.equal(record.if, "steps.deploy.outcome == 'success'");
      const r = await runGithubScript(record, {
        context: { repo },
        env: { IMAGE_REF: digest, URL: "https://staging.example.com", SHA: sha("e"), ENVIRONMENT: "staging", PRODUCTION: "false" },
        answers: { "repos.createDeployment": { id: 77 } },
      });
      assert.deepEqual(
        r.calls.map((c) => c.method),
        ["repos.createDeployment", "repos.createDeploymentStatus"],
      );
      assert.deepEqual(r.calls[0].args.payload, { imageRef: digest });
      assert.deepEqual([r.calls[0].args.environment, r.calls[0].args.task, r.calls[0].args.production_environment], ["staging", "promote", false]);
      assert.deepEqual([r.calls[1].args.deployment_id, r.calls[1].args.environment_url], [77, "https://staging.example.com"]);
      const prod = await runGithubScript(record, {
        context: { repo },
        env: { IMAGE_REF: digest, URL: "https://www.example.com", SHA: sha("e"), ENVIRONMENT: "production", PRODUCTION: "true" },
        answers: { "repos.createDeployment": { id: 78 } },
      });
      assert.equal(prod.calls[0].args.production_environment, true);
    });

    it("turns the scheduled checks back on when GitHub turned them off for inactivity, and says so", async () => {
      const step = jobs.schedules.steps[0];
      const states: Record<string, string> = { "drift.yml": "disabled_inactivity", "sweep.yml": "active" };
      const r = await runGithubScript(step, {
        context: { repo },
        answers: { "actions.getWorkflow": (a: unknown) => ({ state: states[(a as { workflow_id: string }).workflow_id] }) },
      });
      assert.deepEqual(
        r.calls.filter((c) => c.method === "actions.enableWorkflow").map((c) => c.args.workflow_id),
        ["drift.yml"],
      );
      assert.match(r.notices.join(), /drift\.yml had been turned off by GitHub after 60 days without activity; turned back on/);
      assert.match(r.summary, /drift\.yml/);
      const off = await runGithubScript(step, { context: { repo }, answers: { "actions.getWorkflow": { state: "disabled_manually" } } });
      assert.equal(off.calls.filter((c) => c.method === "actions.enableWorkflow").length, 0, "a workflow a person turned off stays off");
      assert.equal(off.notices.length, 2);
      assert.equal((jobs.schedules.permissions as Record<string, string>).actions, "write");
    });
  });

  describe("drift", () => {
    const job = workflow("drift.yml").jobs.drift;
    const report = path.join(os.tmpdir(), `drift-${process.pid}.md`);
    const script = job.steps.find((s) => s.uses?.startsWith("actions/github-script"))!;
    const open = [
      { number: 5, title: "Drift detected in prod" },
      { number: 6, title: "Drift check failing for prod" },
    ];
    const outcome = (value: string, issues: typeof open = []) =>
      runGithubScript(script, {
        context: { repo },
        env: { OUTCOME: value, REPORT: report, STACK: "prod", RUN_URL: "https://run/1" },
        answers: { "issues.listForRepo": issues, "actions.listWorkflowRuns": { workflow_runs: [{ updated_at: "2026-11-28T06:20:00Z" }] } },
      });

    it("checks every long-lived stack the stack files define, from its read-only environment", () => {
      assert.equal(job.strategy?.matrix?.include, "${{ fromJSON(needs.environments.outputs.drift) }}");
      assert.equal(job.environment, "${{ matrix.read }}");
      assert.deepEqual(
        credentialMap(ROOT)
          .filter((j) => j.workflow === "drift" && j.environment)
          .map((j) => j.environment),
        ["dev-read", "production-read"],
      );
    });

    it("judges by the outcome the script wrote, never by an exit code", () => {
      const detect = stepOf(job, "drift");
      assert.equal(detect["continue-on-error"], true, "the next step decides");
      assert.equal(script.env?.OUTCOME, "${{ steps.drift.outputs.outcome }}");
      assert.ok(!script.if, "it runs whatever the check did");
      assert.equal(detect.run, 'npm run --silent drift -- --stack "$STACK" --markdown "$RUNNER_TEMP/drift.md"');
    });

    it("keeps one issue per stack for drift and a separate one for a failing check; a check that concluded nothing is a failure", async () => {
      fs.writeFileSync(report, "## Drift in `prod`");
      const drift = await outcome("drift");
      const created = drift.calls.find((c) => c.method === "issues.create")!;
      assert.equal(created.args.title, "Drift detected in prod");
      assert.match(String(created.args.body), /## Drift in `prod`[\s\S]*\[Run\]\(https:\/\/run\/1\) · last successful drift run: 2026-11-28T06:20:00Z/);
      assert.equal(drift.failed, undefined);
      const error = await outcome("error", open);
      assert.deepEqual(
        error.calls.filter((c) => c.method === "issues.update").map((c) => c.args.issue_number),
        [6],
        "an error updates the failing-check issue, not the drift issue",
      );
      assert.match(error.failed ?? "", /the drift check of prod failed/);
      const clean = await outcome("none", open);
      assert.deepEqual(
        clean.calls.filter((c) => c.method === "issues.update").map((c) => [c.args.issue_number, c.args.state]),
        [
          [5, "closed"],
          [6, "closed"],
        ],
      );
      const skipped = await outcome("skipped", open);
      assert.deepEqual(
        skipped.calls.filter((c) => c.method.startsWith("issues.") && c.method !== "issues.listForRepo"),
        [],
      );
      assert.match(skipped.notices[0], /skipped: an update holds the stack's lock/);
      fs.rmSync(report);
      // A crash at import, an OOM kill (137), a missing command (127): no outcome written.
      for (const nothing of ["", "1", "drifted"]) {
        const r = await outcome(nothing, open);
        assert.match(r.failed ?? "", /failed \(outcome: /, JSON.stringify(nothing));
        assert.deepEqual(
          r.calls.filter((c) => c.method === "issues.update").map((c) => c.args.issue_number),
          [6],
          "never filed as drift",
        );
        assert.match(String(r.calls.find((c) => c.method === "issues.update")!.args.body), /wrote no report/);
      }
    });
  });

  describe("previews", () => {
    const jobs = workflow("preview.yml").jobs;
    const sameRepo = /github\.event\.pull_request\.head\.repo\.full_name == github\.repository/;

    it("run only for same-repository branches, never for code Dependabot proposed; say why otherwise", () => {
      for (const name of ["up", "comment", "destroy"]) {
        assert.match(String(jobs[name].if), sameRepo, name);
        assert.match(String(jobs[name].if), /github\.event\.pull_request\.user\.login != 'dependabot\[bot\]'/, name);
      }
      for (const job of Object.values(jobs))
        assert.ok(!String(job.if).includes("github.actor"), "whoever pushed last does not decide: the pull request's author does");
      const why = stepOf(jobs["no-preview"], "Say why there is no preview");
      const fork = runStep(why, { env: { HEAD_REPO: "mallory/web", BASE_REPO: "acme/web", AUTHOR: "mallory" } });
      assert.match(fork.summary, /Pull requests from forks \(mallory\/web\) get no preview/);
      assert.match(fork.stdout, /::notice title=No preview::/);
      const bot = runStep(why, { env: { HEAD_REPO: "acme/web", BASE_REPO: "acme/web", AUTHOR: "dependabot[bot]" } });
      assert.match(bot.summary, /Dependabot's pull requests get no preview/);
    });

    it("plan nothing with another stack's credentials: the only environment is preview", () => {
      assert.deepEqual(Object.keys(jobs).sort(), ["comment", "destroy", "no-preview", "up"]);
      for (const job of Object.values(jobs)) for (const env of environmentsOf(job)) assert.equal(env, "preview");
    });

    it("refresh before up and release a cancelled run's lock", () => {
      assert.equal(stepOf(jobs.up, "preview").run, 'npm run --silent preview-stack -- up --pr "$PR"');
      assert.match(fs.readFileSync(path.join(ROOT, "scripts", "preview-stack.ts"), "utf8"), /refresh: true/);
      const cancel = jobs.up.steps.find((s) => s.if === "cancelled()");
      assert.equal(cancel?.run, 'npm run --silent preview-stack -- cancel --pr "$PR"');
    });

    it("comment the URL and the schema diff in one comment, updated in place, never by a run for an older commit; a plan's cap is said", async () => {
      const step = stepOf(jobs.comment, "actions/github-script");
      const head = sha("f");
      const context = { repo, issue: { number: 42 }, runId: 9, serverUrl: "https://github.com", payload: { pull_request: { head: { sha: head } } } };
      const env = { URL: "https://pr-42.preview.example.com", UP: "success" };
      const pr = { "pulls.get": { head: { sha: head } } };
      const first = await runGithubScript(step, { context, env, answers: { ...pr, "issues.listComments": [] } });
      const created = first.calls.find((c) => c.method === "issues.createComment")!;
      assert.match(
        String(created.args.body),
        /^<!-- nextjs-infra-preview -->\n\*\*Preview\*\* `pr-42`: https:\/\/pr-42\.preview\.example\.com\n\nUpdated for fffffff\./,
      );
      const again = await runGithubScript(step, {
        context,
        env: { ...env, UP: "failure" },
        answers: { ...pr, "issues.listComments": [{ id: 3, body: String(created.args.body) }] },
      });
      const updated = again.calls.find((c) => c.method === "issues.updateComment")!;
      assert.equal(updated.args.comment_id, 3);
      assert.match(String(updated.args.body), /`pr-42`: failure \(\[run\]\(https:\/\/github\.com\/acme\/web\/actions\/runs\/9\)\)/);
      assert.deepEqual(
        [jobs.up.outputs?.schema, jobs.up.outputs?.problem],
        ["${{ steps.preview.outputs.schema }}", "${{ steps.preview.outputs.problem }}"],
        "what up found reaches the comment",
      );
      assert.deepEqual([step.env?.SCHEMA, step.env?.PROBLEM], ["${{ needs.up.outputs.schema }}", "${{ needs.up.outputs.problem }}"]);
      const capped = await runGithubScript(step, {
        context,
        env: {
          ...env,
          UP: "failure",
          PROBLEM: "Neon project p-1 has 10 branches, the free plan's limit of 10 (the default branch included): close or merge pull requests",
        },
        answers: { ...pr, "issues.listComments": [] },
      });
      assert.match(
        String(capped.calls.find((c) => c.method === "issues.createComment")!.args.body),
        /failure \(\[run\]\([^)]+\)\)\n\n> Neon project p-1 has 10 branches, the free plan's limit of 10/,
        "a plan's cap is said in the comment",
      );
      const schema =
        "<details><summary><b>Schema</b> of <code>app</code>: 1 line changed against <code>br-x</code></summary>\n\n```diff\n+CREATE TABLE orders\n```\n</details>";
      const withDiff = await runGithubScript(step, { context, env: { ...env, SCHEMA: schema }, answers: { ...pr, "issues.listComments": [] } });
      const diffBody = String(withDiff.calls.find((c) => c.method === "issues.createComment")!.args.body);
      assert.ok(diffBody.includes(`https://pr-42.preview.example.com\n\n${schema}\n\nUpdated for fffffff.`), diffBody);
      const stale = await runGithubScript(step, {
        context,
        env,
        answers: { "pulls.get": { head: { sha: sha("0") } }, "issues.listComments": [{ id: 3, body: "x" }] },
      });
      assert.deepEqual(
        stale.calls.map((c) => c.method),
        ["pulls.get"],
        "a run for an older commit writes nothing",
      );
      assert.match(stale.notices[0], /whose run comments/);
    });
  });

  it("applies the repository stack from main only, in the reviewed environment, with a one-hour App token", () => {
    const job = workflow("repository.yml").jobs.apply;
    assert.deepEqual(environmentsOf(job), ["repository-admin"]);
    assert.equal(job.if, "github.ref == 'refs/heads/main'");
    const app = stepOf(job, "app");
    assert.match(String(app.uses), /^actions\/create-github-app-token@/);
    assert.equal(app.with?.["private-key"], "${{ secrets.ADMIN_APP_PRIVATE_KEY }}");
    const deploy = job.steps[job.steps.length - 1];
    assert.equal(deploy.env?.GITHUB_TOKEN, "${{ steps.app.outputs.token }}");
    assert.equal(deploy.run, "npm run --silent deploy -- --stack github");
    const paths = (workflow("repository.yml").on.push as { paths: string[] }).paths;
    for (const p of ["Pulumi*.yaml", "stacks/**", ".github/workflows/**"]) assert.ok(paths.includes(p), p);
  });

  it("sweeps from the preview environment, with dry-run reachable by hand", () => {
    const w = workflow("sweep.yml");
    const inputs = (w.on.workflow_dispatch as { inputs: Record<string, { type?: string }> }).inputs;
    assert.equal(inputs["dry-run"].type, "boolean");
    const job = w.jobs.sweep;
    assert.deepEqual(environmentsOf(job), ["preview"]);
    const sweep = job.steps.find((s) => s.run?.includes("sweep"))!;
    const argv = (env: Record<string, string>) =>
      runStep(sweep, { env, fakes: { npm: 'printf "%s\\n" "$@"' } })
        .stdout.trim()
        .split("\n");
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

  it("give preview jobs a kubeconfig with no credential in it: an exec user that fetches the job's own OIDC token", () => {
    const step = action("setup").runs.steps.find((s) => s.name?.startsWith("Kubeconfig without a credential"))!;
    const workspace = fs.mkdtempSync(path.join(os.tmpdir(), "ws-"));
    const r = runStep(step, {
      env: {
        KUBE_SERVER: "https://k8s.example.com:6443",
        KUBE_CA: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
        GITHUB_WORKSPACE: workspace,
        RUNNER_TEMP: workspace,
      },
    });
    assert.equal(r.status, 0, r.stderr);
    const config = JSON.parse(fs.readFileSync(r.env.KUBECONFIG, "utf8"));
    assert.equal(config.clusters[0].cluster.server, "https://k8s.example.com:6443");
    assert.match(Buffer.from(config.clusters[0].cluster["certificate-authority-data"], "base64").toString(), /BEGIN CERTIFICATE/);
    const user = config.users[0].user;
    assert.deepEqual(Object.keys(user), ["exec"], "no token, no client certificate: nothing to steal");
    assert.equal(user.exec.command, `${workspace}/node_modules/.bin/ts-node`);
    assert.deepEqual(user.exec.args, ["--transpile-only", `${workspace}/scripts/kube-token.ts`]);
    for (const f of ["preview.yml", "sweep.yml"]) {
      for (const job of Object.values(workflow(f).jobs)) {
        const setup = job.steps?.find((x) => x.uses === "./.github/actions/setup");
        if (setup) assert.deepEqual([setup.with?.["kube-config"], setup.with?.["kube-server"]], [undefined, "${{ vars.KUBE_SERVER }}"], f);
      }
    }
    fs.rmSync(workspace, { recursive: true });
  });

  it("write the kubeconfig where only the job can read it, and point KUBECONFIG at it", () => {
    const step = action("setup").runs.steps.find((s) => s.name === "Kubeconfig")!;
    const r = runStep(step, { env: { KUBE_CONFIG: "apiVersion: v1\nkind: Config\n" } });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.env.KUBECONFIG, /kubeconfig$/);
    assert.ok(!r.stdout.includes("apiVersion"), "the kubeconfig is never echoed");
  });
});
