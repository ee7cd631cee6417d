import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { FAKE, isSecretValue, RecordingMocks, secretOf, useMocks, valueOf } from "./mocks";
import type { AppSecretsArgs } from "../components/app-secrets";

const DOPPLER_SECRET = "doppler:index/secret:Secret";
const K8S_SECRET = "kubernetes:core/v1:Secret";
const GET_SECRETS = "doppler:index/getSecrets:getSecrets";

function args(overrides: Partial<AppSecretsArgs> = {}): AppSecretsArgs {
  return {
    appName: "web",
    namespace: "web-dev",
    doppler: { project: "web", environment: "dev", config: "dev" },
    ...overrides,
  };
}

describe("AppSecrets", () => {
  let mocks: RecordingMocks;
  let mod: typeof import("../components/app-secrets");

  async function render(a: AppSecretsArgs) {
    const s = new mod.AppSecrets("web-secrets", a);
    await valueOf(s.secretName);
    await mocks.settle();
    return s;
  }

  beforeEach(async () => {
    mocks = (await useMocks("dev")).withServiceInvokes();
    mod = await import("../components/app-secrets");
  });

  it("writes the one secret Pulumi owns into the stack's Doppler config, as a secret (database URLs live in one place: the app's database Secret)", async () => {
    await render(args());
    const written = mocks.ofType(DOPPLER_SECRET);
    assert.deepEqual(written.map((r) => r.inputs.name).sort(), ["NEXTAUTH_SECRET"]);
    for (const r of written) {
      assert.equal(r.inputs.project, "web");
      assert.equal(r.inputs.config, "dev");
      assert.ok(isSecretValue(r.raw.value), `${r.inputs.name} is written as a secret`);
    }
    assert.ok(!written.some((r) => r.inputs.name === "SENTRY_DSN"), "secrets people own are never written");
    const nextauth = mocks.one("pulumi-nodejs:dynamic/nextjs-infra:GeneratedSecret");
    assert.equal(nextauth.inputs.rotation, "1");
    assert.ok(nextauth.inputs.length >= 32);
    assert.ok(nextauth.options.additionalSecretOutputs.includes("value"), "the generated value is encrypted in state");
  });

  it("snapshot: copies the Doppler config into one Kubernetes Secret, secret and checksummed", async () => {
    const s = await render(args());
    const read = mocks.calls.filter((c) => c.token === GET_SECRETS);
    assert.deepEqual(
      read.map((c) => [c.inputs.project, c.inputs.config]),
      [["web", "dev"]],
    );
    const secret = mocks.one(K8S_SECRET);
    assert.equal(secret.inputs.metadata.name, "web-env");
    assert.equal(secret.inputs.metadata.namespace, "web-dev");
    assert.ok(isSecretValue(secret.raw.stringData), "the provider's unmarked map is made secret");
    assert.deepEqual(secret.inputs.stringData, { SENTRY_DSN: FAKE.sentryDsn }, "Doppler's own DOPPLER_* keys are left out");
    assert.equal(await valueOf(s.secretName), "web-env");
    assert.match(await valueOf(s.checksum!), /^[a-f0-9]{64}$/);
    assert.equal(await secretOf(s.checksum!), false, "the checksum can annotate pods without hiding the spec");
    assert.deepEqual(s.deploymentAnnotations, {});
  });

  it("snapshot: a change in Doppler changes the checksum (and so rolls the pods)", async () => {
    const before = await valueOf((await render(args())).checksum!);
    mocks = await useMocks("dev");
    mocks.onInvoke(GET_SECRETS, () => ({ id: "x", map: { SENTRY_DSN: "https://other@o1.ingest.example/42" } }));
    const after = await valueOf((await render(args())).checksum!);
    assert.notEqual(after, before);
  });

  it("preview: creates a branch config of dev, writes to it and reads it", async () => {
    const s = await render(args({ doppler: { project: "web", environment: "dev", config: "dev_pr_42", branch: true } }));
    const branch = mocks.one("doppler:index/branchConfig:BranchConfig").inputs;
    assert.deepEqual(branch, { project: "web", environment: "dev", name: "dev_pr_42" });
    assert.ok(mocks.ofType(DOPPLER_SECRET).every((r) => r.inputs.config === "dev_pr_42"));
    assert.equal(mocks.calls.find((c) => c.token === GET_SECRETS)?.inputs.config, "dev_pr_42");
    assert.equal(await valueOf(s.dopplerConfig!), "dev_pr_42");
  });

  it("operator: a read-only token, its Secret and a DopplerSecret, and a reload marker for the Deployment", async () => {
    const s = await render(args({ doppler: { project: "web", environment: "prd", config: "prd", sync: "operator" } }));
    assert.equal(mocks.calls.filter((c) => c.token === GET_SECRETS).length, 0, "Pulumi does not read the config itself");
    const token = mocks.one("doppler:index/serviceToken:ServiceToken").inputs;
    assert.deepEqual([token.config, token.access], ["prd", "read"]);
    const tokenSecret = mocks.one(K8S_SECRET);
    assert.ok(isSecretValue(tokenSecret.raw.stringData));
    assert.equal(tokenSecret.inputs.stringData.serviceToken, FAKE.dopplerToken);
    const cr = mocks.one("kubernetes:secrets.doppler.com/v1alpha1:DopplerSecret").inputs;
    assert.deepEqual(cr.spec.managedSecret, { name: "web-env", namespace: "web-dev", type: "Opaque" });
    assert.equal(cr.spec.tokenSecret.name, "web-doppler-token");
    assert.deepEqual(s.deploymentAnnotations, { "secrets.doppler.com/reload": "true" });
    assert.equal(await valueOf(s.secretName), "web-env", "both modes end in the same Secret name");
    assert.equal(s.checksum, undefined);
  });

  it("local: no Doppler; the Secret holds the stack's own secrets and the generated ones", async () => {
    const s = await render(args({ doppler: undefined, local: { SENTRY_DSN: pulumi.secret("https://k@o1.ingest.example/1") }, rotation: "2026-11" }));
    assert.equal(mocks.registrations.filter((r) => r.type.startsWith("doppler:")).length, 0);
    const secret = mocks.one(K8S_SECRET);
    assert.deepEqual(Object.keys(secret.inputs.stringData).sort(), ["NEXTAUTH_SECRET", "SENTRY_DSN"]);
    assert.equal(secret.inputs.stringData.NEXTAUTH_SECRET, FAKE.nextauthSecret);
    assert.ok(isSecretValue(secret.raw.stringData));
    assert.equal(mocks.one("pulumi-nodejs:dynamic/nextjs-infra:GeneratedSecret").inputs.rotation, "2026-11");
    assert.match(await valueOf(s.checksum!), /^[a-f0-9]{64}$/);
  });

  it("needs exactly one of doppler and local", () => {
    assert.throws(() => new mod.AppSecrets("x", args({ doppler: undefined })), /exactly one of `doppler` and `local`/);
    assert.throws(() => new mod.AppSecrets("y", args({ local: {} })), /exactly one of `doppler` and `local`/);
  });
});
