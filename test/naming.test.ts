import { strict as assert } from "assert";
import { dnsLabel, digestOf, migrationJobName, namespaceName } from "../components/naming";
import { registryOf } from "../components/registry";

describe("naming", () => {
  it("builds namespaces as <app>-<stack>", () => {
    assert.equal(namespaceName("web", "pr-42"), "web-pr-42");
    assert.equal(namespaceName("web", "dev"), "web-dev");
  });

  it("keeps long names within 63 characters without collisions", () => {
    const a = dnsLabel(["a".repeat(40), "stack-one-with-a-long-name"]);
    const b = dnsLabel(["a".repeat(40), "stack-two-with-a-long-name"]);
    assert.ok(a.length <= 63 && b.length <= 63);
    assert.notEqual(a, b);
    assert.match(a, /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
  });

  it("normalizes characters a DNS label cannot hold", () => {
    assert.equal(dnsLabel(["Web_App", "--x--"]), "web-app-x");
  });

  it("reads digests and names migration Jobs after them", () => {
    const digest = `sha256:${"0123456789ab".repeat(5)}0123`;
    assert.equal(digestOf(`ghcr.io/acme/web@${digest}`), digest);
    assert.equal(digestOf("ghcr.io/acme/web:1.0"), undefined);
    assert.equal(migrationJobName("web", `ghcr.io/acme/web@${digest}`), "web-migrate-0123456789ab");
  });
});

describe("registryOf", () => {
  const env = { GITHUB_ACTOR: "octocat" };
  const cases: [string, string, string, string | undefined][] = [
    ["ghcr.io/acme/web", "ghcr.io", "ghcr", "octocat"],
    ["123456789012.dkr.ecr.eu-west-1.amazonaws.com/web", "123456789012.dkr.ecr.eu-west-1.amazonaws.com", "ecr", "AWS"],
    ["europe-docker.pkg.dev/acme/apps/web", "europe-docker.pkg.dev", "gar", "oauth2accesstoken"],
    ["acme.azurecr.io/web", "acme.azurecr.io", "acr", undefined],
    ["acme/web", "docker.io", "dockerhub", undefined],
    ["docker.io/acme/web", "docker.io", "dockerhub", undefined],
    ["localhost:5001/web", "localhost:5001", "other", undefined],
  ];
  for (const [ref, address, kind, user] of cases) {
    it(`classifies ${ref}`, () => {
      const info = registryOf(ref);
      assert.equal(info.address, address);
      assert.equal(info.kind, kind);
      assert.equal(info.defaultUsername(env), user);
    });
  }
});
