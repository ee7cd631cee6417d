/**
 * The delivery plan: what deploy.yml builds and promotes, and what drift.yml watches, comes
 * from the committed stack files, so adding an environment is adding a file. Proven on copies
 * of this repository with stack files added and removed, through the credential map (what
 * the new jobs then reach) and through the workflow step that computes the plan, run for real.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ROOT } from "./mocks";
import { runStep, stepOf, workflow } from "./workflow-steps";
import { deliveryPlan, planOutputs } from "../scripts/lib/environments";
import { committedContracts, credentialMap, describeReach } from "../scripts/lib/credential-map";

/** A copy of what the plan and the map read: the project and stack files, and the workflows. */
function project(add: Record<string, string> = {}, remove: string[] = []): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-"));
  for (const f of fs.readdirSync(ROOT).filter((n) => /^Pulumi(\.[^.]+)?\.yaml$/.test(n) && !remove.includes(n)))
    fs.copyFileSync(path.join(ROOT, f), path.join(dir, f));
  fs.cpSync(path.join(ROOT, ".github", "workflows"), path.join(dir, ".github", "workflows"), { recursive: true });
  for (const [name, text] of Object.entries(add)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

const staging = fs.readFileSync(path.join(ROOT, "docs", "examples", "Pulumi.staging.yaml"), "utf8");
const qa =
  "config:\n  nextjs-infra:profile: dev\n  nextjs-infra:ingress:\n    host: qa.example.com\n  nextjs-infra:neon:\n    projectId: green-field-55667788\n  nextjs-infra:doppler:\n    environment: qa\n";

describe("the delivery plan", () => {
  const dirs: string[] = [];
  const copy = (add?: Record<string, string>, remove?: string[]) => {
    const d = project(add, remove);
    dirs.push(d);
    return d;
  };
  after(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

  it("of this repository: dev builds, production promotes its digest, both are watched for drift", () => {
    const plan = deliveryPlan(ROOT);
    assert.deepEqual(plan.source, { stack: "dev", environment: "dev", read: "dev-read" });
    assert.deepEqual(plan.builds, []);
    assert.deepEqual(plan.promotions, [{ stack: "prod", environment: "production", read: "production-read", production: true }]);
    assert.deepEqual(
      plan.drift.map((p) => p.stack),
      ["dev", "prod"],
    );
    assert.deepEqual(planOutputs(plan).rollback, plan.promotions, "a rollback goes to production alone");
  });

  it("grows with a stack file: staging (prod profile) is promoted before production, behind its own reviewers, and watched", () => {
    const dir = copy({ "Pulumi.staging.yaml": staging });
    const plan = deliveryPlan(dir);
    assert.deepEqual(
      plan.promotions.map((p) => [p.stack, p.environment, p.production]),
      [
        ["staging", "staging", false],
        ["prod", "production", true],
      ],
      "rehearsal first, production last",
    );
    assert.deepEqual(
      plan.drift.map((p) => p.read),
      ["dev-read", "production-read", "staging-read"],
    );
    assert.deepEqual(
      (planOutputs(plan).rollback as { stack: string }[]).map((p) => p.stack),
      ["prod"],
      "a rollback never touches staging",
    );

    // The jobs that now run for staging, each with staging's own credentials and nothing of production's.
    const map = credentialMap(dir);
    const jobs = Object.fromEntries(map.map((j) => [`${j.workflow} ${j.job}`, describeReach(j.reach)]));
    assert.equal(jobs["promote plan (staging-read)"], "staging: read (doppler, kubernetes, pulumi), write (neon)");
    // Sentry's organization token is the one credential that crosses stacks (releases only).
    assert.equal(jobs["promote deploy (staging)"], "dev: write (sentry); prod: write (sentry); staging: write (doppler, kubernetes, neon, pulumi, sentry)");
    assert.equal(jobs["promote deploy (production)"], "dev: write (sentry); prod: write (doppler, kubernetes, neon, pulumi, sentry); staging: write (sentry)");
    assert.equal(jobs["drift drift (staging-read)"], "staging: read (doppler, kubernetes, pulumi), write (neon)");
    const { contracts } = committedContracts(dir);
    assert.deepEqual(
      contracts
        .filter((c) => c.reviewed)
        .map((c) => c.name)
        .sort(),
      ["production", "repository-admin", "staging"],
      "the repository stack makes staging reviewed",
    );
    const mapped = new Set(map.map((j) => j.environment).filter(Boolean));
    assert.deepEqual(
      contracts.map((c) => c.name).filter((n) => !mapped.has(n)),
      [],
      "every environment the repository stack makes is one a job runs in",
    );
  });

  it("builds main in a second dev-profile stack of its own, and keeps dev the source production promotes", () => {
    const dir = copy({ "Pulumi.qa.yaml": qa });
    const plan = deliveryPlan(dir);
    assert.equal(plan.source.stack, "dev");
    assert.deepEqual(plan.builds, [{ stack: "qa", environment: "qa", read: "qa-read" }]);
    const builds = credentialMap(dir).filter((j) => j.workflow === "deploy" && j.job === "builds");
    // Main's builds share one image repository, the one production promotes from: qa's token writes it as dev's does.
    assert.deepEqual(
      builds.map((j) => [j.environment, describeReach(j.reach)]),
      [["qa", "dev: write (registry, sentry); prod: write (registry, sentry); qa: write (doppler, kubernetes, neon, pulumi, registry, sentry)"]],
    );
    assert.ok(!credentialMap(ROOT).some((j) => j.job === "builds"), "with no second dev-profile stack the job never runs, and reaches nothing");
  });

  it("refuses, by name, a set of stack files with nothing to promote from or nothing to promote to", () => {
    assert.throws(() => deliveryPlan(copy({}, ["Pulumi.dev.yaml"])), /no dev-profile stack file \(Pulumi\.dev\.yaml\)/);
    assert.throws(() => deliveryPlan(copy({}, ["Pulumi.prod.yaml"])), /no production stack file \(Pulumi\.prod\.yaml/);
  });

  it("is what the workflows' `environments` step writes, run for real", () => {
    const expected = planOutputs(deliveryPlan(ROOT));
    for (const file of ["deploy.yml", "drift.yml"]) {
      const job = workflow(file).jobs.environments;
      const r = runStep(stepOf(job, "plan"), { env: { PATH: process.env.PATH ?? "" } });
      assert.equal(r.status, 0, r.stderr);
      for (const [key, value] of Object.entries(job.outputs ?? {})) {
        assert.equal(value, `\${{ steps.plan.outputs.${key} }}`, `${file}: ${key}`);
        assert.deepEqual(JSON.parse(r.outputs[key]), expected[key], `${file}: ${key}`);
      }
    }
  });
});
