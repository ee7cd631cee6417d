import { strict as assert } from "assert";
import { resolveSettings, Settings, SettingsError, resolveProfile } from "../stacks";
import { PROJECT, ROOT, secretOf, valueOf } from "./mocks";
import { readProjectFiles, stackConfigOf } from "../stacks/files";
import * as fs from "fs";
import * as path from "path";
import { z } from "zod";
import { ConfigSchema, SECRET_KEYS } from "../stacks/schema";
import { PLAIN_KEYS, SECRET_KEY_DOCS, typeOf } from "../stacks/keys";
import { placement, sections, withTables } from "../scripts/docs";

const KEY = "neon-api-key-s3cr3t-pa55";

/** Resolves settings from config written the way a user writes it (objects as objects). */
function resolve(
  stack: string,
  config: Record<string, unknown> = {},
  secrets: Record<string, string> = stack === "local" || stack.startsWith("cluster-") ? {} : { neonApiKey: KEY },
  env: Record<string, string> = {},
  plaintext: Record<string, string> = {},
): Settings {
  const raw: Record<string, string> = {};
  const full = (k: string) => (k.includes(":") ? k : `${PROJECT}:${k}`);
  for (const [k, v] of Object.entries(config)) raw[full(k)] = typeof v === "string" ? v : JSON.stringify(v);
  for (const [k, v] of Object.entries({ ...secrets, ...plaintext })) raw[full(k)] = v;
  // Provider credentials come from the environment unless a test blanks them.
  const fullEnv = { DOPPLER_TOKEN: "dp.st.x", GITHUB_TOKEN: "gh", ...env };
  const s = resolveSettings({
    project: PROJECT,
    stack,
    config: raw,
    secretKeys: new Set(Object.keys(secrets).map(full)),
    env: fullEnv,
    projectConfig: PROJECT_LEVEL,
  });
  assert.equal(s.role, "app");
  return s;
}

/** Config that every non-local stack needs, set project-level (so every stack inherits it). */
const base = {
  image: { repository: "ghcr.io/acme/web" },
  ingress: { host: "dev.example.com", previewDomain: "preview.example.com" },
  neon: { projectId: "cool-pond-12345678" },
  doppler: { project: "web" },
  github: { repository: "acme/web", reviewers: { teams: ["platform"] } },
};
// The Neon project is set per stack here: a project-level one is the previews' own, which long-lived stacks may not inherit.
const PROJECT_LEVEL: Record<string, string> = Object.fromEntries(
  Object.entries(base)
    .filter(([k]) => k !== "neon")
    .map(([k, v]) => [`${PROJECT}:${k}`, JSON.stringify(v)]),
);

/** Settings of a stack exactly as the program loads them from the committed files (project config and sibling stacks included). */
function committed(stack: string, extra: Record<string, string> = {}): Settings {
  const { projectConfig, siblings } = readProjectFiles(ROOT, PROJECT, stack);
  const config = { ...stackConfigOf(ROOT, PROJECT, stack, projectConfig), ...extra };
  const secretKeys = new Set(stack === "local" ? [] : [`${PROJECT}:neonApiKey`]);
  if (stack !== "local") config[`${PROJECT}:neonApiKey`] = KEY;
  const s = resolveSettings({ project: PROJECT, stack, config, secretKeys, env: { DOPPLER_TOKEN: "dp.st.x", GITHUB_TOKEN: "gh" }, projectConfig, siblings });
  assert.equal(s.role, "app");
  return s;
}

function failure(fn: () => unknown): SettingsError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof SettingsError, `expected SettingsError, got ${String(e)}`);
    return e;
  }
  assert.fail("expected a SettingsError");
}

describe("settings: profiles", () => {
  it("maps stack names to profiles", () => {
    assert.deepEqual(resolveProfile("local", undefined), { ok: true, profile: "local" });
    assert.deepEqual(resolveProfile("dev", undefined), { ok: true, profile: "dev" });
    assert.deepEqual(resolveProfile("prod", undefined), { ok: true, profile: "prod" });
    assert.deepEqual(resolveProfile("pr-42", undefined), { ok: true, profile: "preview", pullRequest: 42 });
    assert.deepEqual(resolveProfile("staging", "prod"), { ok: true, profile: "prod" });
  });

  it("gives the local profile a laptop cluster's defaults", () => {
    const s = resolve("local");
    assert.equal(s.profile, "local");
    assert.equal(s.namespace, "web-local");
    assert.deepEqual(s.image, {
      kind: "build",
      repository: "localhost:5001/web",
      context: "app",
      dockerfile: "app/Dockerfile",
      target: undefined,
      migratorTarget: "migrator",
      platforms: ["linux/amd64"],
      buildArgs: {},
      buildOnPreview: false,
      cache: { to: "localhost:5001/web:buildcache-local", from: ["localhost:5001/web:buildcache-local"] },
      tags: ["local"],
    });
    assert.deepEqual(s.ingress, {
      enabled: true,
      host: "web.localhost",
      className: undefined,
      clusterIssuer: undefined,
      tls: false,
      controllerNamespace: "ingress-nginx",
    });
    assert.equal(s.app.replicas, 1);
    assert.equal(s.app.port, 3000);
    assert.equal(s.autoscaling.enabled, false);
    assert.equal(s.disruptionBudget.enabled, false);
    assert.equal(s.protect, false);
    assert.equal(s.sentry.environment, "local");
  });

  it("gives dev one replica, debug logs, TLS and a build on preview", () => {
    const s = resolve("dev", base);
    assert.equal(s.app.replicas, 1);
    assert.equal(s.app.logLevel, "debug");
    assert.equal(s.ingress.tls, true);
    assert.equal(s.ingress.clusterIssuer, "letsencrypt-prod");
    assert.equal(s.image.kind === "build" && s.image.buildOnPreview, true);
    assert.equal(s.autoscaling.enabled, false);
  });

  it("gives prod two replicas, autoscaling, a disruption budget and protection", () => {
    const s = resolve("prod", { ...base, ingress: { host: "www.example.com" } });
    assert.equal(s.app.replicas, 2);
    assert.equal(s.app.logLevel, "info");
    assert.deepEqual(s.autoscaling, { enabled: true, minReplicas: 2, maxReplicas: 6, targetCpuUtilization: 70 });
    assert.deepEqual(s.disruptionBudget, { enabled: true, minAvailable: 1 });
    assert.equal(s.protect, true);
    assert.equal(s.image.kind === "build" && s.image.buildOnPreview, false);
  });

  it("gives pr-42 its own host under the preview domain and a shared Sentry environment", () => {
    const s = resolve("pr-42", base);
    assert.equal(s.profile, "preview");
    assert.equal(s.pullRequest, 42);
    assert.equal(s.namespace, "web-pr-42");
    assert.equal(s.ingress.host, "dev.example.com", "an explicit host still wins");
    const p = resolve("pr-42", { ...base, ingress: { previewDomain: "preview.example.com" } });
    assert.equal(p.ingress.host, "pr-42.preview.example.com");
    assert.equal(p.sentry.environment, "preview");
    assert.equal(p.app.resources.requests.cpu, "50m");
  });

  it("gives each profile its database (on a paid plan)", () => {
    const local = resolve("local").database;
    assert.equal(local.kind, "local");
    assert.match(local.kind === "local" ? local.image : "", /^postgres:17-alpine@sha256:[a-f0-9]{64}$/);
    const scale = (c: Record<string, unknown>) => ({ ...c, neon: { ...(c.neon as object), plan: "scale" } });

    const dev = resolve("dev", scale(base)).database;
    assert.ok(dev.kind === "neon");
    assert.deepEqual(dev.branch, {
      name: "dev",
      adoptDefault: false,
      protected: false,
      protectable: true,
      initSource: "parent-data",
      branchLimit: { plan: "scale", max: 5000, maxRoots: 10 },
    });
    assert.deepEqual(dev.compute, { minCu: 0.25, maxCu: 1, suspendTimeoutSeconds: 300 });
    assert.equal(dev.projectId, "cool-pond-12345678");

    const preview = resolve("pr-42", scale(base)).database;
    assert.ok(preview.kind === "neon");
    assert.deepEqual(preview.branch, {
      name: "preview/pr-42",
      adoptDefault: false,
      parentName: undefined,
      protected: false,
      protectable: true,
      initSource: "parent-data",
      branchLimit: { plan: "scale", max: 5000, maxRoots: 10 },
      ttlDays: 7,
    });
    assert.deepEqual(preview.compute, { minCu: 0.25, maxCu: 0.25, suspendTimeoutSeconds: 60 });

    const prod = resolve("prod", { ...base, neon: { plan: "scale" } }).database;
    assert.ok(prod.kind === "neon");
    assert.equal(prod.projectId, undefined, "the production stack may create the project");
    assert.equal(prod.manageProject, true);
    assert.deepEqual(prod.branch, { name: "main", adoptDefault: true, protected: true, protectable: true, initSource: "parent-data" });
    assert.deepEqual(prod.project, { name: "web", regionId: "aws-us-east-2", pgVersion: 17, historyRetentionSeconds: 86400, orgId: undefined });
    const managed = resolve("prod", { ...base, neon: { plan: "scale", projectId: "cool-pond-12345678" } }).database;
    assert.ok(managed.kind === "neon" && managed.manageProject, "with an id set, the production stack still manages (adopts) the project");
  });

  it("starts a branch from its parent's rows or its schema alone, and resets a preview on each new commit, by setting", () => {
    const sha = "0123456789abcdef0123456789abcdef01234567";
    const neon = (extra: Record<string, unknown>) => ({ ...base, neon: { ...(base.neon as object), ...extra } });
    const branchOf = (s: Settings) => (s.database.kind === "neon" ? s.database.branch : undefined);
    assert.equal(branchOf(resolve("pr-42", neon({ data: "schema-only" })))?.initSource, "schema-only");
    assert.equal(branchOf(resolve("dev", neon({ data: "schema-only" })))?.initSource, "schema-only");
    assert.equal(
      branchOf(resolve("pr-42", neon({ resetOnDeploy: true }), undefined, { GITHUB_SHA: sha }))?.resetKey,
      sha,
      "keyed by the commit: a second up of it resets nothing",
    );
    assert.equal(branchOf(resolve("pr-42", neon({}), undefined, { GITHUB_SHA: sha }))?.resetKey, undefined, "off by default");
    assert.throws(
      () => resolve("pr-42", neon({ resetOnDeploy: true, data: "schema-only" }), undefined, { GITHUB_SHA: sha }),
      /nextjs-infra:neon\.resetOnDeploy: got true with nextjs-infra:neon\.data schema-only, expected false/,
    );
    assert.throws(() => resolve("pr-42", neon({ resetOnDeploy: true })), /nextjs-infra:neon\.resetOnDeploy: got true, expected the commit being deployed/);
    assert.throws(() => resolve("pr-42", neon({ data: "anonymised" })), /nextjs-infra:neon\.data.*one of copy, schema-only/);
    assert.throws(
      () => resolve("prod", { ...base, neon: { plan: "scale", data: "schema-only" } }),
      /nextjs-infra:neon\.data: got a value, expected none: only the dev, preview profiles read it/,
    );
    assert.throws(
      () => resolve("dev", neon({ resetOnDeploy: true }), undefined, { GITHUB_SHA: sha }),
      /nextjs-infra:neon\.resetOnDeploy: got a value, expected none/,
    );
    // The Endpoint provider's own rule, read from one place: refused here, before any request.
    assert.throws(
      () => resolve("prod", { ...base, neon: { plan: "scale", minCu: 17, maxCu: 17 } }),
      /nextjs-infra:neon\.maxCu: got 17, expected an even fixed size above 16 CU/,
    );
    assert.equal(resolve("prod", { ...base, neon: { plan: "scale", minCu: 18, maxCu: 18 } }).database.kind, "neon");
  });

  it("seeds local and previews by default, dev when asked, production never", () => {
    const seed = ["node", "migrate.mjs", "execute", "prisma/seed.sql"];
    assert.deepEqual(resolve("local").app.seedCommand, seed);
    assert.deepEqual(resolve("pr-42", base).app.seedCommand, seed);
    assert.equal(resolve("dev", base).app.seedCommand, undefined);
    assert.deepEqual(resolve("dev", { ...base, app: { seed: true } }).app.seedCommand, seed);
    assert.equal(resolve("pr-42", { ...base, app: { seed: false } }).app.seedCommand, undefined);
    assert.deepEqual(resolve("local", { app: { seedCommand: ["sh", "-c", "psql -f seed.sql"] } }).app.seedCommand, ["sh", "-c", "psql -f seed.sql"]);
    assert.throws(
      () => resolve("prod", { ...base, app: { seed: true } }),
      /nextjs-infra:app\.seed: got a value, expected none: only the local, dev, preview profiles read it/,
    );
  });

  it("picks Neon defaults every plan accepts, starting with the Free plan most new users have", () => {
    for (const plan of ["free", "launch", "scale"] as const) {
      for (const stack of ["dev", "pr-4", "prod"]) {
        const s = resolve(stack, { ...base, neon: { projectId: "cool-pond-12345678", plan } });
        assert.ok(s.database.kind === "neon");
        const db = s.database;
        if (plan === "free") {
          assert.equal(db.compute.suspendTimeoutSeconds, 0, `${stack}: the free plan cannot change scale to zero`);
          assert.ok(db.compute.maxCu <= 2, `${stack}: the free plan's computes are at most 2 CU`);
          assert.equal(db.branch.protected, false, `${stack}: protected branches are a paid feature`);
          assert.ok(db.project.historyRetentionSeconds <= 21600, "six hours of history at most");
        }
      }
    }
    const free = resolve("prod", { ...base, neon: { plan: "free", projectId: "cool-pond-12345678" } });
    assert.equal(free.protect, true, "Pulumi's own protect still guards production on the free plan");
  });

  it("refuses what the plan does not allow, naming the key and the plan that allows it", () => {
    const cases: [string, Record<string, unknown>, string, RegExp][] = [
      [
        "dev",
        { plan: "free", maxCu: 4 },
        "neon.maxCu",
        /got 4, expected at most 2 CU on Neon's free plan \(nextjs-infra:neon\.plan\); the launch plan allows it/,
      ],
      [
        "dev",
        { plan: "free", suspendTimeoutSeconds: 300 },
        "neon.suspendTimeoutSeconds",
        /got 300, expected one of 0 on Neon's free plan .*the scale plan allows it/,
      ],
      ["dev", { plan: "launch", suspendTimeoutSeconds: 120 }, "neon.suspendTimeoutSeconds", /the scale plan allows it/],
      ["prod", { plan: "free", historyRetentionSeconds: 86400 }, "neon.historyRetentionSeconds", /at most 21600 seconds on Neon's free plan/],
      ["prod", { plan: "launch", minCu: 20, maxCu: 20 }, "neon.maxCu", /at most 16 CU on Neon's launch plan .*the scale plan allows it/],
    ];
    for (const [stack, neon, key, says] of cases) {
      const err = failure(() => resolve(stack, { ...base, neon: { projectId: "cool-pond-12345678", ...neon } }));
      const issue = err.issues.find((i) => i.key === `${PROJECT}:${key}`);
      assert.ok(issue, `${JSON.stringify(neon)}: ${JSON.stringify(err.issues)}`);
      assert.match(issue.message, says);
    }
  });

  it("takes the Neon API key from NEON_API_KEY as well", () => {
    assert.equal(resolve("dev", base, {}, { NEON_API_KEY: "k" }).profile, "dev");
  });

  it("lets a new stack pick a profile by config, with names of its own", () => {
    const s = resolve("staging", { ...base, profile: "prod", doppler: { project: "web", environment: "stg" } });
    assert.equal(s.profile, "prod");
    assert.equal(s.production, false, "only the production stack is production");
    assert.equal(s.namespace, "web-staging");
    assert.equal(s.sentry.environment, "staging");
    assert.deepEqual(s.names.neonBranch, { name: "staging", adoptDefault: false });
    assert.deepEqual(s.secrets.doppler, { project: "web", environment: "stg", config: "stg", branch: false, sync: "snapshot" });
    assert.equal(s.names.githubEnvironment, "staging");
    const qa = resolve("qa", { ...base, profile: "dev" });
    assert.deepEqual(
      qa.secrets.doppler,
      { project: "web", environment: "dev", config: "dev_qa", branch: true, sync: "snapshot" },
      "a branch config of dev, created with the stack",
    );
  });

  it("lets config override profile defaults key by key", () => {
    const s = resolve("prod", { ...base, app: { replicas: 4, resources: { limits: { memory: "2Gi" } } }, autoscaling: { maxReplicas: 12 } });
    assert.equal(s.app.replicas, 4);
    assert.deepEqual(s.app.resources, { requests: { cpu: "250m", memory: "512Mi" }, limits: { cpu: "1", memory: "2Gi" } });
    assert.deepEqual(s.autoscaling, { enabled: true, minReplicas: 2, maxReplicas: 12, targetCpuUtilization: 70 });
  });

  it("tags the image with GITHUB_SHA unless config sets one, ignoring junk", () => {
    const sha = "0123456789abcdef0123456789abcdef01234567";
    const tags = (s: Settings) => (s.image.kind === "build" ? s.image.tags : []);
    assert.deepEqual(tags(resolve("dev", base, undefined, { GITHUB_SHA: sha })), [sha, "dev"]);
    assert.deepEqual(tags(resolve("dev", { ...base, image: { ...base.image, gitSha: "abcdef1" } }, undefined, { GITHUB_SHA: sha })), ["abcdef1", "dev"]);
    assert.deepEqual(tags(resolve("dev", base, undefined, { GITHUB_SHA: "not-a-sha" })), ["dev"]);
  });

  it("deploys a prebuilt image when image.ref is set, whether or not a repository is", () => {
    const ref = `ghcr.io/acme/web@sha256:${"a".repeat(64)}`;
    assert.deepEqual(resolve("prod", { ...base, image: { ...base.image, ref } }).image, { kind: "prebuilt", ref, pinned: true, migratorRef: undefined });
    const tagged = resolve("dev", { ...base, image: { ref: "ghcr.io/acme/web:1.4.2" } }).image;
    assert.equal(tagged.kind === "prebuilt" && tagged.pinned, false);
  });

  it("never builds for the prod profile: without a promoted digest it keeps what runs", () => {
    assert.deepEqual(resolve("prod", base).image, { kind: "deployed" });
    assert.deepEqual(resolve("staging", { ...base, profile: "prod", doppler: { project: "web", environment: "stg" } }).image, { kind: "deployed" });
  });

  it("sends previews to a repository of their own and lets them read, never write, dev's cache", () => {
    const p = resolve("pr-42", base).image;
    assert.ok(p.kind === "build");
    assert.equal(p.repository, "ghcr.io/acme/web-preview");
    assert.deepEqual(p.cache, {
      to: "ghcr.io/acme/web-preview:buildcache-pr-42",
      from: ["ghcr.io/acme/web-preview:buildcache-pr-42", "ghcr.io/acme/web:buildcache-dev"],
    });
    const own = resolve("pr-42", { ...base, image: { ...base.image, previewRepository: "ghcr.io/acme/previews" } }).image;
    assert.equal(own.kind === "build" && own.repository, "ghcr.io/acme/previews");
  });

  it("keeps credentials secret", async () => {
    const s = resolve("dev", { ...base, registry: { username: "acme-bot" } }, { neonApiKey: KEY, registryPassword: "ghp_token" });
    assert.ok(s.registry.password);
    assert.equal(await valueOf(s.registry.password), "ghp_token");
    assert.equal(await secretOf(s.registry.password), true);
    assert.equal(s.registry.address, "ghcr.io");
  });

  it("fills the registry user name a token implies (GHCR: the GitHub actor)", () => {
    const s = resolve("dev", base, { neonApiKey: KEY, registryPassword: "ghp_token" }, { GITHUB_ACTOR: "octocat" });
    assert.equal(s.registry.username, "octocat");
  });

  it("accepts the committed Pulumi.yaml and stack files", () => {
    const dev = committed("dev");
    assert.equal(dev.ingress.host, "dev.example.com");
    assert.equal(dev.ingress.className, "nginx");
    assert.equal(dev.image.kind === "build" && dev.image.repository, "ghcr.io/acme/web");
    const prod = committed("prod");
    assert.equal(prod.production, true);
    assert.equal(prod.autoscaling.minReplicas, 3);
    assert.equal(prod.disruptionBudget.minAvailable, 2);
    const local = committed("local");
    assert.equal(local.image.kind === "build" && local.image.cache, undefined, "Pulumi.local.yaml turns the registry cache off");
    const preview = committed("pr-7");
    assert.equal(preview.names.neonBranch.parentName, undefined);
    assert.equal(preview.names.neonProjectId, "quiet-meadow-24681357");
    assert.equal(preview.ingress.host, "pr-7.preview.example.com");
  });
});

describe("settings: bad input fails before anything is created, naming the key", () => {
  const cases: {
    what: string;
    stack?: string;
    config?: Record<string, unknown>;
    secrets?: Record<string, string>;
    plaintext?: Record<string, string>;
    key: string;
    says: RegExp;
  }[] = [
    { what: "an unknown stack without a profile", stack: "qa", key: "stack name", says: /stack "qa" has no profile.*`pr-<pull request number>`/ },
    { what: "a malformed preview stack name", stack: "pr-abc", key: "stack name", says: /pr-<pull request number>, e\.g\. pr-42/ },
    { what: "a stack name that cannot name a namespace", stack: "Prod_EU", key: "stack name", says: /got "Prod_EU", expected lowercase letters/ },
    {
      what: "an unknown profile",
      stack: "qa",
      config: { profile: "production" },
      key: `${PROJECT}:profile`,
      says: /got "production", expected one of local, dev, prod, preview/,
    },
    {
      what: "a profile that contradicts the stack name",
      stack: "pr-42",
      config: { profile: "prod" },
      key: `${PROJECT}:profile`,
      says: /always runs the "preview" profile/,
    },
    { what: "an app name that is not a DNS label", config: { appName: "Web App" }, key: `${PROJECT}:appName`, says: /got "Web App", expected a DNS label/ },
    {
      what: "an image ref with neither tag nor digest",
      config: { image: { ref: "ghcr.io/acme/web" } },
      key: `${PROJECT}:image.ref`,
      says: /@sha256:<64 hex digits>/,
    },
    {
      what: "a repository with a tag",
      config: { image: { repository: "ghcr.io/acme/web:latest" } },
      key: `${PROJECT}:image.repository`,
      says: /without tag or digest/,
    },
    {
      what: "an unsupported platform",
      config: { image: { repository: "ghcr.io/acme/web", platforms: ["windows/amd64"] } },
      key: `${PROJECT}:image.platforms.0`,
      says: /"linux\/amd64", "linux\/arm64"/,
    },
    {
      what: "a secret-looking build argument",
      config: { image: { repository: "ghcr.io/acme/web", buildArgs: { NEXTAUTH_SECRET: "x" } } },
      key: `${PROJECT}:image.buildArgs.NEXTAUTH_SECRET`,
      says: /non-secret build argument only/,
    },
    { what: "a privileged port", config: { app: { port: 80 } }, key: `${PROJECT}:app.port`, says: /got 80, expected a TCP port from 1024 to 65535/ },
    { what: "a port written as a string", config: { app: { port: "3000" } }, key: `${PROJECT}:app.port`, says: /got "3000", expected a TCP port/ },
    {
      what: "a malformed memory limit",
      config: { app: { resources: { limits: { memory: "1GB" } } } },
      key: `${PROJECT}:app.resources.limits.memory`,
      says: /got "1GB", expected a memory quantity/,
    },
    { what: "a log level that does not exist", config: { app: { logLevel: "verbose" } }, key: `${PROJECT}:app.logLevel`, says: /one of trace, debug, info/ },
    {
      what: "env that the program sets itself",
      config: { app: { env: { PORT: "8080" } } },
      key: `${PROJECT}:app.env`,
      says: /no variable the program sets itself/,
    },
    { what: "a secret in plain env", config: { app: { env: { STRIPE_API_KEY: "sk" } } }, key: `${PROJECT}:app.env.STRIPE_API_KEY`, says: /Kubernetes Secret/ },
    {
      what: "autoscaling min above max",
      stack: "prod",
      config: { ...base, autoscaling: { minReplicas: 5, maxReplicas: 3 } },
      key: `${PROJECT}:autoscaling.minReplicas`,
      says: /got 5, expected at most .*maxReplicas \(3\)/,
    },
    {
      what: "a disruption budget no drain could satisfy",
      stack: "prod",
      config: { ...base, disruptionBudget: { minAvailable: 2 } },
      key: `${PROJECT}:disruptionBudget.minAvailable`,
      says: /fewer than the 2 replica/,
    },
    { what: "dev without a host", stack: "dev", config: { image: base.image }, key: `${PROJECT}:ingress.host`, says: /the public hostname/ },
    {
      what: "a preview without a preview domain",
      stack: "pr-3",
      config: { image: base.image },
      key: `${PROJECT}:ingress.previewDomain`,
      says: /pr-<n>\.<domain>/,
    },
    { what: "a typo in a top-level key", config: { imag: { repository: "x" } }, key: `${PROJECT}:imag`, says: /unknown key/ },
    { what: "a typo in a nested key", config: { image: { repository: "ghcr.io/acme/web", tag: "v1" } }, key: `${PROJECT}:image.tag`, says: /unknown key/ },
    { what: "an object key holding a scalar", config: { image: "ghcr.io/acme/web" }, key: `${PROJECT}:image`, says: /expected an object/ },
    {
      what: "no repository and no ref",
      stack: "dev",
      config: { ingress: base.ingress },
      key: `${PROJECT}:image.repository`,
      says: /or set nextjs-infra:image\.ref/,
    },
    {
      what: "a missing Neon API key",
      stack: "dev",
      config: base,
      secrets: {},
      key: `${PROJECT}:neonApiKey`,
      says: /pulumi config set --secret neonApiKey <key> \(or export NEON_API_KEY\)/,
    },
    {
      what: "a Neon API key set in plaintext",
      stack: "dev",
      config: base,
      secrets: {},
      plaintext: { neonApiKey: KEY },
      key: `${PROJECT}:neonApiKey`,
      says: /got a plaintext value, expected a secret/,
    },
    {
      what: "dev without a Neon project id",
      stack: "dev",
      config: { image: base.image, ingress: base.ingress },
      key: `${PROJECT}:neon.projectId`,
      says: /only the production stack creates the project/,
    },
    {
      what: "a malformed Neon project id",
      stack: "dev",
      config: { ...base, neon: { projectId: "Not A Project" } },
      key: `${PROJECT}:neon.projectId`,
      says: /a Neon project id/,
    },
    {
      what: "a preview expiry beyond Neon's limit",
      stack: "pr-1",
      config: { ...base, neon: { projectId: "p-1234", previewTtlDays: 45 } },
      key: `${PROJECT}:neon.previewTtlDays`,
      says: /got 45, expected .*1 to 29 .*Neon's longest is 30 days/,
    },
    {
      what: "a Neon compute floor above its ceiling",
      stack: "dev",
      config: { ...base, neon: { projectId: "p-1234", minCu: 2, maxCu: 1 } },
      key: `${PROJECT}:neon.minCu`,
      says: /got 2, expected at most nextjs-infra:neon\.maxCu \(1\)/,
    },
    {
      what: "a local Postgres image not pinned by digest",
      config: { postgres: { image: "postgres:17" } },
      key: `${PROJECT}:postgres.image`,
      says: /pinned by digest/,
    },
    { what: "a Neon API URL that is not a URL", stack: "dev", config: { ...base, neonApiUrl: "neon" }, key: `${PROJECT}:neonApiUrl`, says: /an https URL/ },
    {
      what: "a registry user without a password",
      stack: "dev",
      config: { ...base, registry: { username: "bot" } },
      key: `${PROJECT}:registryPassword`,
      says: /registry\.username is set/,
    },
    {
      what: "a registry password without a user name",
      stack: "dev",
      config: { ...base, image: { repository: "registry.example.com/acme/web" } },
      secrets: { neonApiKey: KEY, registryPassword: "pw" },
      key: `${PROJECT}:registry.username`,
      says: /registry\.example\.com/,
    },
  ];

  for (const c of cases) {
    it(`rejects ${c.what}`, () => {
      const err = failure(() => resolve(c.stack ?? "local", c.config ?? {}, c.secrets ?? { neonApiKey: KEY }, {}, c.plaintext ?? {}));
      const issue = err.issues.find((i) => i.key === c.key);
      assert.ok(issue, `no issue for ${c.key}; got ${JSON.stringify(err.issues)}`);
      assert.match(issue.message, c.says);
      assert.ok(err.message.includes(`${c.key}: `), "the message names the full key");
    });
  }

  it("requires an issuer when TLS is on", () => {
    const err = failure(() => resolve("local", { ingress: { tls: true } }));
    assert.deepEqual(
      err.issues.map((i) => i.key),
      [`${PROJECT}:ingress.clusterIssuer`],
    );
  });

  it("lists every problem at once", () => {
    const err = failure(() => resolve("local", { appName: "Bad!", app: { port: 22, logLevel: "loud" } }, {}));
    assert.deepEqual(err.issues.map((i) => i.key).sort(), [`${PROJECT}:app.logLevel`, `${PROJECT}:app.port`, `${PROJECT}:appName`]);
    const late = failure(() => resolve("dev", { image: base.image, ingress: base.ingress }, {}));
    assert.deepEqual(
      late.issues.map((i) => i.key),
      [`${PROJECT}:neon.projectId`, `${PROJECT}:neonApiKey`, `${PROJECT}:doppler.project`],
    );
  });

  it("never echoes a secret value", () => {
    const err = failure(() => resolve("local", {}, {}, {}, { neonApiKey: KEY, registryPassword: "hunter2-token" }));
    assert.ok(!err.message.includes("s3cr3t-pa55"));
    assert.ok(!err.message.includes("hunter2-token"));
    assert.match(err.message, /registryPassword: got a plaintext value/);
  });

  it("leaves the namespaces of providers the program configures alone, and refuses the default Kubernetes provider's", () => {
    const s = resolve("local", {
      "doppler:dopplerToken": "x",
      "pulumi:disable-default-providers": '["kubernetes"]',
      "nextjs-infra:kubernetes": { context: "kind-kind" },
    });
    assert.equal(s.kubernetes.context, "kind-kind");
    const err = failure(() => resolve("local", { "kubernetes:context": "kind-kind" }));
    assert.match(err.issues[0].message, /set nextjs-infra:kubernetes\.context/);
  });
});

describe("settings: secrets, GitHub and cluster stacks", () => {
  it("points each profile at its Doppler config", () => {
    assert.deepEqual(resolve("dev", base).secrets.doppler, { project: "web", environment: "dev", config: "dev", branch: false, sync: "snapshot" });
    assert.deepEqual(resolve("prod", base).secrets.doppler, { project: "web", environment: "prd", config: "prd", branch: false, sync: "snapshot" });
    assert.deepEqual(
      resolve("pr-42", base).secrets.doppler,
      { project: "web", environment: "preview", config: "preview_pr_42", branch: true, sync: "snapshot" },
      "previews' own Doppler environment: their token never reaches dev's config",
    );
    assert.equal(resolve("local").secrets.doppler, undefined);
    assert.equal(resolve("prod", { ...base, doppler: { project: "web", sync: "operator" } }).secrets.doppler?.sync, "operator");
  });

  it("reads local app secrets from the secret config map, keeping values secret", async () => {
    const s = resolve("local", {}, { appSecrets: JSON.stringify({ SENTRY_DSN: "https://k@o1.ingest.example/1" }) });
    assert.deepEqual(Object.keys(s.secrets.local ?? {}), ["SENTRY_DSN"]);
    assert.equal(await secretOf(s.secrets.local!.SENTRY_DSN), true);
    assert.equal(resolve("local", { secrets: { rotation: "2026-11" } }).secrets.rotation, "2026-11");
  });

  it("app stacks hold no GitHub credential: the repository stack does", () => {
    const err = failure(() => resolve("dev", base, { neonApiKey: KEY, "github:token": "ghp_x" }));
    assert.match(err.issues.find((i) => i.key === "github:token")?.message ?? "", /app stacks manage nothing on GitHub/);
    for (const [key, moved] of [
      ["previewCiSecrets", /ciSecrets\.preview/],
      ["planCiSecrets", /no longer plan dev/],
      ["driftCiSecrets", /ciSecrets\.production-read/],
    ] as const) {
      const e = failure(() => resolve("dev", base, { neonApiKey: KEY, [key]: "{}" }));
      assert.match(e.issues.find((i) => i.key === `${PROJECT}:${key}`)?.message ?? "", moved);
    }
    const ci = failure(() => resolve("prod", base, { neonApiKey: KEY, ciSecrets: JSON.stringify({ production: { KUBE_CONFIG: "x" } }) }));
    assert.match(ci.issues.find((i) => i.key === `${PROJECT}:ciSecrets`)?.message ?? "", /only the github profile reads it/);
  });

  const bad: {
    what: string;
    stack: string;
    config: Record<string, unknown>;
    secrets?: Record<string, string>;
    plaintext?: Record<string, string>;
    env?: Record<string, string>;
    key: string;
    says: RegExp;
  }[] = [
    { what: "a missing Doppler project", stack: "dev", config: { ...base, doppler: {} }, key: `${PROJECT}:doppler.project`, says: /the Doppler project/ },
    {
      what: "a missing Doppler token",
      stack: "dev",
      config: base,
      env: { DOPPLER_TOKEN: "" },
      key: "doppler:dopplerToken",
      says: /pulumi config set --secret doppler:dopplerToken/,
    },
    {
      what: "a Doppler token in plaintext",
      stack: "dev",
      config: base,
      plaintext: { "doppler:dopplerToken": "dp.pt.x" },
      key: "doppler:dopplerToken",
      says: /got a plaintext value/,
    },
    {
      what: "an unknown sync mode",
      stack: "dev",
      config: { ...base, doppler: { project: "web", sync: "push" } },
      key: `${PROJECT}:doppler.sync`,
      says: /snapshot .* or operator/,
    },
    {
      what: "reviewers on an app stack",
      stack: "dev",
      config: { ...base, github: { repository: "acme/web", reviewers: { users: ["octocat"] } } },
      key: `${PROJECT}:github.reviewers.users`,
      says: /only the github profile reads it/,
    },
    {
      what: "a GitHub environment name on a preview",
      stack: "pr-3",
      config: { ...base, github: { environment: "pr-3", repository: "acme/web" } },
      key: `${PROJECT}:github.environment`,
      says: /only the dev, prod profiles read it, and stack "pr-3" runs "preview"/,
    },
    {
      what: "app secrets on a Doppler stack",
      stack: "dev",
      config: base,
      secrets: { neonApiKey: KEY, appSecrets: "{}" },
      key: `${PROJECT}:appSecrets`,
      says: /only the local profile/,
    },
    {
      what: "a badly named local secret",
      stack: "local",
      config: {},
      secrets: { appSecrets: JSON.stringify({ "sentry-dsn": "x" }) },
      key: `${PROJECT}:appSecrets.sentry-dsn`,
      says: /UPPER_SNAKE_CASE/,
    },
    {
      what: "app keys set on a cluster stack itself",
      stack: "cluster-eu1",
      config: { image: { repository: "ghcr.io/acme/other" } },
      secrets: {},
      key: `${PROJECT}:image.repository`,
      says: /only the local, dev, preview profiles read it, and stack "cluster-eu1" runs "cluster"/,
    },
    { what: "the cluster profile on another name", stack: "addons", config: { profile: "cluster" }, key: `${PROJECT}:profile`, says: /cluster-<name>/ },
  ];
  for (const c of bad) {
    it(`rejects ${c.what}`, () => {
      const err = failure(() => resolve(c.stack, c.config, c.secrets ?? { neonApiKey: KEY }, c.env ?? {}, c.plaintext ?? {}));
      const issue = err.issues.find((i) => i.key === c.key);
      assert.ok(issue, `no issue for ${c.key}; got ${JSON.stringify(err.issues)}`);
      assert.match(issue.message, c.says);
    });
  }

  it("never echoes a secret map's values", () => {
    const err = failure(() => resolve("local", {}, { appSecrets: JSON.stringify({ SENTRY_DSN: 12345678 }) }));
    assert.ok(!err.message.includes("12345678"));
    assert.match(err.message, /appSecrets\.SENTRY_DSN: got a value of the wrong type/);
  });

  it("resolves a cluster stack to its add-ons", () => {
    const cluster = (c: Record<string, unknown>) =>
      resolveSettings({
        project: PROJECT,
        stack: "cluster-eu1",
        config: Object.fromEntries(Object.entries(c).map(([k, v]) => [`${PROJECT}:${k}`, typeof v === "string" ? v : JSON.stringify(v)])),
        secretKeys: new Set(),
        env: {},
      });
    const s = cluster({ cluster: { certManager: { enabled: true, version: "1.16.1", email: "ops@example.com" }, previewAccess: { enabled: false } } });
    assert.ok(s.role === "cluster");
    assert.deepEqual(
      [s.dopplerOperator, s.certManager, s.ingressNginx, s.metricsServer],
      [
        { enabled: true, version: undefined },
        { enabled: true, version: "1.16.1", issuers: { email: "ops@example.com", ingressClass: undefined, dns01: undefined } },
        { enabled: false, version: undefined, serviceAnnotations: {} },
        { enabled: false, version: undefined },
      ],
    );
    const noEmail = failure(() => cluster({ cluster: { certManager: { enabled: true }, previewAccess: { enabled: false } } }));
    assert.match(
      noEmail.issues.find((i) => i.key === `${PROJECT}:cluster.certManager.email`)?.message ?? "",
      /letsencrypt-prod and letsencrypt-staging ClusterIssuers/,
    );
    assert.equal(s.previewAccess, undefined);
    const previews = cluster({
      appName: "shop",
      github: { repository: "acme/shop" },
      ingress: { previewDomain: "preview.acme.dev" },
      cluster: { previewAccess: { dnsNamespaces: ["kube-system", "openshift-dns"] } },
    });
    assert.ok(previews.role === "cluster");
    assert.deepEqual(previews.previewAccess, {
      repository: "acme/shop",
      previewDomain: "preview.acme.dev",
      namespacePrefix: "shop-pr-",
      dnsNamespaces: ["kube-system", "openshift-dns"],
    });
    const err = failure(() => cluster({}));
    assert.deepEqual(err.issues.map((i) => i.key).sort(), [`${PROJECT}:github.repository`, `${PROJECT}:ingress.previewDomain`]);
    assert.match(
      failure(() =>
        cluster({
          github: { repository: "acme/shop" },
          ingress: { previewDomain: "p.acme.dev" },
          cluster: { previewAccess: { issuer: "http://issuer.example" } },
        }),
      ).message,
      /previewAccess\.issuer: got "http:\/\/issuer\.example", expected an https OIDC issuer URL/,
    );
  });
});

describe("settings: stacks cannot reach each other's resources", () => {
  /** The committed stacks, plus more written here, as the loader would see them next to each other. */
  function withSiblings(stack: string, config: Record<string, unknown>, extraSiblings: Record<string, Record<string, unknown>> = {}) {
    const { projectConfig, siblings } = readProjectFiles(ROOT, PROJECT, stack);
    const raw = (c: Record<string, unknown>) =>
      Object.fromEntries(Object.entries(c).map(([k, v]) => [k.includes(":") ? k : `${PROJECT}:${k}`, typeof v === "string" ? v : JSON.stringify(v)]));
    for (const [name, c] of Object.entries(extraSiblings)) siblings[name] = { ...projectConfig, ...raw(c) };
    delete siblings[stack];
    const full = { ...projectConfig, ...raw(config), [`${PROJECT}:neonApiKey`]: KEY };
    return () =>
      resolveSettings({
        project: PROJECT,
        stack,
        config: full,
        secretKeys: new Set([`${PROJECT}:neonApiKey`]),
        env: { DOPPLER_TOKEN: "x", GITHUB_TOKEN: "x" },
        projectConfig,
        siblings,
      });
  }
  const staging = {
    profile: "prod",
    ingress: { host: "staging.example.com" },
    doppler: { project: "web", environment: "stg" },
    neon: { projectId: "still-lake-11223344" },
  };
  const qa = { profile: "dev", ingress: { host: "qa.example.com" }, neon: { projectId: "misty-river-13572468" } };

  it("gives two stacks of the same profile names that never collide", () => {
    const names = (s: Settings) => [
      s.namespace,
      s.ingress.host,
      `neon:${s.names.neonBranch.name}`,
      `doppler:${s.names.doppler.environment}/${s.names.doppler.config}`,
      `github:${s.names.githubEnvironment}`,
    ];
    const rendered = [
      withSiblings("staging", staging, { qa })() as Settings,
      withSiblings("qa", qa, { staging })() as Settings,
      committed("dev"),
      committed("prod"),
      withSiblings("uat", { ...qa, profile: "dev", ingress: { host: "uat.example.com" } }, { qa, staging })() as Settings,
    ];
    const all = rendered.flatMap(names);
    assert.deepEqual(
      all.filter((n, i) => all.indexOf(n) !== i),
      [],
      all.join("\n"),
    );
    assert.equal(rendered.filter((s) => s.production).length, 1, "exactly one stack is production");
    assert.deepEqual(rendered[0].names.neonBranch, { name: "staging", adoptDefault: false }, "a prod-profile staging never adopts the default branch");
  });

  const refused: {
    what: string;
    stack: string;
    config: Record<string, unknown>;
    siblings?: Record<string, Record<string, unknown>>;
    key: string;
    says: RegExp;
  }[] = [
    {
      what: "production's Doppler config on dev",
      stack: "dev",
      config: { doppler: { project: "web", config: "prd" } },
      key: `${PROJECT}:doppler.config`,
      says: /got "prd", expected "dev" or a branch config "dev_<name>"/,
    },
    {
      what: "production's Doppler environment on another stack",
      stack: "qa",
      config: { ...qa, doppler: { project: "web", environment: "prd" } },
      key: `${PROJECT}:doppler.environment`,
      says: /got "prd", expected an environment other than production's/,
    },
    {
      what: "a prod-profile stack with no Doppler environment of its own",
      stack: "staging",
      config: { ...staging, doppler: { project: "web" } },
      key: `${PROJECT}:doppler.environment`,
      says: /may not read production's secrets/,
    },
    {
      what: "another stack's Doppler config",
      stack: "qa",
      config: { ...qa, doppler: { project: "web", config: "dev_uat" } },
      siblings: { uat: { profile: "dev", ingress: { host: "uat.example.com" } } },
      key: `${PROJECT}:doppler.config`,
      says: /stack "uat" already uses/,
    },
    {
      what: "a preview's Doppler config",
      stack: "qa",
      config: { ...qa, doppler: { project: "web", config: "dev_pr_7" } },
      key: `${PROJECT}:doppler.config`,
      says: /a pull request preview's config/,
    },
    {
      what: "another stack's host",
      stack: "staging",
      config: { ...staging, ingress: { host: "www.example.com" } },
      key: `${PROJECT}:ingress.host`,
      says: /got "www\.example\.com", which stack "prod" already uses/,
    },
    {
      what: "a preview's host",
      stack: "qa",
      config: { ...qa, ingress: { host: "pr-12.preview.example.com" } },
      key: `${PROJECT}:ingress.host`,
      says: /a pull request preview's host/,
    },
    {
      what: "the default branch as a non-production branch",
      stack: "main",
      config: { ...qa, ingress: { host: "main.example.com" } },
      key: "stack name",
      says: /like the production \(default\) branch "main"/,
    },
    {
      what: "previews in production's Neon project",
      stack: "pr-5",
      config: { neon: { projectId: "cool-pond-12345678" } },
      key: `${PROJECT}:neon.projectId`,
      says: /the production stack's Neon project; give previews a project of their own/,
    },
    {
      what: "previews in dev's Neon project",
      stack: "pr-5",
      config: { neon: { projectId: "misty-river-13572468" } },
      key: `${PROJECT}:neon.projectId`,
      says: /which stack "dev" uses; previews need a Neon project of their own/,
    },
    {
      what: "a staging stack in production's Neon project",
      stack: "staging",
      config: { ...staging, neon: { projectId: "cool-pond-12345678" } },
      key: `${PROJECT}:neon.projectId`,
      says: /production stack's Neon project/,
    },
    {
      what: "a long-lived stack inheriting the previews' Neon project",
      stack: "qa",
      config: { ...qa, neon: { projectId: "quiet-meadow-24681357" } },
      key: `${PROJECT}:neon.projectId`,
      says: /which previews use/,
    },
    {
      what: "previews in a long-lived stack's Doppler environment",
      stack: "pr-5",
      config: { doppler: { project: "web", environment: "dev" } },
      key: `${PROJECT}:doppler.environment`,
      says: /previews keep their own environment/,
    },
    {
      what: "a GitHub environment named like another stack's read-only twin",
      stack: "qa",
      config: { ...qa, github: { environment: "dev-read" } },
      key: `${PROJECT}:github.environment`,
      says: /what stack "dev" already uses \(its environment or its read-only twin/,
    },
    {
      what: "the repository stack's environment as a stack's own",
      stack: "qa",
      config: { ...qa, github: { environment: "repository-admin" } },
      key: `${PROJECT}:github.environment`,
      says: /reserved for the repository stack/,
    },
    {
      what: "production's GitHub environment on another stack",
      stack: "staging",
      config: { ...staging, github: { repository: "acme/web", environment: "production" } },
      key: `${PROJECT}:github.environment`,
      says: /reserved for production/,
    },
    {
      what: "the preview environment as a stack's own",
      stack: "qa",
      config: { ...qa, github: { repository: "acme/web", environment: "preview" } },
      key: `${PROJECT}:github.environment`,
      says: /reserved for pull request previews/,
    },
    {
      what: "another stack's GitHub environment",
      stack: "qa",
      config: { ...qa, github: { repository: "acme/web", environment: "dev" } },
      key: `${PROJECT}:github.environment`,
      says: /stack "dev" already uses/,
    },
    {
      what: "another stack's namespace",
      stack: "qa",
      config: { ...qa, appName: "web-dev" },
      siblings: { "dev-qa": { profile: "dev", ingress: { host: "x.example.com" } } },
      key: `${PROJECT}:appName`,
      says: /got "web-dev-qa", which stack "dev-qa" already uses \(its namespace\)/,
    },
    {
      what: "Sentry's production environment on another stack",
      stack: "qa",
      config: { ...qa, sentry: { environment: "production" } },
      key: `${PROJECT}:sentry.environment`,
      says: /only the production stack reports as production/,
    },
    {
      what: "a production stack that does not run the prod profile",
      stack: "qa",
      config: { ...qa, productionStack: "qa" },
      key: `${PROJECT}:productionStack`,
      says: /must run the prod profile/,
    },
  ];
  for (const c of refused) {
    it(`refuses ${c.what}, by name`, () => {
      const err = failure(withSiblings(c.stack, c.config, c.siblings));
      const issue = err.issues.find((i) => i.key === c.key);
      assert.ok(issue, `no issue for ${c.key}; got ${JSON.stringify(err.issues)}`);
      assert.match(issue.message, c.says);
    });
  }
});

describe("settings: every class of bad value is refused before anything is created", () => {
  const digest = `sha256:${"a".repeat(64)}`;
  const cases: { what: string; stack?: string; config: Record<string, unknown>; secrets?: Record<string, string>; key: string; says: RegExp }[] = [
    {
      what: "an uppercase image repository",
      config: { image: { ref: `ghcr.io/Acme/web@${digest}` } },
      key: `${PROJECT}:image.ref`,
      says: /repository lowercase/,
    },
    {
      what: "shell metacharacters before a valid digest",
      config: { image: { ref: `ghcr.io/acme/$(curl x)@${digest}` } },
      key: `${PROJECT}:image.ref`,
      says: /a prebuilt image/,
    },
    {
      what: "a mutable tag in prod",
      stack: "prod",
      config: { ...base, image: { ref: "ghcr.io/acme/web:latest" } },
      key: `${PROJECT}:image.ref`,
      says: /prod profile deploys only a promoted digest/,
    },
    {
      what: "a host label over 63 characters",
      config: { ingress: { host: `${"a".repeat(64)}.example.com` } },
      key: `${PROJECT}:ingress.host`,
      says: /labels of at most 63/,
    },
    {
      what: "a preview host over 253 characters",
      stack: "pr-123456789",
      config: { ingress: { previewDomain: `${Array(4).fill("b".repeat(61)).join(".")}.com` } },
      key: `${PROJECT}:ingress.previewDomain`,
      says: /at most 253 characters/,
    },
    { what: "a pull request number of 24 digits", stack: `pr-${"1".repeat(24)}`, config: {}, key: "stack name", says: /at most 9 digits/ },
    {
      what: "a stack name whose namespace exceeds 63",
      stack: `s${"x".repeat(60)}`,
      config: { profile: "local" },
      key: "stack name",
      says: /would be 65 characters, over Kubernetes' 63/,
    },
    { what: "an app name that starts with a digit", config: { appName: "1web" }, key: `${PROJECT}:appName`, says: /starts with a letter/ },
    {
      what: "CPU requests above limits",
      config: { app: { resources: { requests: { cpu: "2" }, limits: { cpu: "1" } } } },
      key: `${PROJECT}:app.resources.requests.cpu`,
      says: /at most nextjs-infra:app\.resources\.limits\.cpu \("1"\)/,
    },
    {
      what: "memory requests above limits",
      config: { app: { resources: { requests: { memory: "2Gi" }, limits: { memory: "1Gi" } } } },
      key: `${PROJECT}:app.resources.requests.memory`,
      says: /Kubernetes refuses requests above limits/,
    },
    {
      what: "a zero memory limit",
      config: { app: { resources: { requests: { memory: "0" }, limits: { memory: "0" } } } },
      key: `${PROJECT}:app.resources.limits.memory`,
      says: /at least 64Mi/,
    },
    {
      what: "a compute size Neon does not have",
      stack: "dev",
      config: { ...base, neon: { projectId: "p-1234", minCu: 0.3 } },
      key: `${PROJECT}:neon.minCu`,
      says: /Neon's sizes/,
    },
    {
      what: "a compute too large",
      stack: "dev",
      config: { ...base, neon: { projectId: "p-1234", maxCu: 100 } },
      key: `${PROJECT}:neon.maxCu`,
      says: /Neon's sizes/,
    },
    {
      what: "a negative compute",
      stack: "dev",
      config: { ...base, neon: { projectId: "p-1234", minCu: -1 } },
      key: `${PROJECT}:neon.minCu`,
      says: /Neon's sizes/,
    },
    {
      what: "an autoscaling span over 8 CU",
      stack: "dev",
      config: { ...base, neon: { projectId: "p-1234", minCu: 0.25, maxCu: 10 } },
      key: `${PROJECT}:neon.maxCu`,
      says: /spans at most 8 CU/,
    },
    {
      what: "autoscaling above 16 CU",
      stack: "dev",
      config: { ...base, neon: { projectId: "p-1234", minCu: 12, maxCu: 20 } },
      key: `${PROJECT}:neon.maxCu`,
      says: /at most 16 while autoscaling/,
    },
    {
      what: "a suspend timeout under a minute",
      stack: "dev",
      config: { ...base, neon: { projectId: "p-1234", suspendTimeoutSeconds: 30 } },
      key: `${PROJECT}:neon.suspendTimeoutSeconds`,
      says: /60 to 604800/,
    },
    ...["STRIPE_KEY", "SMTP_PASS", "JWT_SIGNING_KEY", "AWS_CREDENTIALS", "CLIENTSECRET", "REDIS_URL", "SESSION_SALT", "GITHUB_WEBHOOK_HMAC"].map((name) => ({
      what: `a secret-looking env name (${name})`,
      config: { app: { env: { [name]: "x" } } },
      key: `${PROJECT}:app.env.${name}`,
      says: /Kubernetes Secret/,
    })),
    {
      what: "the Neon API over plain http to another host",
      stack: "dev",
      config: { ...base, neonApiUrl: "http://neon.example.com/api/v2" },
      key: `${PROJECT}:neonApiUrl`,
      says: /plain http only on loopback/,
    },
    {
      what: "a preview-only Neon key on prod",
      stack: "prod",
      config: { ...base, neon: { projectId: "p-1234", previewTtlDays: 3 } },
      key: `${PROJECT}:neon.previewTtlDays`,
      says: /only the preview profile reads it, and stack "prod" runs "prod"/,
    },
    {
      what: "a production digest from another repository",
      stack: "prod",
      config: { ...base, image: { repository: "ghcr.io/acme/web", ref: `ghcr.io/mallory/web@sha256:${"d".repeat(64)}` } },
      key: `${PROJECT}:image.ref`,
      says: /got an image of ghcr\.io\/mallory\/web, expected a digest of ghcr\.io\/acme\/web .*production runs only what the app's own builds pushed/,
    },
    {
      what: "a promoted digest from another repository, the repository set project-level only",
      stack: "prod",
      config: { ...base, image: { ref: `ghcr.io/mallory/web@sha256:${"d".repeat(64)}` } },
      key: `${PROJECT}:image.ref`,
      says: /expected a digest of ghcr\.io\/acme\/web/,
    },
    {
      what: "a production migrator from another repository",
      stack: "prod",
      config: {
        ...base,
        image: { repository: "ghcr.io/acme/web", ref: `ghcr.io/acme/web@sha256:${"d".repeat(64)}`, migratorRef: `docker.io/evil/m@sha256:${"e".repeat(64)}` },
      },
      key: `${PROJECT}:image.migratorRef`,
      says: /got an image of docker\.io\/evil\/m/,
    },
    {
      what: "a local-only Postgres key on dev",
      stack: "dev",
      config: { ...base, postgres: { storage: "5Gi" } },
      key: `${PROJECT}:postgres.storage`,
      says: /only the local profile reads it/,
    },
    {
      what: "a typo in the config namespace",
      config: { "nextjs-infr:app": "{}" },
      key: "nextjs-infr:app",
      says: /which nothing reads.*did you mean nextjs-infra:app\?/,
    },
    {
      what: "production without TLS",
      stack: "prod",
      config: { ...base, ingress: { host: "www.example.com", tls: false } },
      key: `${PROJECT}:ingress.tls`,
      says: /over TLS/,
    },
    {
      what: "production without await",
      stack: "prod",
      config: { ...base, kubernetes: { skipAwait: true } },
      key: `${PROJECT}:kubernetes.skipAwait`,
      says: /only the local, dev, preview profiles read it/,
    },
    {
      what: "production on a laptop host",
      stack: "prod",
      config: { ...base, ingress: { host: "web.localhost" } },
      key: `${PROJECT}:ingress.host`,
      says: /not a laptop's \*\.localhost/,
    },
    {
      what: "production with one replica and no autoscaler",
      stack: "prod",
      config: { ...base, autoscaling: { enabled: false }, disruptionBudget: { enabled: false } },
      key: `${PROJECT}:autoscaling.enabled`,
      says: /rides out traffic spikes/,
    },
    {
      what: "production autoscaled from one replica",
      stack: "prod",
      config: { ...base, autoscaling: { minReplicas: 1 }, disruptionBudget: { enabled: false } },
      key: `${PROJECT}:autoscaling.minReplicas`,
      says: /at least 2/,
    },
    {
      what: "production without a disruption budget",
      stack: "prod",
      config: { ...base, disruptionBudget: { enabled: false } },
      key: `${PROJECT}:disruptionBudget.enabled`,
      says: /node drain/,
    },
    {
      what: "app secrets that override what the program sets",
      config: {},
      secrets: { appSecrets: JSON.stringify({ NODE_ENV: "development" }) },
      key: `${PROJECT}:appSecrets.NODE_ENV`,
      says: /set by the program itself/,
    },
  ];
  for (const c of cases) {
    it(`refuses ${c.what}`, () => {
      const err = failure(() => resolve(c.stack ?? "local", c.config, c.secrets));
      const issue = err.issues.find((i) => i.key === c.key);
      assert.ok(issue, `no issue for ${c.key}; got ${JSON.stringify(err.issues)}`);
      assert.match(issue.message, c.says);
    });
  }

  it("accepts plain http to a Neon API double on loopback, and names that only look alike", () => {
    assert.equal(resolve("dev", { ...base, neonApiUrl: "http://127.0.0.1:4010/api/v2" }).profile, "dev");
    assert.deepEqual(resolve("local", { app: { env: { NEXT_PUBLIC_SITE_NAME: "x", KEYBOARD_LAYOUT: "us", MONKEY_NAME: "y" } } }).app.env, {
      NEXT_PUBLIC_SITE_NAME: "x",
      KEYBOARD_LAYOUT: "us",
      MONKEY_NAME: "y",
    });
  });
});

describe("settings: previews need only what a preview uses", () => {
  it("plans a Neon stack without a Neon key (a preview calls no Neon API), but `up` refuses", () => {
    const config = Object.fromEntries(Object.entries(base).map(([k, v]) => [`${PROJECT}:${k}`, JSON.stringify(v)]));
    const input = {
      project: PROJECT,
      stack: "dev",
      config,
      secretKeys: new Set<string>(),
      env: { DOPPLER_TOKEN: "x", GITHUB_TOKEN: "x" },
      projectConfig: PROJECT_LEVEL,
    };
    assert.equal(resolveSettings({ ...input, dryRun: true }).role, "app");
    const err = failure(() => resolveSettings({ ...input, dryRun: false }));
    assert.deepEqual(
      err.issues.map((i) => i.key),
      [`${PROJECT}:neonApiKey`],
    );
  });
});

describe("settings: the documented table", () => {
  it("documents every key of the schema, and nothing the schema lacks", () => {
    const schemaKeys = (shape: Record<string, z.ZodType>, prefix = ""): string[] =>
      Object.entries(shape).flatMap(([k, v]) => {
        const path = prefix ? `${prefix}.${k}` : k;
        const inner = v instanceof z.ZodOptional ? v.unwrap() : v;
        return inner instanceof z.ZodObject && !PLAIN_KEYS[path] ? schemaKeys(inner.shape, path) : [path];
      });
    assert.deepEqual(schemaKeys(ConfigSchema.shape as Record<string, z.ZodType>).sort(), Object.keys(PLAIN_KEYS).sort());
    assert.deepEqual(Object.keys(SECRET_KEY_DOCS).sort(), Object.keys(SECRET_KEYS).sort());
    for (const k of Object.keys(PLAIN_KEYS)) assert.notEqual(typeOf(k), "?", k);
  });

  it("is what docs/settings.md shows (regenerate with npm run docs)", () => {
    assert.deepEqual(placement().settings, ["docs/settings.md"]);
    const page = fs.readFileSync(path.join(ROOT, "docs", "settings.md"), "utf8");
    assert.equal(withTables(page, { settings: sections().settings }), page, "docs/settings.md's settings table is stale: run `npm run docs`");
    assert.ok(page.includes("| `neon.previewTtlDays` | integer 1–29 | preview |"), "the table carries type, range and profiles");
  });
});
