/**
 * The policy pack, through its own validation entry points: each policy against a
 * passing and a failing resource, then every profile's rendered program against the
 * whole pack.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as vm from "vm";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as ts from "typescript";
import type { PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { allPolicies, PROFILE_LABEL } from "../policy/policies";
import type { NextjsAppArgs } from "../components/nextjs-app";
import { committedConfig, Registration, renderProgram, ROOT, useMocks, valueOf } from "./mocks";

const DIGEST = `sha256:${"a".repeat(64)}`;
type Opts = Partial<{ protect: boolean; additionalSecretOutputs: string[] }>;

function policy(name: string): ResourceValidationPolicy | StackValidationPolicy {
  const p = allPolicies.find((x) => x.name === name);
  assert.ok(p, `no policy ${name}`);
  return p;
}

/** Config as the engine hands it: the schema's defaults under what the test sets. */
function configOf(p: ResourceValidationPolicy | StackValidationPolicy, config: Record<string, unknown>) {
  const props = (p.configSchema?.properties ?? {}) as Record<string, { default?: unknown }>;
  return { ...Object.fromEntries(Object.entries(props).map(([k, v]) => [k, v.default])), ...config };
}

function policyOpts(opts: Opts) {
  return {
    protect: false,
    ignoreChanges: [],
    aliases: [],
    customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
    additionalSecretOutputs: [],
    ...opts,
  };
}

/** What each policy did in this file's cases: a policy needs at least one of each. */
const outcomes = new Map<string, { passed: number; failed: number }>();
function record(name: string, found: string[]): string[] {
  const o = outcomes.get(name) ?? { passed: 0, failed: 0 };
  if (found.length === 0) o.passed++;
  else o.failed++;
  outcomes.set(name, o);
  return found;
}

/** Runs one resource policy; returns its violation messages. */
async function violations(
  name: string,
  type: string,
  props: Record<string, unknown>,
  opts: Opts = {},
  config: Record<string, unknown> = {},
): Promise<string[]> {
  const p = policy(name) as ResourceValidationPolicy;
  const found: string[] = [];
  const validate = p.validateResource === undefined ? [] : Array.isArray(p.validateResource) ? p.validateResource : [p.validateResource];
  for (const v of validate) {
    await v(
      {
        type,
        props,
        urn: `urn:pulumi:test::nextjs-infra::${type}::r`,
        name: "r",
        opts: policyOpts(opts),
        stackTags: new Map(),
        isType: () => false,
        asType: () => undefined,
        getConfig: <T extends object>() => configOf(p, config) as T,
        notApplicable: () => {
          throw new Error("not applicable");
        },
      } as never,
      (message: string) => found.push(message),
    );
  }
  return record(name, found);
}

/** Runs one stack policy over resources. */
async function stackViolations(name: string, resources: PolicyResource[]): Promise<string[]> {
  const p = policy(name) as StackValidationPolicy;
  const found: string[] = [];
  await p.validateStack(
    {
      resources,
      stackTags: new Map(),
      getConfig: <T extends object>() => configOf(p, {}) as T,
      notApplicable: () => {
        throw new Error("n/a");
      },
    },
    (message: string) => found.push(message),
  );
  return record(name, found);
}

function resource(type: string, props: Record<string, unknown>, opts: Opts = {}): PolicyResource {
  return { type, props, urn: `urn:pulumi:s::p::${type}::x`, name: "x", opts: policyOpts(opts), dependencies: [], propertyDependencies: {} } as never;
}

/** A Deployment that passes every workload policy; tests break one field at a time. */
function deployment(patch: (c: any, pod: any) => void = () => undefined): Record<string, unknown> {
  const container = {
    name: "app",
    image: `ghcr.io/acme/web@${DIGEST}`,
    resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "1", memory: "512Mi" } },
    readinessProbe: { httpGet: { path: "/", port: 3000 } },
    livenessProbe: { httpGet: { path: "/", port: 3000 } },
    securityContext: { runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
  };
  const pod: any = { securityContext: { seccompProfile: { type: "RuntimeDefault" } }, containers: [container] };
  patch(container, pod);
  return { spec: { template: { spec: pod } } };
}

const DEPLOYMENT = "kubernetes:apps/v1:Deployment";

describe("policy pack", () => {
  const workloadCases: [string, (c: any, pod: any) => void, RegExp][] = [
    ["workload-image-digest", (c) => (c.image = "ghcr.io/acme/web:latest"), /not pinned by digest/],
    ["workload-image-digest", (c) => (c.image = `ghcr.io/Acme/$(id)@${DIGEST}`), /not a valid reference/],
    ["workload-resources", (c) => delete c.resources.limits.memory, /missing limits\.memory/],
    ["workload-probes", (c) => delete c.livenessProbe, /needs readinessProbe and livenessProbe/],
    ["workload-non-root", (c) => delete c.securityContext.runAsNonRoot, /runAsNonRoot is not true/],
    ["workload-no-privilege", (c) => (c.securityContext.allowPrivilegeEscalation = true), /allowPrivilegeEscalation is not false/],
    ["workload-read-only-root", (c) => (c.securityContext.readOnlyRootFilesystem = false), /readOnlyRootFilesystem is not true/],
    ["workload-drop-capabilities", (c) => (c.securityContext.capabilities = { drop: ["ALL"], add: ["NET_ADMIN"] }), /adds capabilities NET_ADMIN/],
    ["workload-seccomp", (_c, pod) => delete pod.securityContext.seccompProfile, /seccomp profile is unset/],
    [
      "workload-no-host-access",
      (_c, pod) => ((pod.hostNetwork = true), (pod.volumes = [{ name: "docker", hostPath: { path: "/var/run" } }])),
      /hostPath[\s\S]*hostNetwork/,
    ],
    ["no-literal-secret-env", (c) => (c.env = [{ name: "STRIPE_API_KEY", value: "sk_live_x" }]), /STRIPE_API_KEY has a literal value/],
  ];
  for (const [name, breakIt, says] of workloadCases) {
    it(`${name}: passes a hardened Deployment, fails a broken one`, async () => {
      assert.deepEqual(await violations(name, DEPLOYMENT, deployment()), []);
      const found = await violations(name, DEPLOYMENT, deployment(breakIt));
      assert.match(found.join("\n"), says);
    });
  }

  it("finds the pod spec of Jobs and CronJobs, and skips probes for them", async () => {
    const pod = (deployment() as any).spec.template;
    delete pod.spec.containers[0].livenessProbe;
    assert.deepEqual(await violations("workload-probes", "kubernetes:batch/v1:Job", { spec: { template: pod } }), []);
    pod.spec.containers[0].image = "postgres:17";
    assert.equal((await violations("workload-image-digest", "kubernetes:batch/v1:CronJob", { spec: { jobTemplate: { spec: { template: pod } } } })).length, 1);
  });

  it("lets allowed env names and valueFrom through", async () => {
    const withEnv = deployment(
      (c) =>
        (c.env = [
          { name: "SENTRY_DSN", value: "https://public@o1.ingest.example/1" },
          { name: "DB_PASSWORD", valueFrom: { secretKeyRef: { name: "s", key: "k" } } },
        ]),
    );
    assert.equal((await violations("no-literal-secret-env", DEPLOYMENT, withEnv)).length, 1);
    assert.deepEqual(await violations("no-literal-secret-env", DEPLOYMENT, withEnv, {}, { allowedNames: ["SENTRY_DSN"] }), []);
  });

  it("service-no-load-balancer: refuses a LoadBalancer unless allow-listed", async () => {
    const svc = { metadata: { name: "web" }, spec: { type: "LoadBalancer" } };
    assert.deepEqual(
      await violations("service-no-load-balancer", "kubernetes:core/v1:Service", { metadata: { name: "web" }, spec: { type: "ClusterIP" } }),
      [],
    );
    assert.match((await violations("service-no-load-balancer", "kubernetes:core/v1:Service", svc)).join(), /"web" is a LoadBalancer/);
    assert.deepEqual(await violations("service-no-load-balancer", "kubernetes:core/v1:Service", svc, {}, { allowedServices: ["web"] }), []);
  });

  it("ingress-tls: every host has TLS, laptop hosts excepted", async () => {
    const INGRESS = "kubernetes:networking.k8s.io/v1:Ingress";
    assert.deepEqual(await violations("ingress-tls", INGRESS, { spec: { rules: [{ host: "dev.example.com" }], tls: [{ hosts: ["dev.example.com"] }] } }), []);
    assert.match((await violations("ingress-tls", INGRESS, { spec: { rules: [{ host: "dev.example.com" }] } })).join(), /"dev\.example\.com" has no TLS/);
    assert.deepEqual(await violations("ingress-tls", INGRESS, { spec: { rules: [{ host: "web.localhost" }] } }), []);
    assert.equal((await violations("ingress-tls", INGRESS, { spec: { rules: [{ host: "web.localhost" }] } }, {}, { allowedPlainHosts: [] })).length, 1);
  });

  it("no-literal-secret-env: no ConfigMap holds a secret-looking key", async () => {
    const CM = "kubernetes:core/v1:ConfigMap";
    assert.deepEqual(await violations("no-literal-secret-env", CM, { data: { LOG_LEVEL: "info", NEXT_PUBLIC_SITE_NAME: "x" } }), []);
    assert.match(
      (await violations("no-literal-secret-env", CM, { data: { STRIPE_KEY: "sk", SMTP_PASS: "p" } })).join("\n"),
      /STRIPE_KEY looks like a credential[\s\S]*SMTP_PASS/,
    );
  });

  it("production-environment-reviewed: production needs reviewers and main only", async () => {
    const ENV = "github:index/repositoryEnvironment:RepositoryEnvironment";
    const reviewed = {
      environment: "production",
      reviewers: [{ users: [], teams: [7] }],
      deploymentBranchPolicy: { protectedBranches: false, customBranchPolicies: true },
      canAdminsBypass: false,
    };
    assert.deepEqual(await violations("production-environment-reviewed", ENV, reviewed), []);
    assert.deepEqual(await violations("production-environment-reviewed", ENV, { ...reviewed, environment: "repository-admin" }), []);
    assert.equal((await violations("production-environment-reviewed", ENV, { environment: "production", reviewers: [{ users: [], teams: [] }] })).length, 3);
    assert.match((await violations("production-environment-reviewed", ENV, { ...reviewed, canAdminsBypass: true })).join(), /admins bypass/);
    assert.match(
      (await violations("production-environment-reviewed", ENV, { ...reviewed, environment: "repository-admin", reviewers: [] })).join(),
      /no required reviewers/,
    );
    assert.deepEqual(await violations("production-environment-reviewed", ENV, { environment: "preview" }), [], "only production's");
  });

  it("neon-production-branch-protected: the default branch is protected twice", async () => {
    const BRANCH = "pulumi-nodejs:dynamic/neon:Branch";
    assert.deepEqual(await violations("neon-production-branch-protected", BRANCH, { adoptDefault: true, protected: true }, { protect: true }), []);
    const found = await violations("neon-production-branch-protected", BRANCH, { adoptDefault: true, protected: false }, { protect: false });
    assert.equal(found.length, 2);
    assert.deepEqual(
      await violations("neon-production-branch-protected", BRANCH, { adoptDefault: false, protected: false }),
      [],
      "dev and previews may be deleted",
    );
    // Neon's Free plan has no protected branches: Pulumi's protect is the guard there, and still required.
    assert.deepEqual(
      await violations("neon-production-branch-protected", BRANCH, { adoptDefault: true, protected: false, protectable: false }, { protect: true }),
      [],
    );
    assert.equal(
      (await violations("neon-production-branch-protected", BRANCH, { adoptDefault: true, protected: false, protectable: false }, { protect: false })).length,
      1,
    );
  });

  it("credentials-kept-secret: credential outputs are secret outputs", async () => {
    const SECRET = "doppler:index/secret:Secret";
    assert.deepEqual(await violations("credentials-kept-secret", SECRET, {}, { additionalSecretOutputs: ["computed", "value"] }), []);
    assert.match((await violations("credentials-kept-secret", SECRET, {}, { additionalSecretOutputs: [] })).join(), /value must be listed/);
    assert.match((await violations("credentials-kept-secret", "pulumi-nodejs:dynamic/neon:Role", {}, {})).join(), /password must be listed/);
  });

  it("prod-disruption-budget-and-autoscaler: required in prod namespaces only", async () => {
    const ns = (profile: string) => resource("kubernetes:core/v1:Namespace", { metadata: { name: `web-${profile}`, labels: { [PROFILE_LABEL]: profile } } });
    const inNs = (type: string, n: string) => resource(type, { metadata: { namespace: n } });
    assert.equal((await stackViolations("prod-disruption-budget-and-autoscaler", [ns("prod")])).length, 2);
    assert.deepEqual(
      await stackViolations("prod-disruption-budget-and-autoscaler", [
        ns("prod"),
        inNs("kubernetes:policy/v1:PodDisruptionBudget", "web-prod"),
        inNs("kubernetes:autoscaling/v2:HorizontalPodAutoscaler", "web-prod"),
      ]),
      [],
    );
    assert.deepEqual(await stackViolations("prod-disruption-budget-and-autoscaler", [ns("dev")]), []);
  });

  it("workload-namespace-default-deny: a namespace with workloads has a default-deny NetworkPolicy", async () => {
    const NP = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
    const deploy = resource(DEPLOYMENT, { metadata: { namespace: "web-dev" } });
    const deny = resource(NP, { metadata: { namespace: "web-dev" }, spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] } });
    const allow = resource(NP, { metadata: { namespace: "web-dev" }, spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"], ingress: [{}] } });
    assert.deepEqual(await stackViolations("workload-namespace-default-deny", [deploy, deny]), []);
    assert.match((await stackViolations("workload-namespace-default-deny", [deploy, allow])).join(), /"web-dev" runs workloads without a default-deny/);
    assert.equal((await stackViolations("workload-namespace-default-deny", [deploy])).length, 1);
  });

  it("preview-database-expires: a preview's branch must expire", async () => {
    const ns = resource("kubernetes:core/v1:Namespace", { metadata: { name: "web-pr-1", labels: { [PROFILE_LABEL]: "preview" } } });
    const branch = (expiresAt?: string) => resource("pulumi-nodejs:dynamic/neon:Branch", { name: "preview/pr-1", expiresAt });
    assert.match((await stackViolations("preview-database-expires", [ns, branch()])).join(), /"preview\/pr-1" has no expiresAt/);
    assert.deepEqual(await stackViolations("preview-database-expires", [ns, branch("2026-12-03T00:00:00Z")]), []);
  });

  // Counted from the cases above as they ran (mocha runs a file's tests in order): a policy
  // added without a case that passes and one that fails is named here.
  it("has a passing and a failing case for every policy", () => {
    assert.ok(outcomes.size > 0, "the cases above ran");
    assert.deepEqual(
      allPolicies.map((p) => p.name).filter((n) => !(outcomes.get(n)?.passed && outcomes.get(n)?.failed)),
      [],
    );
  });

  describe("README's transforms: each does what it says and keeps the whole pack passing", () => {
    const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
    // One block, one example per comment line: each defines APP_TRANSFORM as index.ts would.
    const block = /```ts\n(\/\/[^\n]*\nconst APP_TRANSFORM[\s\S]*?)```/.exec(readme)?.[1] ?? "";
    const examples = block.split(/\n(?=\/\/ )/).filter((e) => e.includes("const APP_TRANSFORM"));
    const effects: [string, (r: Registration[]) => void][] = [
      [
        "a sidecar",
        (r) => {
          const pod = r.find((x) => x.type === DEPLOYMENT)!.inputs.spec.template.spec;
          assert.deepEqual(
            pod.initContainers.map((c: any) => [c.name, c.restartPolicy]),
            [["log-shipper", "Always"]],
          );
          assert.equal(pod.containers.length, 1, "the app's own container untouched");
        },
      ],
      [
        "a probe path",
        (r) => assert.equal(r.find((x) => x.type === DEPLOYMENT)!.inputs.spec.template.spec.containers[0].readinessProbe.httpGet.path, "/api/ready"),
      ],
      [
        "an egress port",
        (r) => {
          const policies = r.filter((x) => x.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy");
          const egress = policies.find((x) => x.name.endsWith("-allow-egress"))!.inputs.spec.egress;
          assert.deepEqual(egress[egress.length - 1], { ports: [{ port: 6379 }], to: [{ ipBlock: { cidr: "203.0.113.10/32" } }] });
          assert.ok(
            policies.filter((x) => !x.name.endsWith("-allow-egress")).every((x) => !JSON.stringify(x.inputs).includes("6379")),
            "no other policy opened",
          );
        },
      ],
    ];

    it("finds one example per promise", () => assert.equal(examples.length, effects.length));

    it("type-checks each example as written, with no cast", () => {
      const file = path.join(ROOT, ".readme-examples.check.ts");
      const body = examples.map((e, i) => `export namespace Example${i} {\n${e}\nexport const transform = APP_TRANSFORM;\n}`).join("\n");
      fs.writeFileSync(file, `import type { NextjsAppArgs } from "./components/nextjs-app";\nimport { sidecar } from "./components/workload";\n${body}\n`);
      try {
        const tsc = spawnSync(
          process.execPath,
          [
            require.resolve("typescript/bin/tsc"),
            "--noEmit",
            "--strict",
            "--skipLibCheck",
            "--target",
            "es2022",
            "--module",
            "commonjs",
            "--moduleResolution",
            "node",
            file,
          ],
          { encoding: "utf8" },
        );
        assert.equal(tsc.status, 0, tsc.stdout + tsc.stderr);
      } finally {
        fs.rmSync(file, { force: true });
      }
      assert.ok(examples.every((e) => !/\bas any\b/.test(e)));
    });

    effects.forEach(([what, check], i) => {
      it(what, async () => {
        const mocks = await useMocks("dev");
        const { NextjsApp } = await import("../components/nextjs-app");
        const { sidecar } = await import("../components/workload");
        const js = ts.transpileModule(`${examples[i]}\nreturn APP_TRANSFORM;`, { compilerOptions: { target: ts.ScriptTarget.ES2022 } }).outputText;
        const transform = (vm.runInThisContext(`(function (sidecar) {\n${js}\n})`) as (s: typeof sidecar) => unknown)(sidecar) as NextjsAppArgs["transform"];
        const app = new NextjsApp("web", {
          appName: "web",
          stack: "dev",
          namespace: "web-dev",
          imageRef: `ghcr.io/acme/web@sha256:${"c".repeat(64)}`,
          resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "500m", memory: "512Mi" } },
          databaseUrl: pulumi.secret("postgresql://u:p@h/d"),
          migrationCommand: ["prisma", "migrate", "deploy"],
          transform,
        });
        await valueOf(app.deployment.metadata.name);
        await mocks.settle();
        check(mocks.registrations);
        const found: string[] = [];
        for (const r of mocks.registrations)
          for (const p of allPolicies.filter((x): x is ResourceValidationPolicy => "validateResource" in x))
            for (const m of await violations(p.name, r.type, r.inputs)) found.push(`${p.name} ${r.name}: ${m}`);
        assert.deepEqual(found, []);
      });
    });
  });

  it("ships an example config that names real policies and settings", async () => {
    const example = JSON.parse(await import("fs").then((fs) => fs.promises.readFile("policy/config.example.json", "utf8"))) as Record<string, unknown>;
    for (const [name, value] of Object.entries(example)) {
      if (name === "all") continue;
      const p = policy(name);
      const settings = Object.keys(value as object).filter((k) => k !== "enforcementLevel");
      assert.deepEqual(
        settings.filter((k) => !(k in ((p.configSchema?.properties ?? {}) as object))),
        [],
        `${name} has unknown settings`,
      );
    }
  });

  describe("the whole program passes the whole pack", () => {
    const SECRETS = { neonApiKey: "k", "doppler:dopplerToken": "d" };
    const CI = { "github:token": "g", ciSecrets: JSON.stringify({ production: { KUBE_CONFIG: "k" }, preview: { NEON_API_KEY: "n" } }) };
    // Every plan for production: what each plan allows differs, the guarantees may not.
    const onPlan = (plan: string) => ({
      ...committedConfig("prod"),
      "nextjs-infra:neon": { ...(committedConfig("prod")["nextjs-infra:neon"] as object), plan },
    });
    const cases: [string, string, Record<string, unknown>][] = [
      ...["local", "dev", "prod", "pr-42", "github"].map((s): [string, string, Record<string, unknown>] => [s, s, committedConfig(s)]),
      ["prod on Neon's free plan", "prod", onPlan("free")],
      ["prod on Neon's launch plan", "prod", onPlan("launch")],
    ];
    for (const [title, stack, config] of cases) {
      it(title, async () => {
        const mocks = (await useMocks(stack, config, stack === "local" ? {} : stack === "github" ? CI : SECRETS)).withServiceInvokes();
        mocks.deployed = { imageRef: `ghcr.io/acme/web@sha256:${"c".repeat(64)}` };
        const outputs = await renderProgram();
        await valueOf(outputs.namespace ?? outputs.environments);
        await mocks.settle();
        const resources = mocks.registrations.map((r: Registration) =>
          resource(r.type, r.inputs, { protect: r.options.protect, additionalSecretOutputs: r.options.additionalSecretOutputs }),
        );
        const found: string[] = [];
        for (const r of mocks.registrations) {
          for (const p of allPolicies.filter((x): x is ResourceValidationPolicy => "validateResource" in x)) {
            for (const m of await violations(p.name, r.type, r.inputs, {
              protect: r.options.protect,
              additionalSecretOutputs: r.options.additionalSecretOutputs,
            }))
              found.push(`${p.name} ${r.type} ${r.name}: ${m}`);
          }
        }
        for (const p of allPolicies.filter((x): x is StackValidationPolicy => "validateStack" in x)) {
          for (const m of await stackViolations(p.name, resources)) found.push(`${p.name}: ${m}`);
        }
        assert.deepEqual(found, []);
        const subject = stack === "github" ? "github:index/actionsEnvironmentSecret:ActionsEnvironmentSecret" : DEPLOYMENT;
        assert.ok(
          resources.some((r) => r.type === subject),
          `the render produced ${subject} to check`,
        );
      });
    }
  });
});
