import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { fakeDigest, isSecretValue, RecordingMocks, useMocks, valueOf } from "./mocks";

const DIGEST = `sha256:${"b".repeat(64)}`;

describe("AppImage", () => {
  let mocks: RecordingMocks;
  let mod: typeof import("../components/app-image");

  beforeEach(async () => {
    mocks = await useMocks("dev");
    mod = await import("../components/app-image");
  });

  it("builds with BuildKit, pushes, and returns the image by digest", async () => {
    const image = new mod.AppImage("web-image", {
      build: { repository: "ghcr.io/acme/web", context: "app", tags: ["abc1234", "dev"], buildArgs: { NEXT_PUBLIC_SITE_NAME: "Acme" } },
    });
    const ref = await valueOf(image.imageRef);
    assert.equal(ref, `ghcr.io/acme/web@${fakeDigest("web-image-build")}`);
    const build = mocks.one("docker-build:index:Image").inputs;
    assert.equal(build.push, true);
    assert.deepEqual(build.tags, ["ghcr.io/acme/web:abc1234", "ghcr.io/acme/web:dev"]);
    assert.deepEqual(build.context, { location: "app" });
    assert.deepEqual(build.dockerfile, { location: "app/Dockerfile" });
    assert.deepEqual(build.platforms, ["linux/amd64"]);
    assert.deepEqual(build.buildArgs, { NEXT_PUBLIC_SITE_NAME: "Acme" });
    assert.equal(build.buildOnPreview, true);
    assert.equal(build.registries, undefined, "ambient docker login when no credentials are given");
  });

  it("imports and exports a registry cache so dependency layers are reused", async () => {
    new mod.AppImage("web-image", {
      build: {
        repository: "ghcr.io/acme/web-preview",
        context: "app",
        cache: { to: "ghcr.io/acme/web-preview:buildcache-pr-42", from: ["ghcr.io/acme/web:buildcache-dev"] },
      },
    });
    await mocks.settle();
    const build = mocks.one("docker-build:index:Image").inputs;
    assert.deepEqual(build.cacheFrom, [
      { registry: { ref: "ghcr.io/acme/web-preview:buildcache-pr-42" } },
      { registry: { ref: "ghcr.io/acme/web:buildcache-dev" } },
    ]);
    assert.deepEqual(
      build.cacheTo,
      [{ registry: { ref: "ghcr.io/acme/web-preview:buildcache-pr-42", mode: "max", imageManifest: true, ociMediaTypes: true } }],
      "exports only to its own reference",
    );
  });

  it("passes target, platforms, preview policy and credentials (password kept secret)", async () => {
    new mod.AppImage("web-image", {
      build: {
        repository: "ghcr.io/acme/web",
        context: "app",
        dockerfile: "app/Dockerfile.prod",
        target: "runner",
        platforms: ["linux/arm64"],
        buildOnPreview: false,
      },
      registry: { address: "ghcr.io", username: "acme-bot", password: pulumi.secret("ghp_x") },
    });
    await mocks.settle();
    const build = mocks.one("docker-build:index:Image");
    assert.equal(build.inputs.target, "runner");
    assert.deepEqual(build.inputs.platforms, ["linux/arm64"]);
    assert.equal(build.inputs.buildOnPreview, false);
    assert.deepEqual(build.inputs.dockerfile, { location: "app/Dockerfile.prod" });
    assert.deepEqual(build.inputs.registries, [{ address: "ghcr.io", username: "acme-bot", password: "ghp_x" }]);
    assert.ok(isSecretValue(build.raw.registries), "registry credentials reach the provider as a secret");
  });

  it("skips the build for a prebuilt digest reference", async () => {
    const ref = `ghcr.io/acme/web@${DIGEST}`;
    const image = new mod.AppImage("web-image", { prebuilt: ref });
    assert.equal(await valueOf(image.imageRef), ref);
    await mocks.settle();
    assert.equal(mocks.ofType("docker-build:index:Image").length, 0);
  });

  it("resolves a prebuilt tag to its digest through the registry", async () => {
    mocks.onInvoke("docker:index/getRegistryImage:getRegistryImage", (inputs) => {
      assert.equal(inputs.name, "localhost:5001/web:1.4.2");
      return { name: inputs.name, sha256Digest: DIGEST };
    });
    const image = new mod.AppImage("web-image", { prebuilt: "localhost:5001/web:1.4.2" });
    assert.equal(await valueOf(image.imageRef), `localhost:5001/web@${DIGEST}`);
    await mocks.settle();
    assert.equal(mocks.ofType("docker-build:index:Image").length, 0);
  });

  it("needs exactly one of build and prebuilt", () => {
    assert.throws(() => new mod.AppImage("x", {}), /exactly one of `build` and `prebuilt`/);
    assert.throws(
      () => new mod.AppImage("y", { prebuilt: `a/b@${DIGEST}`, build: { repository: "a/b", context: "." } }),
      /exactly one of `build` and `prebuilt`/,
    );
  });

  it("reads the digest a stack runs from its own last deployment", async () => {
    mocks.deployed = { imageRef: `ghcr.io/acme/web@${DIGEST}`, migratorRef: `ghcr.io/acme/web@sha256:${"9".repeat(64)}` };
    assert.deepEqual(await mod.deployedImageRefs("organization/nextjs-infra/prod"), {
      imageRef: `ghcr.io/acme/web@${DIGEST}`,
      migratorRef: `ghcr.io/acme/web@sha256:${"9".repeat(64)}`,
    });
    assert.equal(mocks.one("pulumi:pulumi:StackReference").inputs.name, "organization/nextjs-infra/prod");
    mocks.deployed = { imageRef: "ghcr.io/acme/web:latest" };
    assert.deepEqual(await mod.deployedImageRefs("organization/nextjs-infra/other"), { imageRef: undefined, migratorRef: undefined }, "only a digest counts");
    mocks.deployed = {};
    assert.equal((await mod.deployedImageRefs("organization/nextjs-infra/new")).imageRef, undefined, "never deployed");
  });

  it("builds the migrator as its own image: same repository, its own tags and cache", async () => {
    const image = new mod.AppImage("web-image", {
      build: {
        repository: "ghcr.io/acme/web",
        context: "app",
        tags: ["abc1234", "dev"],
        migratorTarget: "migrator",
        cache: { to: "ghcr.io/acme/web:buildcache-dev", from: ["ghcr.io/acme/web:buildcache-dev"] },
      },
    });
    assert.equal(await valueOf(image.migratorRef!), `ghcr.io/acme/web@${fakeDigest("web-image-migrator-build")}`);
    await mocks.settle();
    const [app, migrator] = ["web-image-build", "web-image-migrator-build"].map((n) => mocks.registrations.find((r) => r.name === n)!.inputs);
    assert.equal(app.target, undefined, "the app image is the last stage, which holds no migration tooling");
    assert.equal(migrator.target, "migrator");
    assert.deepEqual(migrator.tags, ["ghcr.io/acme/web:migrator-abc1234", "ghcr.io/acme/web:migrator-dev"]);
    assert.deepEqual(migrator.cacheTo[0].registry.ref, "ghcr.io/acme/web:buildcache-dev-migrator");
  });

  it("parses repositories out of references", () => {
    assert.equal(mod.repositoryOf("ghcr.io/acme/web:1.2"), "ghcr.io/acme/web");
    assert.equal(mod.repositoryOf("localhost:5001/web:1.2"), "localhost:5001/web");
    assert.equal(mod.repositoryOf("localhost:5001/web"), "localhost:5001/web");
    assert.equal(mod.repositoryOf(`nginx@${DIGEST}`), "nginx");
    assert.deepEqual(mod.imageTags("r", ["a", "a", "b"]), ["r:a", "r:b"]);
  });
});
