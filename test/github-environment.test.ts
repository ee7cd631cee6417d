import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { isSecretValue, RecordingMocks, useMocks, valueOf } from "./mocks";

describe("GithubEnvironment", () => {
  let mocks: RecordingMocks;
  let mod: typeof import("../components/github-environment");

  beforeEach(async () => {
    mocks = (await useMocks("prod")).withServiceInvokes();
    mod = await import("../components/github-environment");
  });

  it("production: required reviewers by id, self-review prevented, main only", async () => {
    const env = new mod.GithubEnvironment("gh", {
      repository: "web",
      environment: "production",
      reviewers: { users: ["octocat"], teams: ["platform"] },
      mainOnly: true,
    });
    assert.equal(await valueOf(env.environment), "production");
    await mocks.settle();
    const e = mocks.one("github:index/repositoryEnvironment:RepositoryEnvironment").inputs;
    assert.deepEqual(e.reviewers, [{ users: [1007], teams: [2008] }]);
    assert.equal(e.preventSelfReview, true);
    assert.equal(e.canAdminsBypass, false, "admins cannot skip production's reviewers");
    assert.deepEqual(e.deploymentBranchPolicy, { protectedBranches: false, customBranchPolicies: true });
    const policy = mocks.one("github:index/repositoryEnvironmentDeploymentPolicy:RepositoryEnvironmentDeploymentPolicy").inputs;
    assert.deepEqual([policy.environment, policy.branchPattern], ["production", "main"]);
  });

  it("preview: no reviewers, no branch policy", async () => {
    new mod.GithubEnvironment("gh", { repository: "web", environment: "preview" });
    await mocks.settle();
    const e = mocks.one("github:index/repositoryEnvironment:RepositoryEnvironment").inputs;
    assert.equal(e.reviewers, undefined);
    assert.equal(e.deploymentBranchPolicy, undefined);
    assert.equal(e.canAdminsBypass, false);
    assert.equal(mocks.ofType("github:index/repositoryEnvironmentDeploymentPolicy:RepositoryEnvironmentDeploymentPolicy").length, 0);
  });

  it("sets secrets as environment secrets, never repository secrets", async () => {
    new mod.GithubEnvironment("gh", { repository: "web", environment: "dev", secrets: { DOPPLER_TOKEN: pulumi.secret("dp.st.x") } });
    await mocks.settle();
    const secret = mocks.one("github:index/actionsEnvironmentSecret:ActionsEnvironmentSecret");
    assert.deepEqual([secret.inputs.secretName, secret.inputs.environment], ["DOPPLER_TOKEN", "dev"]);
    assert.ok(isSecretValue(secret.raw.value));
    assert.equal(mocks.ofType("github:index/actionsSecret:ActionsSecret").length, 0);
  });

  it("refuses names GitHub would refuse", () => {
    assert.deepEqual(["OK_NAME", "GITHUB_TOKEN", "bad-name", "1X"].filter(mod.isGithubReservedName), ["GITHUB_TOKEN", "bad-name", "1X"]);
    assert.throws(() => new mod.GithubEnvironment("bad", { repository: "web", environment: "dev", secrets: { "APP-URL": "x" } }), /got APP-URL/);
  });
});
