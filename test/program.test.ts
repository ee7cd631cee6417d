import { strict as assert } from "assert";
import { allStrings, committedConfig, fakeDigest, isSecretValue, RecordingMocks, renderProgram, secretOf, useMocks, valueOf } from "./mocks";

const DB = "postgresql://app:Zq8-very-secret@pooler.example/app";
const SECRETS = { databaseUrl: DB };
const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const SHA = "0123456789abcdef0123456789abcdef01234567";

/** Renders index.ts for a stack with its committed config plus `extra`. */
async function program(stack: string, extra: Record<string, unknown> = {}, opts: { preview?: boolean; secrets?: Record<string, string> } = {}) {
  const mocks = await useMocks(stack, { ...committedConfig(stack), ...extra }, opts.secrets ?? SECRETS, opts);
  const outputs = await renderProgram();
  await valueOf(outputs.namespace);
  await mocks.settle();
  return { mocks, outputs };
}

function types(mocks: RecordingMocks): string[] {
  return [...new Set(mocks.registrations.map((r) => r.type))].sort();
}

describe("the whole program", () => {
  const savedSha = process.env.GITHUB_SHA;
  before(() => {
    process.env.GITHUB_SHA = SHA;
  });
  after(() => {
    if (savedSha === undefined) delete process.env.GITHUB_SHA;
    else process.env.GITHUB_SHA = savedSha;
  });

  it("renders local: builds into the local registry, plain HTTP on web.localhost", async () => {
    const { mocks, outputs } = await program("local");
    assert.equal(outputs.stackProfile, "local");
    assert.equal(await valueOf(outputs.url), "http://web.localhost");
    assert.equal(await valueOf(outputs.namespace), "web-local");
    assert.equal(await valueOf(outputs.imageRef), `localhost:5001/web@${fakeDigest("web-image-build")}`);
    const build = mocks.one("docker-build:index:Image").inputs;
    assert.deepEqual(build.tags, [`localhost:5001/web:${SHA}`, "localhost:5001/web:local"]);
    assert.equal(build.cacheTo, undefined, "Pulumi.local.yaml turns the registry cache off");
    assert.equal(build.buildOnPreview, false);
    assert.ok(!types(mocks).includes("kubernetes:autoscaling/v2:HorizontalPodAutoscaler"));
  });

  it("renders dev: one replica, TLS host, cache shared with previews", async () => {
    const { mocks, outputs } = await program("dev");
    assert.equal(await valueOf(outputs.url), "https://dev.example.com");
    const build = mocks.one("docker-build:index:Image").inputs;
    assert.deepEqual(build.cacheFrom, [{ registry: { ref: "ghcr.io/acme/web:buildcache-dev" } }]);
    assert.equal(build.buildOnPreview, true);
    assert.deepEqual(build.labels, { "org.opencontainers.image.revision": SHA });
    const d = mocks.one(DEPLOYMENT).inputs;
    assert.equal(d.spec.replicas, 1);
    const cm = mocks.one("kubernetes:core/v1:ConfigMap").inputs.data;
    assert.equal(cm.SENTRY_ENVIRONMENT, "dev");
    assert.equal(cm.SENTRY_RELEASE, SHA);
    assert.equal(cm.NEXT_PUBLIC_SITE_NAME, "Acme (dev)");
    assert.ok(!types(mocks).includes("kubernetes:policy/v1:PodDisruptionBudget"));
  });

  it("renders prod: promoted digest, autoscaling, disruption budget, protected namespace", async () => {
    const ref = `ghcr.io/acme/web@sha256:${"d".repeat(64)}`;
    const { mocks, outputs } = await program("prod", { "nextjs-infra:image": { ref } });
    assert.equal(await valueOf(outputs.imageRef), ref);
    assert.equal(mocks.ofType("docker-build:index:Image").length, 0, "prod never rebuilds a promoted image");
    assert.equal(mocks.one(DEPLOYMENT).inputs.spec.template.spec.containers[0].image, ref);
    assert.equal(mocks.one("kubernetes:autoscaling/v2:HorizontalPodAutoscaler").inputs.spec.minReplicas, 3);
    assert.equal(mocks.one("kubernetes:policy/v1:PodDisruptionBudget").inputs.spec.minAvailable, 2);
    assert.equal(await valueOf(outputs.url), "https://www.example.com");
  });

  it("renders pr-42: its own namespace and host, previews skip the build", async () => {
    const { mocks, outputs } = await program("pr-42");
    assert.equal(outputs.stackProfile, "preview");
    assert.equal(outputs.pullRequest, 42);
    assert.equal(await valueOf(outputs.namespace), "web-pr-42");
    assert.equal(await valueOf(outputs.url), "https://pr-42.preview.example.com");
    const build = mocks.one("docker-build:index:Image").inputs;
    assert.equal(build.buildOnPreview, false);
    assert.deepEqual(build.cacheFrom.map((c: any) => c.registry.ref), ["ghcr.io/acme/web:buildcache-pr-42", "ghcr.io/acme/web:buildcache-dev"]);
    assert.equal(mocks.one("kubernetes:core/v1:ConfigMap").inputs.data.SENTRY_ENVIRONMENT, "preview");
  });

  for (const stack of ["local", "dev", "prod", "pr-42"]) {
    it(`keeps every secret out of plaintext for ${stack}`, async () => {
      const { mocks, outputs } = await program(stack);
      assert.equal(await secretOf(outputs.databaseUrl), true, "the exported connection string is secret");
      for (const r of mocks.registrations) {
        if (r.type === "kubernetes:core/v1:Secret") {
          assert.ok(isSecretValue(r.raw.stringData));
          continue;
        }
        assert.ok(!allStrings(r.inputs).some((v) => v.includes("Zq8-very-secret")), `${r.type} ${r.name} holds a secret in plaintext`);
      }
      for (const d of [...mocks.ofType(DEPLOYMENT), ...mocks.ofType("kubernetes:batch/v1:Job")]) {
        for (const c of d.inputs.spec.template.spec.containers) {
          assert.equal(c.env, undefined, "no literal env values");
          assert.match(c.image, /@sha256:[a-f0-9]{64}$/, "image pinned by digest");
        }
      }
    });
  }

  it("fails on bad config before registering a single resource", async () => {
    const mocks = await useMocks("dev", { ...committedConfig("dev"), "nextjs-infra:app": { port: 80 } }, SECRETS);
    await assert.rejects(renderProgram(), (e: Error) => {
      assert.match(e.message, /nextjs-infra:app\.port: got 80, expected a TCP port from 1024 to 65535/);
      return true;
    });
    await mocks.settle();
    assert.equal(mocks.registrations.length, 0);
  });

  it("refuses an unknown stack with the valid forms", async () => {
    const mocks = await useMocks("qa", {}, SECRETS);
    await assert.rejects(renderProgram(), /stack "qa" has no profile; valid stacks: `local`, `dev`, `prod`, `pr-<pull request number>`/);
    assert.equal(mocks.registrations.length, 0);
  });

  it("asks for the same build in preview as in up (docker-build itself never exports in a preview)", async () => {
    const preview = (await program("dev", {}, { preview: true })).mocks.one("docker-build:index:Image").inputs;
    const up = (await program("dev")).mocks.one("docker-build:index:Image").inputs;
    assert.deepEqual(preview, up);
  });
});
