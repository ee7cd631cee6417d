import { strict as assert } from "assert";
import { committedConfig, FAKE, fakeDigest, isSecretValue, plainStrings, RecordingMocks, renderProgram, useMocks, valueOf } from "./mocks";

const SECRETS = { neonApiKey: "neon-key-Zq8-very-secret", "doppler:dopplerToken": "dp.pt.Zq8-doppler" };
const SECRET_VALUES = ["Zq8-", FAKE.neonPassword, FAKE.localPassword, FAKE.dopplerToken, FAKE.sentryDsn];
const NEON = (kind: string) => `pulumi-nodejs:dynamic/neon:${kind}`;
const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const SHA = "0123456789abcdef0123456789abcdef01234567";

/** What prod runs already (its last deployment's output, read by a reference to itself). */
const DEPLOYED_REF = `ghcr.io/acme/web@sha256:${"c".repeat(64)}`;

/** The credentials a stack reads (local reads none). */
const secretsFor = (stack: string) => (stack === "local" ? {} : SECRETS);

/** Renders index.ts for a stack with its committed config plus `extra`. */
async function program(
  stack: string,
  extra: Record<string, unknown> = {},
  opts: { preview?: boolean; secrets?: Record<string, string>; deployed?: Record<string, unknown> } = {},
) {
  const mocks = (await useMocks(stack, { ...committedConfig(stack), ...extra }, opts.secrets ?? secretsFor(stack), opts)).withServiceInvokes();
  mocks.deployed = opts.deployed ?? { imageRef: DEPLOYED_REF };
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

  it("renders local: Postgres in the cluster, hardened and pinned, no Neon", async () => {
    const { mocks, outputs } = await program("local");
    assert.equal(mocks.registrations.filter((r) => r.type.startsWith("pulumi-nodejs:dynamic/neon")).length, 0);
    const sts = mocks.one("kubernetes:apps/v1:StatefulSet").inputs;
    const [c] = sts.spec.template.spec.containers;
    assert.match(c.image, /^postgres:17-alpine@sha256:[a-f0-9]{64}$/);
    assert.equal(sts.spec.template.spec.securityContext.runAsNonRoot, true);
    assert.equal(c.securityContext.readOnlyRootFilesystem, true);
    assert.deepEqual(c.securityContext.capabilities, { drop: ["ALL"] });
    assert.ok(c.readinessProbe && c.livenessProbe && c.resources.limits);
    assert.equal(sts.spec.volumeClaimTemplates[0].spec.resources.requests.storage, "1Gi");
    const appSecret = mocks.registrations.find((r) => r.name === "web-database")!;
    assert.equal(appSecret.inputs.stringData.DATABASE_URL, `postgresql://app:${FAKE.localPassword}@postgres.web-local.svc.cluster.local:5432/app`);
    assert.equal(appSecret.inputs.stringData.DIRECT_URL, appSecret.inputs.stringData.DATABASE_URL);
    assert.equal(outputs.databaseUrl, undefined, "the connection string lives in one place: the app's database Secret");
  });

  it("renders local: builds into the local registry, plain HTTP on web.localhost", async () => {
    const { mocks, outputs } = await program("local");
    assert.equal(outputs.stackProfile, "local");
    assert.equal(await valueOf(outputs.url), "http://web.localhost");
    assert.equal(await valueOf(outputs.namespace), "web-local");
    // A laptop cluster may have no ingress controller: up must not wait for an address there …
    const ingress = mocks.one("kubernetes:networking.k8s.io/v1:Ingress").inputs;
    assert.equal(ingress.metadata.annotations?.["pulumi.com/skipAwait"], "true");
    // … while every deployed profile does.
    const dev = await program("dev");
    assert.equal(dev.mocks.one("kubernetes:networking.k8s.io/v1:Ingress").inputs.metadata.annotations?.["pulumi.com/skipAwait"], undefined);
    assert.equal(await valueOf(outputs.imageRef), `localhost:5001/web@${fakeDigest("web-image-build")}`);
    const build = mocks.registrations.find((r) => r.name === "web-image-build")!.inputs;
    assert.deepEqual(build.tags, [`localhost:5001/web:${SHA}`, "localhost:5001/web:local"]);
    assert.equal(build.cacheTo, undefined, "Pulumi.local.yaml turns the registry cache off");
    assert.equal(build.buildOnPreview, false);
    assert.ok(!types(mocks).includes("kubernetes:autoscaling/v2:HorizontalPodAutoscaler"));
  });

  it("renders dev: one replica, TLS host, cache shared with previews", async () => {
    const { mocks, outputs } = await program("dev");
    assert.equal(await valueOf(outputs.url), "https://dev.example.com");
    const build = mocks.registrations.find((r) => r.name === "web-image-build")!.inputs;
    assert.deepEqual(build.cacheFrom, [{ registry: { ref: "ghcr.io/acme/web:buildcache-dev" } }]);
    assert.equal(build.buildOnPreview, true);
    assert.equal(build.labels, undefined, "nothing per-commit in the image: an unchanged app keeps its digest");
    assert.deepEqual(build.tags, [`ghcr.io/acme/web:${SHA}`, "ghcr.io/acme/web:dev"], "the commit is a tag, which does not change the digest");
    const d = mocks.one(DEPLOYMENT).inputs;
    assert.equal(d.spec.replicas, 1);
    const cm = mocks.one("kubernetes:core/v1:ConfigMap").inputs.data;
    assert.equal(cm.SENTRY_ENVIRONMENT, "dev");
    assert.equal(cm.SENTRY_RELEASE, fakeDigest("web-image-build"), "the release is the image's identity, not the commit's");
    assert.equal(cm.NEXT_PUBLIC_SITE_NAME, "Acme (dev)");
    assert.ok(!types(mocks).includes("kubernetes:policy/v1:PodDisruptionBudget"));
  });

  it("renders dev: a Neon branch of its own, pooled URL for the app, direct for migrations", async () => {
    const { mocks, outputs } = await program("dev");
    assert.equal(mocks.ofType(NEON("Project")).length, 0, "the project id comes from Pulumi.dev.yaml");
    const branch = mocks.one(NEON("Branch")).inputs;
    assert.equal(branch.projectId, "misty-river-13572468", "dev's own project: neither previews' key nor production's reaches it");
    assert.equal(branch.name, "dev");
    assert.equal(branch.adoptDefault, false);
    assert.equal(branch.expiresAt, undefined);
    assert.deepEqual((({ minCu, maxCu, suspendTimeoutSeconds }) => ({ minCu, maxCu, suspendTimeoutSeconds }))(mocks.one(NEON("Endpoint")).inputs), {
      minCu: 0.25,
      maxCu: 1,
      suspendTimeoutSeconds: 300,
    });
    assert.equal(mocks.one(NEON("Database")).inputs.ownerName, "app");
    const secret = mocks.registrations.find((r) => r.name === "web-database")!.inputs.stringData;
    const pooled = FAKE.neonHost.replace(/^([^.]+)/, "$1-pooler");
    assert.equal(secret.DATABASE_URL, `postgresql://app:${FAKE.neonPassword}@${pooled}/app?sslmode=require`);
    assert.equal(secret.DIRECT_URL, `postgresql://app:${FAKE.neonPassword}@${FAKE.neonHost}/app?sslmode=require`);
    assert.equal(await valueOf(outputs.databaseBranch), "dev");
    assert.ok(!mocks.registrations.some((r) => r.options.protect), "nothing in dev is protected");
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
    const pod = mocks.one(DEPLOYMENT).inputs.spec.template.spec;
    assert.equal(pod.topologySpreadConstraints[0].whenUnsatisfiable, "DoNotSchedule", "production's replicas never share a node that has a free neighbour");
    assert.equal(pod.priorityClassName, "nextjs-infra-production", "the class the cluster stack creates");
    const egress = mocks.registrations.find((r) => r.name === "web-allow-egress")!.inputs.spec.egress[0].to;
    assert.deepEqual(
      egress.map((p: any) => p.ipBlock.cidr),
      ["0.0.0.0/0", "::/0"],
      "public IPv4 and IPv6, private ranges excepted",
    );
  });

  it("renders prod: the default branch, protected in Neon and by Pulumi, kept on delete", async () => {
    const { mocks } = await program("prod");
    const branch = mocks.one(NEON("Branch"));
    assert.equal(branch.inputs.adoptDefault, true);
    assert.equal(branch.inputs.protected, true);
    assert.deepEqual([branch.options.protect, branch.options.retainOnDelete], [true, true]);
    const db = mocks.one(NEON("Database"));
    assert.deepEqual([db.options.protect, db.options.retainOnDelete], [true, true], "destroy cannot drop the database");
    assert.equal(mocks.one("kubernetes:core/v1:Namespace").options.protect, true);
    assert.equal(
      mocks.one("kubernetes:core/v1:Namespace").inputs.metadata.labels["nextjs-infra/profile"],
      "prod",
      "the policy pack's stack policies find the profile here",
    );
    assert.deepEqual(mocks.one(NEON("Endpoint")).inputs.minCu, 0.5);
  });

  it("renders prod from its committed files without building: it keeps the digest it runs", async () => {
    const { mocks, outputs } = await program("prod");
    assert.equal(mocks.ofType("docker-build:index:Image").length, 0, "the prod profile never builds");
    assert.equal(await valueOf(outputs.imageRef), DEPLOYED_REF);
    assert.equal(mocks.one(DEPLOYMENT).inputs.spec.template.spec.containers[0].image, DEPLOYED_REF);
    const self = mocks.one("pulumi:pulumi:StackReference");
    assert.equal(self.inputs.name, "organization/nextjs-infra/prod", "it reads its own last deployment");
  });

  it("refuses prod with no digest deployed and none promoted, before anything is created", async () => {
    const mocks = (await useMocks("prod", committedConfig("prod"), SECRETS)).withServiceInvokes();
    await assert.rejects(renderProgram(), /nextjs-infra:image\.ref: got nothing, and the stack runs no image yet: the prod profile never builds/);
    await mocks.settle();
    assert.deepEqual(
      mocks.registrations.map((r) => r.type),
      ["pulumi:pulumi:StackReference"],
      "only the read of its own outputs",
    );
  });

  it("renders prod without a project id: it creates the project, protected", async () => {
    const config = committedConfig("prod");
    const { mocks, outputs } = await program("prod", { "nextjs-infra:neon": { regionId: "aws-eu-central-1" } });
    assert.ok(config);
    const project = mocks.one(NEON("Project"));
    assert.deepEqual([project.options.protect, project.options.retainOnDelete], [true, true]);
    assert.equal(project.inputs.regionId, "aws-eu-central-1");
    assert.equal(await valueOf(outputs.neonProjectId), "created-project-1234");
  });

  it("renders pr-42: its own namespace and host, previews skip the build", async () => {
    const { mocks, outputs } = await program("pr-42");
    assert.equal(outputs.stackProfile, "preview");
    assert.equal(outputs.pullRequest, 42);
    assert.equal(await valueOf(outputs.namespace), "web-pr-42");
    assert.equal(await valueOf(outputs.url), "https://pr-42.preview.example.com");
    const build = mocks.registrations.find((r) => r.name === "web-image-build")!.inputs;
    assert.equal(build.buildOnPreview, false);
    assert.deepEqual(
      build.cacheFrom.map((c: any) => c.registry.ref),
      ["ghcr.io/acme/web-preview:buildcache-pr-42", "ghcr.io/acme/web:buildcache-dev"],
      "reads dev's cache",
    );
    // Nothing a pull request builds lands where a main build reads: its own repository only.
    const written = [...build.tags, ...build.cacheTo.map((c: any) => c.registry.ref)];
    assert.ok(
      written.every((ref: string) => ref.startsWith("ghcr.io/acme/web-preview:")),
      written.join(", "),
    );
    const dev = (await program("dev")).mocks.registrations.find((r) => r.name === "web-image-build")!.inputs;
    const mainReads = dev.cacheFrom.map((c: any) => c.registry.ref);
    assert.deepEqual(
      written.filter((ref: string) => mainReads.includes(ref)),
      [],
    );
    assert.equal(mocks.one("kubernetes:core/v1:ConfigMap").inputs.data.SENTRY_ENVIRONMENT, "preview");
    const branch = mocks.one(NEON("Branch")).inputs;
    assert.equal(branch.name, "preview/pr-42");
    assert.equal(branch.projectId, "quiet-meadow-24681357", "the previews' own project (project-level)");
    assert.equal(branch.parentName, undefined, "from that project's default branch: no long-lived stack's data");
    const days = (Date.parse(branch.expiresAt) - Date.now()) / 86_400_000;
    assert.ok(days >= 7 && days < 8, `a preview branch always expires, never sooner than its week (got ${branch.expiresAt})`);
    assert.equal(await valueOf(outputs.databaseExpiresAt as string), branch.expiresAt, "the sweep reads the branch's own expiry from the stack's outputs");
    assert.equal(mocks.one(NEON("Endpoint")).inputs.suspendTimeoutSeconds, 60);
  });

  for (const stack of ["local", "dev", "prod", "pr-42"]) {
    it(`keeps every secret out of plaintext for ${stack}`, async () => {
      const { mocks, outputs } = await program(stack);
      assert.ok(!("databaseUrl" in outputs), "no connection string among the outputs");
      for (const r of mocks.registrations) {
        const leaked = plainStrings(r.raw).filter((v) => SECRET_VALUES.some((secret) => v.includes(secret)));
        assert.deepEqual(leaked, [], `${r.type} ${r.name} holds a secret in plaintext`);
      }
      for (const r of mocks.ofType("kubernetes:core/v1:Secret")) assert.ok(isSecretValue(r.raw.stringData), `${r.name} data is secret`);
      for (const d of [...mocks.ofType(DEPLOYMENT), ...mocks.ofType("kubernetes:batch/v1:Job")]) {
        for (const c of d.inputs.spec.template.spec.containers) {
          assert.ok(
            (c.env ?? []).every((e: any) => e.value === undefined && e.valueFrom.secretKeyRef),
            "no literal env values",
          );
          assert.match(c.image, /@sha256:[a-f0-9]{64}$/, "image pinned by digest");
        }
      }
    });
  }

  it("wires Doppler for dev, and nothing on GitHub", async () => {
    const { mocks, outputs } = await program("dev");
    assert.equal(await valueOf(outputs.dopplerConfig), "dev");
    assert.equal(mocks.ofType("doppler:index/branchConfig:BranchConfig").length, 0);
    const written = mocks
      .ofType("doppler:index/secret:Secret")
      .map((r) => r.inputs.name)
      .sort();
    assert.deepEqual(written, ["NEXTAUTH_SECRET"], "Doppler holds what Pulumi generates; the database URLs stay in the cluster's Secret");
    const pod = mocks.one(DEPLOYMENT).inputs.spec.template.spec.containers[0];
    assert.deepEqual(
      pod.envFrom.map((e: any) => e.configMapRef?.name ?? e.secretRef?.name),
      ["web-config", "web-env", "web-database"],
    );
    assert.equal(
      mocks.registrations.filter((r) => r.type.startsWith("github:") || r.type === "pulumi:providers:github").length,
      0,
      "app stacks manage nothing on GitHub",
    );
    assert.equal(mocks.ofType("doppler:index/serviceToken:ServiceToken").length, 0, "no token nobody reads");
  });

  it("gives prod its Doppler config and production's Sentry environment, and nothing on GitHub", async () => {
    const { mocks } = await program("prod");
    assert.equal(mocks.ofType("doppler:index/secret:Secret")[0].inputs.config, "prd");
    assert.equal(mocks.one("kubernetes:core/v1:ConfigMap").inputs.data.SENTRY_ENVIRONMENT, "production");
    assert.equal(mocks.registrations.filter((r) => r.type.startsWith("github:")).length, 0);
  });

  it("renders the repository stack: every environment of the committed stacks, their secrets, main's ruleset", async () => {
    const ci = {
      production: { KUBE_CONFIG: "kube-Zq8-prod" },
      preview: { NEON_API_KEY: "neon-Zq8-previews" },
      "repository-admin": { ADMIN_APP_PRIVATE_KEY: "pem-Zq8" },
    };
    const github = {
      ...(committedConfig("github")["nextjs-infra:github"] as object),
      variables: { preview: { KUBE_SERVER: "https://k8s.example.com", KUBE_CA: "-----BEGIN CERTIFICATE-----" } },
    };
    const mocks = (
      await useMocks(
        "github",
        { ...committedConfig("github"), "nextjs-infra:github": github },
        { "github:token": "ghs-Zq8-app", ciSecrets: JSON.stringify(ci) },
      )
    ).withServiceInvokes();
    const outputs = await renderProgram();
    assert.deepEqual(await valueOf(outputs.environments), ["dev", "dev-read", "production", "production-read", "preview", "repository-admin"]);
    await mocks.settle();
    const envs: Record<string, any> = Object.fromEntries(
      mocks.ofType("github:index/repositoryEnvironment:RepositoryEnvironment").map((r) => [r.inputs.environment, r.inputs]),
    );
    const reviewed = Object.entries(envs)
      .filter(([, e]) => e.reviewers !== undefined)
      .map(([n]) => n);
    assert.deepEqual(reviewed.sort(), ["production", "repository-admin"]);
    assert.deepEqual(envs.production.reviewers, [{ users: [], teams: [2008] }]);
    assert.ok(
      Object.values(envs).every((e) => e.canAdminsBypass === false),
      "no environment lets admins skip its review",
    );
    const mainOnly = mocks
      .ofType("github:index/repositoryEnvironmentDeploymentPolicy:RepositoryEnvironmentDeploymentPolicy")
      .map((r) => r.inputs.environment)
      .sort();
    assert.deepEqual(mainOnly, ["dev", "dev-read", "production", "production-read", "repository-admin"], "every environment but preview is main only");
    const secrets = mocks.ofType("github:index/actionsEnvironmentSecret:ActionsEnvironmentSecret");
    assert.deepEqual(secrets.map((r) => `${r.inputs.environment}/${r.inputs.secretName}`).sort(), [
      "preview/NEON_API_KEY",
      "production/KUBE_CONFIG",
      "repository-admin/ADMIN_APP_PRIVATE_KEY",
    ]);
    assert.ok(secrets.every((r) => isSecretValue(r.raw.value)));
    assert.equal(mocks.ofType("github:index/actionsSecret:ActionsSecret").length, 0, "no repository-level secret");
    const variables = mocks
      .ofType("github:index/actionsEnvironmentVariable:ActionsEnvironmentVariable")
      .map((r) => `${r.inputs.environment}/${r.inputs.variableName}`)
      .sort();
    assert.deepEqual(variables, ["preview/KUBE_CA", "preview/KUBE_SERVER"], "the previews' cluster address: not a credential");
    const rules = mocks.one("github:index/repositoryRuleset:RepositoryRuleset").inputs;
    assert.deepEqual(rules.conditions.refName.includes, ["~DEFAULT_BRANCH"]);
    assert.deepEqual(rules.bypassActors, [], "nobody bypasses main's ruleset");
    assert.equal(rules.rules.pullRequest.requireCodeOwnerReview, true);
    assert.equal(rules.rules.nonFastForward && rules.rules.deletion, true);
    assert.deepEqual(
      rules.rules.requiredStatusChecks.requiredChecks.map((c: any) => c.context),
      ["npm test (types, lint, secret scan, policies, workflow lint, unit tests)", "app build and Lighthouse"],
      "the jobs of ci.yml",
    );
    assert.equal(mocks.one("github:index/workflowRepositoryPermissions:WorkflowRepositoryPermissions").inputs.canApprovePullRequestReviews, false);
    assert.equal(mocks.one("pulumi:providers:github").inputs.owner, "acme");
    assert.deepEqual(
      mocks.registrations.flatMap((r) => plainStrings(r.raw)).filter((v) => v.includes("Zq8")),
      [],
      "no credential in plaintext",
    );
  });

  it("refuses a credential the environment's contract does not list, naming the key and what it wants", async () => {
    await useMocks("github", committedConfig("github"), {
      "github:token": "g",
      ciSecrets: JSON.stringify({ preview: { REGISTRY_TOKEN: "x" }, "dev-plan": { PULUMI_ACCESS_TOKEN: "x" } }),
    });
    await assert.rejects(renderProgram(), (e) => {
      const message = (e as Error).message;
      assert.match(
        message,
        /ciSecrets\.preview\.REGISTRY_TOKEN: is not a credential of environment preview: expected one of PULUMI_CONFIG_PASSPHRASE, NEON_API_KEY, DOPPLER_TOKEN/,
      );
      assert.match(message, /ciSecrets\.dev-plan: is not an environment the workflows use/);
      return true;
    });
  });

  it("gives pr-42 a Doppler branch config and nothing on GitHub", async () => {
    const { mocks } = await program("pr-42");
    assert.deepEqual(mocks.one("doppler:index/branchConfig:BranchConfig").inputs, { project: "web", environment: "preview", name: "preview_pr_42" });
    assert.equal(mocks.registrations.filter((r) => r.type.startsWith("github:") || r.type === "pulumi:providers:github").length, 0);
  });

  it("runs local without Doppler or GitHub", async () => {
    const { mocks } = await program("local", {}, { secrets: { appSecrets: JSON.stringify({ SENTRY_DSN: FAKE.sentryDsn }) } });
    assert.equal(mocks.registrations.filter((r) => r.type.startsWith("doppler:") || r.type.startsWith("github:")).length, 0);
    const env = mocks.registrations.find((r) => r.name === "web-secrets-secret")!;
    assert.equal(env.inputs.stringData.SENTRY_DSN, FAKE.sentryDsn);
    assert.ok(isSecretValue(env.raw.stringData));
  });

  it("renders a cluster stack: add-ons only", async () => {
    // With the committed project config, which every stack inherits.
    const mocks = (
      await useMocks(
        "cluster-eu1",
        {
          ...committedConfig("cluster-eu1"),
          "nextjs-infra:cluster": { certManager: { enabled: true, version: "v1.16.1", email: "ops@example.com" }, metricsServer: { enabled: true } },
        },
        {},
      )
    ).withServiceInvokes();
    const outputs = await renderProgram();
    assert.equal(outputs.stackProfile, "cluster");
    assert.equal(outputs.url, undefined);
    await mocks.settle();
    const releases = mocks
      .ofType("kubernetes:helm.sh/v3:Release")
      .map((r) => [r.inputs.chart, r.inputs.namespace, r.inputs.version])
      .sort((a, b) => a[0].localeCompare(b[0]));
    assert.deepEqual(
      releases,
      [
        ["cert-manager", "cert-manager", "v1.16.1"],
        ["doppler-kubernetes-operator", "doppler-operator-system", "1.7.1"],
        ["metrics-server", "kube-system", "3.13.1"],
      ],
      "every chart pinned",
    );
    const issuers = mocks.ofType("kubernetes:cert-manager.io/v1:ClusterIssuer");
    assert.deepEqual(issuers.map((r) => r.inputs.metadata.name).sort(), ["letsencrypt-prod", "letsencrypt-staging"], "the issuers the app profiles name");
    const prodIssuer = issuers.find((r) => r.inputs.metadata.name === "letsencrypt-prod")!;
    assert.deepEqual(
      prodIssuer.inputs.spec.acme.solvers,
      [{ http01: { ingress: { ingressClassName: "nginx" } } }],
      "HTTP-01 through the project's ingress class",
    );
    assert.ok(
      prodIssuer.options.dependencies.some((u) => u.includes("cert-manager")),
      "after cert-manager (its CRDs)",
    );
    const policies = mocks
      .ofType("kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicy")
      .map((r) => r.inputs.metadata.name)
      .sort();
    assert.deepEqual(policies, [
      "cluster-preview-access-deployers",
      "cluster-preview-access-namespaces",
      "cluster-preview-access-pods-default-deny",
      "cluster-preview-access-pods-quota",
      "cluster-preview-access-sweepers",
    ]);
    const roles = mocks
      .ofType("kubernetes:rbac.authorization.k8s.io/v1:ClusterRole")
      .map((r) => r.inputs.metadata.name)
      .sort();
    assert.deepEqual(roles, ["nextjs-infra:preview-deployer", "nextjs-infra:preview-namespace-admin", "nextjs-infra:preview-sweeper"]);
    for (const role of mocks
      .ofType("kubernetes:rbac.authorization.k8s.io/v1:ClusterRole")
      .filter((r) => r.inputs.metadata.name !== "nextjs-infra:preview-namespace-admin")) {
      assert.ok(!JSON.stringify(role.inputs.rules).includes('"secrets"'), `${role.inputs.metadata.name}: no cluster-wide reach into Secrets`);
    }
    const subjects = mocks
      .ofType("kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding")
      .flatMap((r) => r.inputs.subjects.map((x: any) => `${x.kind}:${x.name}`))
      .sort();
    assert.deepEqual(
      subjects,
      ["Group:nextjs-infra:preview-deployers", "Group:nextjs-infra:preview-sweepers"],
      "bound to the OIDC groups: no service account, no stored token",
    );
    assert.equal(mocks.ofType("kubernetes:core/v1:Secret").length, 0, "no long-lived token");
    const auth = (await import("js-yaml")).load(await valueOf(outputs.previewAuthentication)) as any;
    assert.equal(auth.kind, "AuthenticationConfiguration");
    assert.equal(auth.jwt[0].issuer.url, "https://token.actions.githubusercontent.com");
    assert.match(auth.jwt[0].claimValidationRules[0].expression, /claims\.repository == 'acme\/web'/, "the project's repository (Pulumi.yaml)");
  });

  for (const stack of ["local", "dev", "prod", "pr-42"]) {
    it(`sends every Kubernetes resource of ${stack} through the stack's one provider: context pinned, Secrets and ConfigMaps mutable`, async () => {
      const { mocks } = await program(stack);
      const provider = mocks.one("pulumi:providers:kubernetes");
      assert.equal(provider.inputs.context, stack === "local" ? "kind-kind" : undefined);
      assert.deepEqual(
        [provider.inputs.enableConfigMapMutable, provider.inputs.enableSecretMutable].map(String),
        ["true", "true"],
        "a change updates them in place, never deletes a live Secret",
      );
      const k8sResources = mocks.registrations.filter((r) => r.type.startsWith("kubernetes:"));
      assert.ok(k8sResources.length > 5);
      for (const r of k8sResources) assert.match(r.provider ?? "", /::pulumi:providers:kubernetes::kubernetes::/, `${r.type} ${r.name}`);
    });
  }

  it("guards every namespace: pinned restricted Pod Security, default-deny, DNS only; previews get a quota", async () => {
    const { mocks } = await program("pr-42");
    const ns = mocks.one("kubernetes:core/v1:Namespace").inputs.metadata.labels;
    assert.equal(ns["pod-security.kubernetes.io/enforce"], "restricted");
    assert.match(ns["pod-security.kubernetes.io/enforce-version"], /^v1\.[0-9]+$/, "pinned, not latest");
    const policies = mocks
      .ofType("kubernetes:networking.k8s.io/v1:NetworkPolicy")
      .map((r) => r.inputs.metadata.name)
      .sort();
    assert.deepEqual(policies, ["allow-dns", "default-deny", "web-allow-acme-solver", "web-allow-egress", "web-allow-ingress"]);
    const solver = mocks.registrations.find((r) => r.name === "web-allow-acme-solver")!.inputs.spec;
    assert.deepEqual(
      solver.podSelector.matchLabels,
      { "acme.cert-manager.io/http01-solver": "true" },
      "cert-manager's HTTP-01 solver pods answer the controller",
    );
    assert.deepEqual(solver.ingress[0].ports, [{ protocol: "TCP", port: 8089 }]);
    assert.deepEqual(mocks.one("kubernetes:core/v1:ResourceQuota").inputs.spec.hard.pods, "12");
    assert.ok(mocks.one("kubernetes:core/v1:LimitRange").inputs.spec.limits[0].default);
    const binding = mocks.one("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding");
    assert.equal(binding.inputs.roleRef.name, "nextjs-infra:preview-namespace-admin");
    assert.deepEqual(
      binding.inputs.subjects.map((x: any) => `${x.kind}:${x.name}`),
      ["User:github:acme/web:preview:refs/pull/42/merge", "User:github:acme/web:preview:refs/heads/main"],
      "this pull request's own OIDC identity, and the nightly sweeper: no other preview's",
    );
    const guardrails = mocks.registrations.filter((r) => ["NetworkPolicy", "ResourceQuota", "LimitRange", "RoleBinding"].some((k) => r.type.endsWith(`:${k}`)));
    for (const r of guardrails)
      assert.match(r.options.deletedWith, /::web-namespace$/, `${r.name} goes with the namespace (the cluster refuses its deletion by a preview identity)`);
    for (const r of mocks.registrations.filter((x) => x.type.startsWith("kubernetes:") && x.inputs.metadata?.namespace === "web-pr-42" && x !== binding)) {
      assert.ok(
        r.options.dependencies.some((u) => u.endsWith("::web-preview-deployer")),
        `${r.name} comes after the binding`,
      );
    }
    const dev = await program("dev");
    assert.equal(dev.mocks.ofType("kubernetes:core/v1:ResourceQuota").length, 0, "quotas for previews only");
    assert.equal(dev.mocks.ofType("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding").length, 0, "preview identities are bound in previews only");
    assert.ok(
      dev.mocks.registrations.every((r) => !r.options.deletedWith),
      "elsewhere every resource is deleted on its own",
    );
  });

  it("fails on bad config before registering a single resource", async () => {
    const mocks = await useMocks("dev", { ...committedConfig("dev"), "nextjs-infra:app": { port: 80 } }, SECRETS);
    await assert.rejects(renderProgram(), (e) => {
      const message = (e as Error).message;
      assert.match(message, /nextjs-infra:app\.port: got 80, expected a TCP port from 1024 to 65535/);
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
    const preview = (await program("dev", {}, { preview: true })).mocks.registrations.find((r) => r.name === "web-image-build")!.inputs;
    const up = (await program("dev")).mocks.registrations.find((r) => r.name === "web-image-build")!.inputs;
    assert.deepEqual(preview, up);
  });
});

describe("the whole program, previewing an update", () => {
  it("keeps every Neon child's parent ids known, so an update upstream never shows as a replacement", async () => {
    const mocks = (await useMocks("dev", committedConfig("dev"), SECRETS, { preview: true })).withServiceInvokes();
    mocks.unknownOutputs = true;
    const outputs = await renderProgram();
    await mocks.settle();
    await valueOf(outputs.url);
    const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
    for (const kind of ["Endpoint", "Role", "Database"]) {
      const r = mocks.one(`pulumi-nodejs:dynamic/neon:${kind}`);
      assert.equal(r.inputs.branchId, "br-web-db-branch", `${kind}.branchId is the branch's id, known in preview`);
      assert.notEqual(r.inputs.projectId, UNKNOWN);
      assert.notEqual(r.inputs.projectId, undefined);
    }
    assert.equal(mocks.one("pulumi-nodejs:dynamic/neon:Database").inputs.ownerName, "app", "the owner by its configured name, not the role's output");
  });
});

describe("your app's contract (docs/your-app.md), held to what the program renders", () => {
  it("matches the Deployment, the migration Job, the ConfigMap and the reference Dockerfile", async () => {
    const { APP_DEFAULTS, PROGRAM_ENV, appContract } = await import("../components/app-contract");
    const { APP_UID } = await import("../components/workload");
    const { RESERVED_ENV } = await import("../stacks/schema");
    const mocks = (
      await useMocks("local", committedConfig("local"), { appSecrets: JSON.stringify({ SENTRY_DSN: "https://k@o1.ingest.example/1" }) })
    ).withServiceInvokes();
    const outputs = await renderProgram();
    await valueOf(outputs.namespace);
    await mocks.settle();
    const pod = mocks.one(DEPLOYMENT).inputs.spec.template.spec;
    const [c] = pod.containers;
    assert.equal(pod.securityContext.runAsUser, APP_UID);
    assert.deepEqual(
      c.ports.map((p: any) => p.containerPort),
      [APP_DEFAULTS.port],
    );
    assert.deepEqual(
      [c.livenessProbe.httpGet.path, c.readinessProbe.httpGet.path, c.startupProbe.httpGet.path],
      [APP_DEFAULTS.livenessPath, APP_DEFAULTS.readinessPath, APP_DEFAULTS.livenessPath],
    );
    const writable = appContract().find((r) => r.what === "Filesystem")!.requirement;
    for (const m of c.volumeMounts) assert.ok(writable.includes(`\`${m.mountPath}\``), `${m.mountPath} is in the contract`);
    assert.equal(c.securityContext.readOnlyRootFilesystem, true);
    const config = mocks.one("kubernetes:core/v1:ConfigMap").inputs.data;
    assert.deepEqual(
      Object.keys(config).sort(),
      Object.entries(PROGRAM_ENV)
        .filter(([, e]) => e.from === "ConfigMap")
        .map(([n]) => n)
        .sort(),
    );
    const database = mocks.registrations.find((r) => r.name === "web-database")!.inputs.stringData;
    const env = mocks.registrations.find((r) => r.name === "web-secrets-secret")!.inputs.stringData;
    const secretNames = Object.entries(PROGRAM_ENV)
      .filter(([, e]) => e.from === "Secret")
      .map(([n]) => n);
    assert.deepEqual(
      secretNames.filter((n) => !(n in database) && !(n in env)),
      [],
      "every secret the contract names reaches the pod",
    );
    assert.deepEqual(
      Object.keys(PROGRAM_ENV).sort(),
      RESERVED_ENV.filter((n) => !["NODE_OPTIONS", "HOME", "PATH"].includes(n)).sort(),
      "the names users may not set are the ones the program sets",
    );
    const job = mocks.one("kubernetes:batch/v1:Job").inputs.spec.template.spec;
    assert.equal(job.initContainers[0].command[0], "node", "the migrator needs node: the contract says so");
    const dockerfile = (await import("fs")).readFileSync(`${__dirname}/../app/Dockerfile`, "utf8");
    assert.match(dockerfile, new RegExp(`^FROM .* AS ${APP_DEFAULTS.migratorTarget}$`, "m"), "the reference Dockerfile has the migrator stage");
    assert.match(dockerfile, new RegExp(`PORT=${APP_DEFAULTS.port}\\b`));
  });
});
