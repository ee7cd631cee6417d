/**
 * Cloud targets: EKS + ECR, GKE + Artifact Registry, AKS + ACR and any cluster. A stack's
 * `cloud` is checked before anything is created (every field in its form, the registry the
 * provider's, one identity per environment); the repository stack hands each environment its
 * identity as the `CLOUD` variable; the setup action's login steps run here against stand-in
 * CLIs (aws, gcloud, az, kubelogin, docker) that record what they were asked, and the token
 * goes to docker on stdin, never as an argument.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { resolveSettings, SettingsError } from "../stacks";
import { committedStacks, projectConfigOf, stackConfigOf } from "../stacks/files";
import { cloudVariable, parseCloudVariable } from "../stacks/cloud";
import { accessModel } from "../stacks/views";
import { environmentContracts, EnvironmentContract } from "../stacks/access";
import { ingressNginxValues } from "../components/cluster-addons";
import { credentialMap, describeReach } from "../scripts/lib/credential-map";
import { PROJECT, ROOT } from "./mocks";
import { runStep, Step } from "./workflow-steps";

const ECR = "123456789012.dkr.ecr.eu-west-1.amazonaws.com";
const role = (name: string) => `arn:aws:iam::123456789012:role/${name}`;
const aws = (name: string, read = true) => ({
  provider: "aws",
  region: "eu-west-1",
  cluster: "web",
  deployIdentity: role(name),
  ...(read ? { readIdentity: role(`${name}-read`) } : {}),
});
const gcp = (name: string) => ({
  provider: "gcp",
  project: "acme-web",
  region: "europe-west1",
  cluster: "web",
  workloadIdentityProvider: "projects/123456/locations/global/workloadIdentityPools/github/providers/acme-web",
  deployIdentity: `${name}@acme-web.iam.gserviceaccount.com`,
  readIdentity: `${name}-read@acme-web.iam.gserviceaccount.com`,
});
const GUIDS = {
  tenant: "11111111-2222-3333-4444-555555555555",
  sub: "66666666-7777-8888-9999-000000000000",
  deploy: "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
  read: "ffffffff-bbbb-cccc-dddd-eeeeeeeeeeee",
};
const azure = {
  provider: "azure",
  tenantId: GUIDS.tenant,
  subscriptionId: GUIDS.sub,
  resourceGroup: "rg-web",
  cluster: "web",
  deployIdentity: GUIDS.deploy,
  readIdentity: GUIDS.read,
};

const asRaw = (c: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(c).map(([k, v]) => [k.includes(":") ? k : `${PROJECT}:${k}`, typeof v === "string" ? v : JSON.stringify(v)]));

/** The committed stack files, as the CLI would assemble them on a project level changed as given, each stack's own keys changed as given. */
function project(opts: { project?: Record<string, unknown>; stacks?: Record<string, Record<string, unknown>> }) {
  const projectConfig = { ...projectConfigOf(ROOT, PROJECT), ...asRaw(opts.project ?? {}) };
  const stacks: Record<string, Record<string, string>> = {};
  for (const s of committedStacks(ROOT)) stacks[s] = { ...stackConfigOf(ROOT, PROJECT, s, projectConfig), ...asRaw(opts.stacks?.[s] ?? {}) };
  return { projectConfig, stacks };
}

/** Resolves `stack` (committed or not) with `config` on top, next to the other stacks. */
function settle(
  stack: string,
  config: Record<string, unknown>,
  opts: { project?: Record<string, unknown>; siblings?: Record<string, Record<string, unknown>> } = {},
) {
  const { projectConfig, stacks } = project({ project: opts.project, stacks: opts.siblings });
  const own = stacks[stack] ?? projectConfig;
  delete stacks[stack];
  const full = { ...own, ...asRaw(config), [`${PROJECT}:neonApiKey`]: "neon-key" };
  return resolveSettings({
    project: PROJECT,
    stack,
    config: full,
    secretKeys: new Set([`${PROJECT}:neonApiKey`]),
    env: { DOPPLER_TOKEN: "dp", GITHUB_TOKEN: "gh" },
    projectConfig,
    siblings: stacks,
  });
}

/** A project on AWS: previews, dev and prod each with identities of their own. */
const onAws = {
  project: { image: { repository: `${ECR}/web`, context: "app", platforms: ["linux/amd64"] }, cloud: aws("web-preview", false) },
  siblings: { dev: { cloud: aws("web-dev") }, prod: { cloud: aws("web-prod") } },
};

function refusals(f: () => unknown): { key: string; message: string }[] {
  try {
    f();
  } catch (e) {
    if (e instanceof SettingsError) return e.issues;
    throw e;
  }
  assert.fail("expected the settings to be refused");
}

describe("cloud targets", () => {
  describe("settings", () => {
    it("resolves a stack on each provider, and names the identities its environments use", () => {
      const dev = settle("dev", { cloud: aws("web-dev") }, onAws);
      assert.ok(dev.role === "app");
      assert.deepEqual(dev.names.cloudIdentities, [role("web-dev"), role("web-dev-read")]);
      const preview = settle("pr-7", {}, onAws);
      assert.ok(preview.role === "app");
      assert.deepEqual(preview.names.cloudIdentities, [role("web-preview")]);
      const gke = {
        project: { image: { repository: "europe-west1-docker.pkg.dev/acme-web/apps/web" }, cloud: { ...gcp("web-preview"), readIdentity: undefined } },
      };
      assert.ok(settle("dev", { cloud: gcp("web-dev") }, gke).role === "app");
      const aks = {
        project: {
          image: { repository: "acmeweb.azurecr.io/web" },
          cloud: { ...azure, deployIdentity: "99999999-bbbb-cccc-dddd-eeeeeeeeeeee", readIdentity: undefined },
        },
      };
      assert.ok(settle("dev", { cloud: azure }, aks).role === "app");
      assert.ok(settle("dev", {}).role === "app", "no cloud: any cluster, as committed");
    });

    it("refuses, naming the key and the form, every field a provider needs that is missing or malformed, and every one it does not read", () => {
      const keys = (issues: { key: string; message: string }[]) => Object.fromEntries(issues.map((i) => [i.key.replace(`${PROJECT}:`, ""), i.message]));
      const missing = keys(refusals(() => settle("dev", { cloud: { provider: "aws", deployIdentity: role("web-dev") } }, onAws)));
      assert.match(missing["cloud.region"], /got nothing, expected a region/);
      assert.match(missing["cloud.cluster"], /got nothing, expected the cluster's name: provider aws needs it/);
      assert.match(missing["cloud.readIdentity"], /got nothing, expected arn:aws:iam::<12-digit account>:role\/<name> \(an IAM role/);
      const bad = keys(refusals(() => settle("dev", { cloud: { ...aws("web-dev"), deployIdentity: "web-dev", tenantId: GUIDS.tenant } }, onAws)));
      assert.match(bad["cloud.deployIdentity"], /got "web-dev", expected arn:aws:iam::<12-digit account>:role\/<name>/);
      assert.match(bad["cloud.tenantId"], /provider aws does not read it/);
      const wip = keys(
        refusals(() =>
          settle(
            "dev",
            { cloud: { ...gcp("web-dev"), workloadIdentityProvider: "github" } },
            { project: { image: { repository: "europe-west1-docker.pkg.dev/acme-web/apps/web" } } },
          ),
        ),
      );
      assert.match(
        wip["cloud.workloadIdentityProvider"],
        /expected projects\/<number>\/locations\/global\/workloadIdentityPools\/<pool>\/providers\/<provider>/,
      );
      const guid = keys(
        refusals(() =>
          settle("dev", { cloud: { ...azure, tenantId: "contoso.onmicrosoft.com" } }, { project: { image: { repository: "acmeweb.azurecr.io/web" } } }),
        ),
      );
      assert.match(guid["cloud.tenantId"], /expected a tenant ID \(GUID, lowercase\)/);
      const any = keys(refusals(() => settle("dev", { cloud: { region: "eu-west-1" } })));
      assert.match(any["cloud.region"], /only with cloud\.provider aws, gcp or azure/);
      const previewRead = keys(refusals(() => settle("pr-7", {}, { ...onAws, project: { ...onAws.project, cloud: aws("web-preview") } })));
      assert.match(previewRead["cloud.readIdentity"], /previews have no read-only environment/);
      assert.match(keys(refusals(() => settle("dev", { cloud: { provider: "gke" } })))["cloud.provider"], /one of any, aws \(EKS \+ ECR\), gcp/);
    });

    it("refuses a registry the provider's identity cannot push to", () => {
      const ghcr = refusals(() =>
        settle("dev", { cloud: aws("web-dev") }, { ...onAws, project: { ...onAws.project, image: { repository: "ghcr.io/acme/web" } } }),
      );
      assert.match(
        ghcr.find((i) => i.key === `${PROJECT}:image.repository`)?.message ?? "",
        /got "ghcr\.io\/acme\/web", expected a repository in <account>\.dkr\.ecr\.<cloud\.region>\.amazonaws\.com \(cloud\.provider aws: EKS \+ ECR\)/,
      );
      const otherRegion = refusals(() => settle("dev", { cloud: { ...aws("web-dev"), region: "us-east-1" } }, onAws));
      assert.ok(
        otherRegion.some((i) => i.key === `${PROJECT}:image.repository`),
        "ECR logins are regional: the repository's region is the cloud's",
      );
      const previews = refusals(() =>
        settle("pr-7", {}, { ...onAws, project: { ...onAws.project, image: { repository: `${ECR}/web`, previewRepository: "ghcr.io/acme/web-preview" } } }),
      );
      assert.match(previews.find((i) => i.key === `${PROJECT}:image.repository`)?.message ?? "", /ghcr\.io\/acme\/web-preview/);
    });

    it("gives every environment an identity of its own: a read identity is never the deploy one, no stack uses the previews' or a sibling's", () => {
      const same = refusals(() => settle("dev", { cloud: { ...aws("web-dev"), readIdentity: role("web-dev") } }, onAws));
      assert.match(same.find((i) => i.key === `${PROJECT}:cloud.readIdentity`)?.message ?? "", /the deploy identity; expected one that can only read/);
      const inherited = refusals(() => settle("dev", {}, { project: onAws.project, siblings: { prod: onAws.siblings.prod } }));
      assert.match(
        inherited.find((i) => i.key === `${PROJECT}:cloud.deployIdentity`)?.message ?? "",
        /the previews' identity \(project-level cloud\.deployIdentity\); set this stack's own cloud in its stack file/,
      );
      const staging = {
        profile: "prod",
        ingress: { host: "staging.example.com" },
        doppler: { project: "web", environment: "stg" },
        neon: { projectId: "still-lake-11223344" },
      };
      const shared = refusals(() => settle("staging", { ...staging, cloud: { ...aws("web-staging"), deployIdentity: role("web-dev") } }, onAws));
      assert.match(
        shared.find((i) => i.key === `${PROJECT}:cloud.deployIdentity`)?.message ?? "",
        /which stack "dev" uses; every environment has an identity of its own/,
      );
    });

    it("gives the cluster stack's ingress controller what the cloud's load balancer needs", () => {
      const cluster = (cloud?: Record<string, unknown>) => {
        const s = resolveSettings({
          project: PROJECT,
          stack: "cluster-eu1",
          config: asRaw({ cluster: { ingressNginx: { enabled: true }, previewAccess: { enabled: false } }, ...(cloud ? { cloud } : {}) }),
          secretKeys: new Set(),
          env: {},
        });
        assert.ok(s.role === "cluster");
        return ingressNginxValues(s.ingressNginx);
      };
      assert.deepEqual(cluster({ provider: "aws" }), {
        controller: { service: { annotations: { "service.beta.kubernetes.io/aws-load-balancer-type": "nlb" } } },
      });
      assert.deepEqual(cluster({ provider: "azure" }), {
        controller: { service: { annotations: { "service.beta.kubernetes.io/azure-load-balancer-health-probe-request-path": "/healthz" } } },
      });
      assert.deepEqual(cluster({ provider: "gcp" }), {});
      assert.deepEqual(cluster(), {});
    });
  });

  describe("the environments' CLOUD variable", () => {
    const model = () => {
      const { projectConfig, stacks } = project({ project: onAws.project, stacks: onAws.siblings });
      return environmentContracts(accessModel(PROJECT, projectConfig, stacks));
    };
    const env = (cs: EnvironmentContract[], name: string) => cs.find((c) => c.name === name)!;
    const cloudOf = (c: EnvironmentContract) => JSON.parse(c.values!.CLOUD) as Record<string, string>;

    it("holds each environment's own identity: deploy or read, the registry only where jobs push, the cluster only where they reach it through the cloud", () => {
      const cs = model();
      assert.deepEqual(cloudOf(env(cs, "dev")), { provider: "aws", identity: role("web-dev"), region: "eu-west-1", cluster: "web", registry: ECR });
      assert.deepEqual(cloudOf(env(cs, "dev-read")), { provider: "aws", identity: role("web-dev-read"), region: "eu-west-1", cluster: "web" });
      assert.deepEqual(
        cloudOf(env(cs, "production")),
        { provider: "aws", identity: role("web-prod"), region: "eu-west-1", cluster: "web" },
        "production promotes: it pushes nothing",
      );
      assert.deepEqual(
        cloudOf(env(cs, "preview")),
        { provider: "aws", identity: role("web-preview"), region: "eu-west-1", registry: ECR },
        "previews reach the cluster as their pull request, never as a cloud identity",
      );
      assert.equal(env(cs, "repository-admin").values, undefined);
      for (const c of cs.filter((x) => x.values))
        assert.deepEqual(parseCloudVariable(c.values!.CLOUD), cloudOf(c), `${c.name}: the setup action reads it back`);
    });

    it("replaces the kubeconfig and registry secrets with the identity, reaching no further than they did", () => {
      const cs = model();
      const names = (c: EnvironmentContract) => c.credentials.map((x) => x.name);
      assert.deepEqual(names(env(cs, "dev")), ["PULUMI", "PULUMI_CONFIG_PASSPHRASE", "CLOUD", "NEON_API_KEY", "DOPPLER_TOKEN", "SENTRY_AUTH_TOKEN"]);
      assert.deepEqual(names(env(cs, "production-read")), ["PULUMI", "PULUMI_CONFIG_PASSPHRASE", "CLOUD", "NEON_API_KEY", "DOPPLER_TOKEN"]);
      const grants = (c: EnvironmentContract) =>
        c.credentials.find((x) => x.name === "CLOUD")!.grants.map((g) => `${g.service} ${g.access} ${g.owners.join("+")}`);
      assert.deepEqual(grants(env(cs, "dev")), ["kubernetes write dev", "registry write dev+prod"]);
      assert.deepEqual(grants(env(cs, "production-read")), ["kubernetes read prod"]);
      assert.deepEqual(grants(env(cs, "preview")), ["registry write pr-*"]);
    });

    it("is set by the repository stack alone: github.variables cannot override it", () => {
      const { projectConfig, stacks } = project({ project: onAws.project, stacks: onAws.siblings });
      const github = stacks.github;
      delete stacks.github;
      const g = JSON.parse(github[`${PROJECT}:github`]) as Record<string, unknown>;
      const settle = (variables: Record<string, unknown>) =>
        resolveSettings({
          project: PROJECT,
          stack: "github",
          config: { ...github, [`${PROJECT}:github`]: JSON.stringify({ ...g, variables }) },
          secretKeys: new Set(),
          env: { GITHUB_TOKEN: "gh" },
          projectConfig,
          siblings: stacks,
          workDir: ROOT,
        });
      const s = settle({});
      assert.ok(s.role === "github");
      assert.equal(JSON.parse(String(s.environments.find((e) => e.contract.name === "dev")!.variables.CLOUD)).identity, role("web-dev"));
      const refused = refusals(() => settle({ dev: { CLOUD: JSON.stringify({ provider: "aws", identity: role("web-prod") }) } }));
      assert.match(refused.find((i) => i.key === `${PROJECT}:github.variables.dev.CLOUD`)?.message ?? "", /is set from the stack files \(cloud\)/);
    });

    it("is read back strictly: a malformed variable fails naming the field", () => {
      assert.throws(() => parseCloudVariable("aws"), /CLOUD: got "aws", expected the JSON the repository stack sets/);
      assert.throws(() => parseCloudVariable(JSON.stringify({ provider: "any" })), /CLOUD\.provider: got "any", expected aws, gcp or azure/);
      assert.throws(() => parseCloudVariable(JSON.stringify({ provider: "aws", identity: role("x") })), /CLOUD\.region: missing/);
      assert.throws(() => parseCloudVariable(JSON.stringify({ provider: "aws", identity: "x", region: "eu-west-1" })), /CLOUD\.identity: got "x"/);
      assert.throws(
        () => parseCloudVariable(JSON.stringify({ provider: "aws", identity: role("x"), region: "eu-west-1", token: "t" })),
        /CLOUD\.token: not a field/,
      );
      assert.throws(
        () => parseCloudVariable(JSON.stringify({ provider: "aws", identity: role("x"), region: "eu-west-1", registry: "ghcr.io" })),
        /CLOUD\.registry: got "ghcr\.io"/,
      );
      const gke = cloudVariable({ cloud: gcp("web-dev") } as never, "read", { cluster: true })!;
      assert.deepEqual(Object.keys(parseCloudVariable(gke)).sort(), ["cluster", "identity", "project", "provider", "region", "workloadIdentityProvider"]);
    });
  });

  describe("the setup action's logins, against stand-in CLIs", () => {
    const setup = (yaml.load(fs.readFileSync(path.join(ROOT, ".github", "actions", "setup", "action.yml"), "utf8")) as { runs: { steps: Step[] } }).runs.steps;
    const step = (prefix: string) => setup.find((s) => s.name?.startsWith(prefix))!;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "clis-"));
    const log = path.join(dir, "calls");
    after(() => fs.rmSync(dir, { recursive: true, force: true }));
    /** Each stand-in records its argv (and its stdin, when piped) and prints a token where the real one would. */
    const fake = (name: string, prints = "") =>
      `printf '%s\\n' "${name} $*" >> "$LOG"; if [ ! -t 0 ] && [ "${name}" = docker ]; then printf 'stdin %s\\n' "$(cat)" >> "$LOG"; fi; ${prints ? `printf '%s' '${prints}'` : "true"}`;
    const fakes = {
      aws: fake("aws", "aws-ecr-token"),
      gcloud: fake("gcloud", "gcp-access-token"),
      az: fake("az"),
      kubelogin: fake("kubelogin"),
      docker: fake("docker"),
    };
    const run = (s: Step, env: Record<string, string>) => {
      fs.writeFileSync(log, "");
      const r = runStep(s, { env: { LOG: log, ...env }, fakes });
      return { ...r, calls: fs.readFileSync(log, "utf8").trim().split("\n").filter(Boolean) };
    };

    it("reads the CLOUD variable into outputs, and stops on a malformed one", () => {
      const read = step("Cloud identity");
      const value = cloudVariable({ cloud: aws("web-dev") } as never, "deploy", { registry: ECR, cluster: true })!;
      const ok = runStep(read, { env: { CLOUD: value, PATH: process.env.PATH ?? "" } });
      assert.equal(ok.status, 0, ok.stderr);
      assert.deepEqual(ok.outputs, { provider: "aws", identity: role("web-dev"), region: "eu-west-1", cluster: "web", registry: ECR });
      const bad = runStep(read, { env: { CLOUD: JSON.stringify({ provider: "aws", identity: "admin" }), PATH: process.env.PATH ?? "" } });
      assert.notEqual(bad.status, 0);
      assert.match(bad.stderr, /CLOUD\.identity: got "admin"/);
    });

    it("writes a kubeconfig that asks the cloud's CLI for tokens: EKS and AKS", () => {
      const cluster = step("EKS or AKS credentials");
      const eks = run(cluster, { PROVIDER: "aws", CLUSTER: "web", REGION: "eu-west-1", RESOURCE_GROUP: "" });
      assert.equal(eks.status, 0, eks.stderr);
      assert.match(eks.calls[0], /^aws eks update-kubeconfig --name web --region eu-west-1 --kubeconfig \S+\/kubeconfig$/);
      assert.match(eks.env.KUBECONFIG, /\/kubeconfig$/);
      const aks = run(cluster, { PROVIDER: "azure", CLUSTER: "web", REGION: "", RESOURCE_GROUP: "rg-web" });
      assert.equal(aks.status, 0, aks.stderr);
      assert.match(aks.calls[0], /^az aks get-credentials --resource-group rg-web --name web --file \S+\/kubeconfig --overwrite-existing$/);
      assert.match(aks.calls[1], /^kubelogin convert-kubeconfig --login azurecli --kubeconfig \S+\/kubeconfig$/);
      assert.equal(run(cluster, { PROVIDER: "other", CLUSTER: "web", REGION: "", RESOURCE_GROUP: "" }).status, 1);
      assert.equal(cluster.if, "steps.cloud.outputs.cluster != '' && steps.cloud.outputs.provider != 'gcp'");
    });

    it("logs in to ECR, Artifact Registry and ACR with a short-lived token on stdin", () => {
      const login = step("Registry login");
      const ecr = run(login, { PROVIDER: "aws", REGISTRY: ECR, REGION: "eu-west-1" });
      assert.equal(ecr.status, 0, ecr.stderr);
      // Both ends of a pipe start at once: the order they log in is the scheduler's.
      assert.deepEqual(ecr.calls.sort(), [
        "aws ecr get-login-password --region eu-west-1",
        `docker login --username AWS --password-stdin ${ECR}`,
        "stdin aws-ecr-token",
      ]);
      const gar = run(login, { PROVIDER: "gcp", REGISTRY: "europe-west1-docker.pkg.dev", REGION: "europe-west1" });
      assert.deepEqual(gar.calls.sort(), [
        "docker login --username oauth2accesstoken --password-stdin https://europe-west1-docker.pkg.dev",
        "gcloud auth print-access-token",
        "stdin gcp-access-token",
      ]);
      const acr = run(login, { PROVIDER: "azure", REGISTRY: "acmeweb.azurecr.io", REGION: "" });
      assert.deepEqual(acr.calls, ["az acr login --name acmeweb"]);
      for (const r of [ecr, gar, acr]) assert.ok(!r.stdout.includes("token"), "no token in the log");
      assert.equal(login.if, "inputs.registry-login == 'true' && steps.cloud.outputs.registry != ''");
    });

    it("hands each provider's official login action the fields of the variable, and nothing from a secret", () => {
      const uses = (prefix: string) => setup.find((s) => s.uses?.startsWith(prefix))!;
      const expected: [string, string, Record<string, string>][] = [
        ["aws-actions/configure-aws-credentials@", "aws", { "role-to-assume": "identity", "aws-region": "region" }],
        ["google-github-actions/auth@", "gcp", { workload_identity_provider: "workloadIdentityProvider", service_account: "identity", project_id: "project" }],
        ["azure/login@", "azure", { "client-id": "identity", "tenant-id": "tenantId", "subscription-id": "subscriptionId" }],
        ["google-github-actions/get-gke-credentials@", "gcp", { cluster_name: "cluster", location: "region", project_id: "project" }],
      ];
      for (const [action, provider, inputs] of expected) {
        const s = uses(action);
        assert.match(String(s.if), new RegExp(`^steps\\.cloud\\.outputs\\.provider == '${provider}'`), action);
        assert.deepEqual(s.with, Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, `\${{ steps.cloud.outputs.${v} }}`])), action);
      }
    });
  });

  it("runs the same workflows: each job's identity comes from its environment's CLOUD variable, reaching what the secrets reached", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cloud-project-"));
    try {
      fs.cpSync(path.join(ROOT, ".github", "workflows"), path.join(dir, ".github", "workflows"), { recursive: true });
      const project = yaml.load(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8")) as { config: Record<string, unknown> };
      project.config.image = { value: onAws.project.image };
      project.config.cloud = { value: onAws.project.cloud };
      fs.writeFileSync(path.join(dir, "Pulumi.yaml"), yaml.dump(project));
      for (const f of fs.readdirSync(ROOT).filter((n) => /^Pulumi\.[^.]+\.yaml$/.test(n))) {
        const doc = yaml.load(fs.readFileSync(path.join(ROOT, f), "utf8")) as { config: Record<string, unknown> };
        const stack = f.slice("Pulumi.".length, -".yaml".length);
        const cloud = (onAws.siblings as Record<string, Record<string, unknown>>)[stack]?.cloud;
        if (cloud) doc.config[`${PROJECT}:cloud`] = cloud;
        fs.writeFileSync(path.join(dir, f), yaml.dump(doc));
      }
      const map = credentialMap(dir);
      const job = (name: string) => map.find((j) => `${j.workflow} ${j.job}` === name)!;
      assert.deepEqual(
        job("deploy dev").credentials.map((c) => c.name),
        ["PULUMI", "PULUMI_CONFIG_PASSPHRASE", "CLOUD", "NEON_API_KEY", "DOPPLER_TOKEN", "SENTRY_AUTH_TOKEN", "GITHUB_TOKEN"],
      );
      assert.equal(describeReach(job("deploy dev").reach), "dev: write (doppler, kubernetes, neon, pulumi, registry, sentry); prod: write (registry, sentry)");
      assert.equal(describeReach(job("promote plan").reach), "prod: read (doppler, kubernetes, pulumi), write (neon)");
      assert.equal(describeReach(job("preview up").reach), "pr-*: write (doppler, kubernetes, neon, pulumi, registry)");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
