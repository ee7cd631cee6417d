import { strict as assert } from "assert";
import { resolveSettings, Settings, SettingsError, resolveProfile } from "../stacks";
import { committedConfig, PROJECT, secretOf, valueOf } from "./mocks";

const KEY = "neon-api-key-s3cr3t-pa55";

/** Resolves settings from config written the way a user writes it (objects as objects). */
function resolve(
  stack: string,
  config: Record<string, unknown> = {},
  secrets: Record<string, string> = { neonApiKey: KEY },
  env: Record<string, string> = {},
  plaintext: Record<string, string> = {},
): Settings {
  const raw: Record<string, string> = {};
  const full = (k: string) => (k.includes(":") ? k : `${PROJECT}:${k}`);
  for (const [k, v] of Object.entries(config)) raw[full(k)] = typeof v === "string" ? v : JSON.stringify(v);
  for (const [k, v] of Object.entries({ ...secrets, ...plaintext })) raw[full(k)] = v;
  // Provider credentials come from the environment unless a test blanks them.
  const fullEnv = { DOPPLER_TOKEN: "dp.st.x", GITHUB_TOKEN: "gh", ...env };
  const s = resolveSettings({ project: PROJECT, stack, config: raw, secretKeys: new Set(Object.keys(secrets).map(full)), env: fullEnv });
  assert.equal(s.role, "app");
  return s;
}

/** Config that every non-local stack needs. */
const base = {
  image: { repository: "ghcr.io/acme/web" },
  ingress: { host: "dev.example.com", previewDomain: "preview.example.com" },
  neon: { projectId: "cool-pond-12345678" },
  doppler: { project: "web" },
  github: { repository: "acme/web" },
};

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
      platforms: ["linux/amd64"],
      buildArgs: {},
      buildOnPreview: false,
      cache: true,
      gitSha: undefined,
    });
    assert.deepEqual(s.ingress, { enabled: true, host: "web.localhost", className: undefined, clusterIssuer: undefined, tls: false });
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

  it("gives each profile its database", () => {
    const local = resolve("local").database;
    assert.equal(local.kind, "local");
    assert.match(local.kind === "local" ? local.image : "", /^postgres:17-alpine@sha256:[a-f0-9]{64}$/);

    const dev = resolve("dev", base).database;
    assert.ok(dev.kind === "neon");
    assert.deepEqual(dev.branch, { name: "dev", adoptDefault: false, protected: false });
    assert.deepEqual(dev.compute, { minCu: 0.25, maxCu: 1, suspendTimeoutSeconds: 300 });
    assert.equal(dev.projectId, "cool-pond-12345678");

    const preview = resolve("pr-42", base).database;
    assert.ok(preview.kind === "neon");
    assert.deepEqual(preview.branch, { name: "preview/pr-42", adoptDefault: false, parentName: "dev", protected: false, ttlDays: 7 });
    assert.deepEqual(preview.compute, { minCu: 0.25, maxCu: 0.25, suspendTimeoutSeconds: 60 });

    const prod = resolve("prod", { ...base, neon: {} }).database;
    assert.ok(prod.kind === "neon");
    assert.equal(prod.projectId, undefined, "prod may create the project");
    assert.deepEqual(prod.branch, { name: "main", adoptDefault: true, protected: true });
    assert.deepEqual(prod.project, { name: "web", regionId: "aws-us-east-2", pgVersion: 17, historyRetentionSeconds: 86400 });
  });

  it("takes the Neon API key from NEON_API_KEY as well", () => {
    assert.equal(resolve("dev", base, {}, { NEON_API_KEY: "k" }).profile, "dev");
  });

  it("lets a new stack pick a profile by config", () => {
    const s = resolve("staging", { ...base, profile: "prod" });
    assert.equal(s.profile, "prod");
    assert.equal(s.namespace, "web-staging");
    assert.equal(s.sentry.environment, "staging");
  });

  it("lets config override profile defaults key by key", () => {
    const s = resolve("prod", { ...base, app: { replicas: 4, resources: { limits: { memory: "2Gi" } } }, autoscaling: { maxReplicas: 12 } });
    assert.equal(s.app.replicas, 4);
    assert.deepEqual(s.app.resources, { requests: { cpu: "250m", memory: "512Mi" }, limits: { cpu: "1", memory: "2Gi" } });
    assert.deepEqual(s.autoscaling, { enabled: true, minReplicas: 2, maxReplicas: 12, targetCpuUtilization: 70 });
  });

  it("takes the git SHA from GITHUB_SHA unless config sets one, ignoring junk", () => {
    const sha = "0123456789abcdef0123456789abcdef01234567";
    assert.equal(resolve("dev", base, undefined, { GITHUB_SHA: sha }).image.gitSha, sha);
    assert.equal(resolve("dev", { ...base, image: { ...base.image, gitSha: "abcdef1" } }, undefined, { GITHUB_SHA: sha }).image.gitSha, "abcdef1");
    assert.equal(resolve("dev", base, undefined, { GITHUB_SHA: "not-a-sha" }).image.gitSha, undefined);
  });

  it("deploys a prebuilt image when image.ref is set, whether or not a repository is", () => {
    const ref = `ghcr.io/acme/web@sha256:${"a".repeat(64)}`;
    assert.deepEqual(resolve("prod", { ...base, image: { ...base.image, ref } }).image, { kind: "prebuilt", ref, pinned: true, gitSha: undefined });
    const tagged = resolve("dev", { ...base, image: { ref: "ghcr.io/acme/web:1.4.2" } }).image;
    assert.equal(tagged.kind === "prebuilt" && tagged.pinned, false);
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
    const dev = resolve("dev", committedConfig("dev"));
    assert.equal(dev.ingress.host, "dev.example.com");
    assert.equal(dev.ingress.className, "nginx");
    assert.equal(dev.image.kind === "build" && dev.image.repository, "ghcr.io/acme/web");
    const prod = resolve("prod", committedConfig("prod"));
    assert.equal(prod.autoscaling.minReplicas, 3);
    assert.equal(prod.disruptionBudget.minAvailable, 2);
    const local = resolve("local", committedConfig("local"));
    assert.equal(local.image.kind === "build" && local.image.cache, false);
    const preview = resolve("pr-7", committedConfig("pr-7"));
    assert.equal(preview.ingress.host, "pr-7.preview.example.com");
  });
});

describe("settings: bad input fails before anything is created, naming the key", () => {
  const cases: { what: string; stack?: string; config?: Record<string, unknown>; secrets?: Record<string, string>; plaintext?: Record<string, string>; key: string; says: RegExp }[] = [
    { what: "an unknown stack without a profile", stack: "qa", key: "stack name", says: /stack "qa" has no profile.*`pr-<pull request number>`/ },
    { what: "a malformed preview stack name", stack: "pr-abc", key: "stack name", says: /pr-<pull request number>, e\.g\. pr-42/ },
    { what: "a stack name that cannot name a namespace", stack: "Prod_EU", key: "stack name", says: /got "Prod_EU", expected lowercase letters/ },
    { what: "an unknown profile", stack: "qa", config: { profile: "production" }, key: `${PROJECT}:profile`, says: /got "production", expected one of local, dev, prod, preview/ },
    { what: "a profile that contradicts the stack name", stack: "pr-42", config: { profile: "prod" }, key: `${PROJECT}:profile`, says: /always runs the "preview" profile/ },
    { what: "an app name that is not a DNS label", config: { appName: "Web App" }, key: `${PROJECT}:appName`, says: /got "Web App", expected a DNS label/ },
    { what: "an image ref with neither tag nor digest", config: { image: { ref: "ghcr.io/acme/web" } }, key: `${PROJECT}:image.ref`, says: /@sha256:<64 hex digits>/ },
    { what: "a repository with a tag", config: { image: { repository: "ghcr.io/acme/web:latest" } }, key: `${PROJECT}:image.repository`, says: /without tag or digest/ },
    { what: "an unsupported platform", config: { image: { repository: "ghcr.io/acme/web", platforms: ["windows/amd64"] } }, key: `${PROJECT}:image.platforms.0`, says: /"linux\/amd64", "linux\/arm64"/ },
    { what: "a secret-looking build argument", config: { image: { repository: "ghcr.io/acme/web", buildArgs: { NEXTAUTH_SECRET: "x" } } }, key: `${PROJECT}:image.buildArgs.NEXTAUTH_SECRET`, says: /non-secret build argument only/ },
    { what: "a privileged port", config: { app: { port: 80 } }, key: `${PROJECT}:app.port`, says: /got 80, expected a TCP port from 1024 to 65535/ },
    { what: "a port written as a string", config: { app: { port: "3000" } }, key: `${PROJECT}:app.port`, says: /got "3000", expected a TCP port/ },
    { what: "a malformed memory limit", config: { app: { resources: { limits: { memory: "1GB" } } } }, key: `${PROJECT}:app.resources.limits.memory`, says: /got "1GB", expected a memory quantity/ },
    { what: "a log level that does not exist", config: { app: { logLevel: "verbose" } }, key: `${PROJECT}:app.logLevel`, says: /one of trace, debug, info/ },
    { what: "env that the program sets itself", config: { app: { env: { PORT: "8080" } } }, key: `${PROJECT}:app.env`, says: /no variable the program sets itself/ },
    { what: "a secret in plain env", config: { app: { env: { STRIPE_API_KEY: "sk" } } }, key: `${PROJECT}:app.env.STRIPE_API_KEY`, says: /Kubernetes Secret/ },
    { what: "autoscaling min above max", stack: "prod", config: { ...base, autoscaling: { minReplicas: 5, maxReplicas: 3 } }, key: `${PROJECT}:autoscaling.minReplicas`, says: /got 5, expected at most .*maxReplicas \(3\)/ },
    { what: "a disruption budget no drain could satisfy", stack: "prod", config: { ...base, disruptionBudget: { minAvailable: 2 } }, key: `${PROJECT}:disruptionBudget.minAvailable`, says: /fewer than the 2 replica/ },
    { what: "dev without a host", stack: "dev", config: { image: base.image }, key: `${PROJECT}:ingress.host`, says: /the public hostname/ },
    { what: "a preview without a preview domain", stack: "pr-3", config: { image: base.image }, key: `${PROJECT}:ingress.previewDomain`, says: /pr-<n>\.<domain>/ },
    { what: "a typo in a top-level key", config: { imag: { repository: "x" } }, key: `${PROJECT}:imag`, says: /unknown key/ },
    { what: "a typo in a nested key", config: { image: { repository: "ghcr.io/acme/web", tag: "v1" } }, key: `${PROJECT}:image.tag`, says: /unknown key/ },
    { what: "an object key holding a scalar", config: { image: "ghcr.io/acme/web" }, key: `${PROJECT}:image`, says: /expected an object/ },
    { what: "no repository and no ref", stack: "dev", config: { ingress: base.ingress }, key: `${PROJECT}:image.repository`, says: /or set nextjs-infra:image\.ref/ },
    { what: "a missing Neon API key", stack: "dev", config: base, secrets: {}, key: `${PROJECT}:neonApiKey`, says: /pulumi config set --secret neonApiKey <key> \(or export NEON_API_KEY\)/ },
    { what: "a Neon API key set in plaintext", stack: "dev", config: base, secrets: {}, plaintext: { neonApiKey: KEY }, key: `${PROJECT}:neonApiKey`, says: /got a plaintext value, expected a secret/ },
    { what: "dev without a Neon project id", stack: "dev", config: { image: base.image, ingress: base.ingress }, key: `${PROJECT}:neon.projectId`, says: /only a prod stack creates the project/ },
    { what: "a malformed Neon project id", stack: "dev", config: { ...base, neon: { projectId: "Not A Project" } }, key: `${PROJECT}:neon.projectId`, says: /a Neon project id/ },
    { what: "a preview expiry beyond Neon's limit", stack: "pr-1", config: { ...base, neon: { projectId: "p-1234", previewTtlDays: 45 } }, key: `${PROJECT}:neon.previewTtlDays`, says: /got 45, expected .*1 to 30/ },
    { what: "a Neon compute floor above its ceiling", stack: "dev", config: { ...base, neon: { projectId: "p-1234", minCu: 2, maxCu: 1 } }, key: `${PROJECT}:neon.minCu`, says: /got 2, expected at most nextjs-infra:neon\.maxCu \(1\)/ },
    { what: "a local Postgres image not pinned by digest", config: { postgres: { image: "postgres:17" } }, key: `${PROJECT}:postgres.image`, says: /pinned by digest/ },
    { what: "a Neon API URL that is not a URL", stack: "dev", config: { ...base, neonApiUrl: "neon" }, key: `${PROJECT}:neonApiUrl`, says: /http\(s\) URL/ },
    { what: "a registry user without a password", stack: "dev", config: { ...base, registry: { username: "bot" } }, key: `${PROJECT}:registryPassword`, says: /registry\.username is set/ },
    { what: "a registry password without a user name", stack: "dev", config: { ...base, image: { repository: "registry.example.com/acme/web" } }, secrets: { neonApiKey: KEY, registryPassword: "pw" }, key: `${PROJECT}:registry.username`, says: /registry\.example\.com/ },
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
    assert.deepEqual(err.issues.map((i) => i.key), [`${PROJECT}:ingress.clusterIssuer`]);
  });

  it("lists every problem at once", () => {
    const err = failure(() => resolve("local", { appName: "Bad!", app: { port: 22, logLevel: "loud" } }, {}));
    assert.deepEqual(err.issues.map((i) => i.key).sort(), [`${PROJECT}:app.logLevel`, `${PROJECT}:app.port`, `${PROJECT}:appName`]);
    const late = failure(() => resolve("dev", { image: base.image, ingress: base.ingress }, {}));
    assert.deepEqual(late.issues.map((i) => i.key), [`${PROJECT}:neon.projectId`, `${PROJECT}:neonApiKey`, `${PROJECT}:doppler.project`, `${PROJECT}:github.repository`]);
  });

  it("never echoes a secret value", () => {
    const err = failure(() => resolve("local", {}, {}, {}, { neonApiKey: KEY, registryPassword: "hunter2-token" }));
    assert.ok(!err.message.includes("s3cr3t-pa55"));
    assert.ok(!err.message.includes("hunter2-token"));
    assert.match(err.message, /registryPassword: got a plaintext value/);
  });

  it("ignores other namespaces (providers own them)", () => {
    const s = resolve("local", { "kubernetes:context": "kind-kind", "doppler:dopplerToken": "x" });
    assert.equal(s.profile, "local");
  });
});

describe("settings: secrets, GitHub and cluster stacks", () => {
  it("points each profile at its Doppler config", () => {
    assert.deepEqual(resolve("dev", base).secrets.doppler, { project: "web", environment: "dev", config: "dev", branch: false, sync: "snapshot" });
    assert.deepEqual(resolve("prod", base).secrets.doppler, { project: "web", environment: "prd", config: "prd", branch: false, sync: "snapshot" });
    assert.deepEqual(resolve("pr-42", base).secrets.doppler, { project: "web", environment: "dev", config: "dev_pr_42", branch: true, sync: "snapshot" });
    assert.equal(resolve("local").secrets.doppler, undefined);
    assert.equal(resolve("prod", { ...base, doppler: { project: "web", sync: "operator" } }).secrets.doppler?.sync, "operator");
  });

  it("reads local app secrets from the secret config map, keeping values secret", async () => {
    const s = resolve("local", {}, { appSecrets: JSON.stringify({ SENTRY_DSN: "https://k@o1.ingest.example/1" }) });
    assert.deepEqual(Object.keys(s.secrets.local ?? {}), ["SENTRY_DSN"]);
    assert.equal(await secretOf(s.secrets.local!.SENTRY_DSN), true);
    assert.equal(resolve("local", { secrets: { rotation: "2026-11" } }).secrets.rotation, "2026-11");
  });

  it("gives dev and prod a GitHub environment, previews none", () => {
    const dev = resolve("dev", base).github;
    assert.deepEqual(dev && { ...dev, token: undefined }, {
      owner: "acme", repository: "web", environment: "dev", reviewers: { users: [], teams: [] }, mainOnly: false, token: undefined, secrets: {}, repositorySecrets: {},
    });
    const prod = resolve("prod", { ...base, github: { repository: "acme/web", reviewers: { teams: ["platform"] } } }).github;
    assert.deepEqual([prod?.environment, prod?.mainOnly, prod?.reviewers.teams], ["production", true, ["platform"]]);
    assert.equal(resolve("pr-42", base).github, undefined);
    assert.equal(resolve("local").github, undefined);
  });

  it("takes the GitHub token from config as a secret", async () => {
    const s = resolve("dev", base, { neonApiKey: KEY, "github:token": "ghp_x" }, { GITHUB_TOKEN: "" });
    assert.equal(await secretOf(s.github!.token!), true);
  });

  const bad: { what: string; stack: string; config: Record<string, unknown>; secrets?: Record<string, string>; plaintext?: Record<string, string>; env?: Record<string, string>; key: string; says: RegExp }[] = [
    { what: "a missing Doppler project", stack: "dev", config: { ...base, doppler: {} }, key: `${PROJECT}:doppler.project`, says: /the Doppler project/ },
    { what: "a missing Doppler token", stack: "dev", config: base, env: { DOPPLER_TOKEN: "" }, key: "doppler:dopplerToken", says: /pulumi config set --secret doppler:dopplerToken/ },
    { what: "a Doppler token in plaintext", stack: "dev", config: base, plaintext: { "doppler:dopplerToken": "dp.pt.x" }, key: "doppler:dopplerToken", says: /got a plaintext value/ },
    { what: "an unknown sync mode", stack: "dev", config: { ...base, doppler: { project: "web", sync: "push" } }, key: `${PROJECT}:doppler.sync`, says: /snapshot .* or operator/ },
    { what: "a malformed owner/name", stack: "dev", config: { ...base, github: { repository: "acme" } }, key: `${PROJECT}:github.repository`, says: /got "acme", expected owner\/name/ },
    { what: "reviewers on a non-production environment", stack: "dev", config: { ...base, github: { repository: "acme/web", reviewers: { users: ["octocat"] } } }, key: `${PROJECT}:github.reviewers`, says: /gate production only/ },
    { what: "a missing GitHub token", stack: "prod", config: base, env: { GITHUB_TOKEN: "" }, key: "github:token", says: /GITHUB_TOKEN/ },
    { what: "a GitHub environment on a preview", stack: "pr-3", config: { ...base, github: { enabled: true, repository: "acme/web" } }, key: `${PROJECT}:github.enabled`, says: /create nothing on GitHub/ },
    { what: "app secrets on a Doppler stack", stack: "dev", config: base, secrets: { neonApiKey: KEY, appSecrets: "{}" }, key: `${PROJECT}:appSecrets`, says: /only the local profile/ },
    { what: "a badly named local secret", stack: "local", config: {}, secrets: { appSecrets: JSON.stringify({ "sentry-dsn": "x" }) }, key: `${PROJECT}:appSecrets.sentry-dsn`, says: /UPPER_SNAKE_CASE/ },
    { what: "preview repository secrets outside dev", stack: "prod", config: base, secrets: { neonApiKey: KEY, previewCiSecrets: "{}" }, key: `${PROJECT}:previewCiSecrets`, says: /dev stack only/ },
    { what: "app keys on a cluster stack", stack: "cluster-eu1", config: { image: { repository: "ghcr.io/acme/web" } }, key: `${PROJECT}:image`, says: /a cluster stack reads only/ },
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
    const s = resolveSettings({ project: PROJECT, stack: "cluster-eu1", config: { [`${PROJECT}:cluster`]: JSON.stringify({ certManager: { enabled: true, version: "1.16.1" } }) }, secretKeys: new Set(), env: {} });
    assert.ok(s.role === "cluster");
    assert.deepEqual([s.dopplerOperator, s.certManager, s.ingressNginx], [{ enabled: true, version: undefined }, { enabled: true, version: "1.16.1" }, { enabled: false, version: undefined }]);
  });
});
