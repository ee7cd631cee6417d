import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { allStrings, isSecretValue, RecordingMocks, useMocks, valueOf } from "./mocks";
import type { NextjsAppArgs } from "../components/nextjs-app";

const IMAGE = `ghcr.io/acme/web@sha256:${"c".repeat(64)}`;
// Fake credentials that the tests look for, to prove they never leak into plain fields.
// secretlint-disable-next-line
const DB = "postgresql://app:pw-9f8e7d@pooler.example/app";
// secretlint-disable-next-line
const DIRECT = "postgresql://app:pw-9f8e7d@direct.example/app";

const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const JOB = "kubernetes:batch/v1:Job";
const SECRET = "kubernetes:core/v1:Secret";
const CONFIGMAP = "kubernetes:core/v1:ConfigMap";

function args(overrides: Partial<NextjsAppArgs> = {}): NextjsAppArgs {
  return {
    appName: "web",
    stack: "dev",
    namespace: "web-dev",
    imageRef: IMAGE,
    resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "500m", memory: "512Mi" } },
    databaseUrl: pulumi.secret(DB),
    directUrl: pulumi.secret(DIRECT),
    migrationCommand: ["prisma", "migrate", "deploy"],
    ingress: { host: "dev.example.com", className: "nginx", clusterIssuer: "letsencrypt-prod", tls: true },
    ...overrides,
  };
}

describe("NextjsApp", () => {
  let mocks: RecordingMocks;
  let mod: typeof import("../components/nextjs-app");

  async function render(a: NextjsAppArgs) {
    const app = new mod.NextjsApp("web", a);
    await valueOf(app.deployment.metadata.name);
    await mocks.settle();
    return app;
  }

  beforeEach(async () => {
    mocks = await useMocks("dev");
    mod = await import("../components/nextjs-app");
  });

  it("creates the service account, config, secret, migration job, deployment, service, ingress and its network policies", async () => {
    const app = await render(args());
    const types = mocks.registrations.map((r) => r.type).sort();
    assert.deepEqual(types, [
      DEPLOYMENT,
      JOB,
      CONFIGMAP,
      SECRET,
      "kubernetes:core/v1:Service",
      "kubernetes:core/v1:ServiceAccount",
      "kubernetes:networking.k8s.io/v1:Ingress",
      "kubernetes:networking.k8s.io/v1:NetworkPolicy",
      "kubernetes:networking.k8s.io/v1:NetworkPolicy",
      "kubernetes:networking.k8s.io/v1:NetworkPolicy",
      "nextjs-infra:app:MigrationJob",
      "nextjs-infra:app:NextjsApp",
    ]);
    assert.equal(mocks.one(DEPLOYMENT).inputs.metadata.namespace, "web-dev");
    assert.equal(await valueOf(app.url), "https://dev.example.com");
    assert.equal(await valueOf(app.namespace), "web-dev");
  });

  it("runs a hardened, digest-pinned container with probes, requests and limits", async () => {
    await render(args());
    const pod = mocks.one(DEPLOYMENT).inputs.spec.template.spec;
    assert.deepEqual(pod.securityContext, {
      runAsNonRoot: true,
      runAsUser: 1001,
      runAsGroup: 1001,
      fsGroup: 1001,
      seccompProfile: { type: "RuntimeDefault" },
    });
    assert.equal(pod.automountServiceAccountToken, false);
    const [c] = pod.containers;
    assert.equal(c.image, IMAGE);
    assert.match(c.image, /@sha256:[a-f0-9]{64}$/);
    assert.deepEqual(c.securityContext, {
      runAsNonRoot: true,
      privileged: false,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"] },
    });
    assert.deepEqual(
      c.resources,
      { requests: { cpu: "100m", memory: "256Mi", "ephemeral-storage": "128Mi" }, limits: { cpu: "500m", memory: "512Mi", "ephemeral-storage": "2Gi" } },
      "local disk requested and capped too",
    );
    assert.equal(c.startupProbe.timeoutSeconds, 3, "a slow first answer from a small pod is not a failure");
    assert.deepEqual(c.ports, [{ name: "http", containerPort: 3000, protocol: "TCP" }]);
    assert.deepEqual(c.readinessProbe.httpGet, { path: "/api/health?probe=readiness", port: "http" });
    assert.deepEqual(c.livenessProbe.httpGet, { path: "/api/health?probe=liveness", port: "http" });
    assert.deepEqual(c.startupProbe.httpGet, { path: "/api/health?probe=liveness", port: "http" });
    assert.deepEqual(c.lifecycle, { preStop: { sleep: { seconds: 10 } } }, "keeps serving while the endpoint is removed");
    assert.ok(pod.terminationGracePeriodSeconds > 10);
    assert.deepEqual(
      c.volumeMounts.map((m: any) => m.mountPath),
      ["/tmp", "/app/.next/cache"],
      "writable scratch for a read-only root filesystem",
    );
    assert.ok(
      pod.volumes.every((v: any) => v.emptyDir),
      "scratch volumes are emptyDirs",
    );
  });

  it("spreads replicas across nodes, required when asked (production), counting only the current rollout", async () => {
    await render(args({ replicas: 3, spreadAcrossNodes: "required", priorityClassName: "nextjs-infra-production" }));
    const pod = mocks.one(DEPLOYMENT).inputs.spec.template.spec;
    const [nodes, zones] = pod.topologySpreadConstraints;
    assert.deepEqual([nodes.topologyKey, nodes.whenUnsatisfiable, nodes.matchLabelKeys], ["kubernetes.io/hostname", "DoNotSchedule", ["pod-template-hash"]]);
    assert.deepEqual([zones.topologyKey, zones.whenUnsatisfiable], ["topology.kubernetes.io/zone", "ScheduleAnyway"]);
    assert.equal(pod.priorityClassName, "nextjs-infra-production");
    mocks = await useMocks("dev");
    await render(args({ replicas: 2 }));
    assert.equal(mocks.one(DEPLOYMENT).inputs.spec.template.spec.topologySpreadConstraints[0].whenUnsatisfiable, "ScheduleAnyway", "elsewhere only preferred");
  });

  it("rolls out with no unavailable pods and annotations that track config and secret contents", async () => {
    await render(args());
    const spec = mocks.one(DEPLOYMENT).inputs.spec;
    assert.deepEqual(spec.strategy, { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } });
    const ann = spec.template.metadata.annotations;
    assert.match(ann["checksum/config"], /^[a-f0-9]{64}$/);
    assert.match(ann["checksum/secret"], /^[a-f0-9]{64}$/);
    assert.ok(!isSecretValue(mocks.one(DEPLOYMENT).raw.spec), "the pod spec stays readable in diffs");

    const before = ann["checksum/secret"];
    mocks = await useMocks("dev");
    await render(args({ databaseUrl: pulumi.secret(`${DB}?rotated=1`) }));
    assert.notEqual(mocks.one(DEPLOYMENT).inputs.spec.template.metadata.annotations["checksum/secret"], before);
  });

  it("passes secrets only through Secrets with fixed names, never as literal env", async () => {
    await render(args({ secretEnvFrom: ["web-doppler"] }));
    const secret = mocks.one(SECRET);
    assert.ok(isSecretValue(secret.raw.stringData), "stringData is registered as a secret");
    assert.deepEqual(secret.inputs.stringData, { DATABASE_URL: DB, DIRECT_URL: DIRECT });
    assert.equal(secret.inputs.metadata.name, "web-database", "a fixed name: a change updates it in place (the provider makes Secrets mutable)");
    const cm = mocks.one(CONFIGMAP).inputs;
    assert.equal(cm.metadata.name, "web-config");
    assert.ok(!allStrings(cm.data).some((v) => v.includes("pw-9f8e7d")), "no secret in the ConfigMap");
    for (const workload of [mocks.one(DEPLOYMENT), mocks.one(JOB)]) {
      const [c] = workload.inputs.spec.template.spec.containers;
      assert.ok(
        (c.env ?? []).every((e: any) => e.value === undefined),
        "no literal env on the container",
      );
      assert.ok(!allStrings(workload.inputs).some((v) => v.includes("pw-9f8e7d")), `${workload.type} carries no secret value`);
    }
    const [server] = mocks.one(DEPLOYMENT).inputs.spec.template.spec.containers;
    assert.deepEqual(
      server.envFrom.map((e: any) => e.configMapRef?.name ?? e.secretRef?.name),
      ["web-config", "web-doppler", "web-database"],
    );
  });

  it("gives the migration Job only what migrations need, so config and secret changes never re-run it", async () => {
    await render(args({ secretEnvFrom: ["web-doppler"], env: { NEXT_PUBLIC_SITE_NAME: "Acme" } }));
    const before = mocks.one(JOB).inputs;
    const [c] = before.spec.template.spec.containers;
    assert.equal(c.envFrom, undefined);
    assert.deepEqual(c.env, [
      { name: "DIRECT_URL", valueFrom: { secretKeyRef: { name: "web-database", key: "DIRECT_URL" } } },
      { name: "DATABASE_URL", valueFrom: { secretKeyRef: { name: "web-database", key: "DATABASE_URL" } } },
    ]);
    mocks = await useMocks("dev");
    await render(
      args({
        secretEnvFrom: ["web-doppler"],
        env: { NEXT_PUBLIC_SITE_NAME: "Other" },
        logLevel: "warn",
        databaseUrl: pulumi.secret(`${DB}?rotated`),
        sentryRelease: "r2",
      }),
    );
    assert.deepEqual(mocks.one(JOB).inputs, before, "the Job's spec is the same: it is not replaced");
    assert.notDeepEqual(mocks.one(DEPLOYMENT).inputs.spec.template.metadata.annotations, undefined);
  });

  it("seeds after the migrations, in the same Job, only when asked", async () => {
    await render(args());
    const plain = mocks.one(JOB).inputs.spec.template.spec;
    assert.deepEqual([plain.initContainers.map((c: any) => c.name), plain.containers.map((c: any) => c.name)], [["wait-for-database"], ["migrate"]]);
    mocks = await useMocks("dev");
    const seed = ["prisma", "db", "execute", "--file", "prisma/seed.sql"];
    await render(args({ seedCommand: seed }));
    const seeded = mocks.one(JOB).inputs.spec.template.spec;
    // Init containers run one after another, each only if the one before succeeded.
    assert.deepEqual([seeded.initContainers.map((c: any) => c.name), seeded.containers.map((c: any) => c.name)], [["wait-for-database", "migrate"], ["seed"]]);
    assert.deepEqual(seeded.initContainers[1].command, ["prisma", "migrate", "deploy"]);
    assert.deepEqual(seeded.containers[0].command, seed);
    assert.deepEqual(seeded.containers[0].securityContext, seeded.initContainers[1].securityContext, "hardened like the migration");
  });

  it("waits for the database before migrating: a NetworkPolicy engine admits a new pod a moment after it starts", async () => {
    await render(args());
    const [wait] = mocks.one(JOB).inputs.spec.template.spec.initContainers;
    assert.equal(wait.name, "wait-for-database");
    assert.deepEqual(wait.env, [{ name: "DIRECT_URL", valueFrom: { secretKeyRef: { name: "web-database", key: "DIRECT_URL" } } }]);
    assert.deepEqual(wait.securityContext.capabilities, { drop: ["ALL"] });
    // The script itself, run for real: a port that opens a moment late, and one that never does.
    const net = await import("net");
    const { spawn } = await import("child_process");
    const run = (url: string, seconds: string) =>
      new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const p = spawn(process.execPath, wait.command.slice(1), { env: { DIRECT_URL: url, WAIT_SECONDS: seconds } });
        let stderr = "";
        p.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
        p.on("exit", (code) => resolve({ code, stderr }));
      });
    const probe = net.createServer().listen(0, "127.0.0.1");
    await new Promise((r) => probe.once("listening", r));
    const port = (probe.address() as { port: number }).port;
    probe.close();
    const late = run(`postgresql://app:pw@127.0.0.1:${port}/app`, "20");
    await new Promise((r) => setTimeout(r, 1500));
    const server = net.createServer((sock) => sock.end()).listen(port, "127.0.0.1");
    assert.equal((await late).code, 0, "it connected once the port opened");
    server.close();
    const never = await run(`postgresql://app:pw@127.0.0.1:${port}/app`, "2");
    assert.equal(never.code, 1);
    assert.match(never.stderr, new RegExp(`database 127\\.0\\.0\\.1:${port} unreachable`), "and says why, naming no password");
    assert.ok(!never.stderr.includes("pw"));
  });

  it("orders timeouts so the Job's own failure surfaces, and retries a failed Job on the next up", async () => {
    await render(args());
    const job = mocks.one(JOB);
    assert.equal(job.inputs.metadata.annotations["pulumi.com/replaceUnready"], "true", "a failed Job is replaced, not waited on again");
    const jobMod = await import("../components/migration-job");
    assert.equal(job.inputs.spec.activeDeadlineSeconds, jobMod.MIGRATION_DEADLINE_SECONDS);
    assert.ok(jobMod.MIGRATION_DEADLINE_SECONDS < parseInt(jobMod.MIGRATION_WAIT, 10) * 60, "the Job gives up before Pulumi does");
    assert.equal(
      mocks.one(DEPLOYMENT).inputs.spec.progressDeadlineSeconds,
      300,
      "a stuck rollout (e.g. an image that cannot be pulled) fails instead of waiting out the timeout",
    );
  });

  it("writes the non-secret runtime env to the ConfigMap", async () => {
    await render(args({ env: { NEXT_PUBLIC_SITE_NAME: "Acme" }, logLevel: "debug", sentryEnvironment: "dev", sentryRelease: "abc1234", port: 3100 }));
    assert.deepEqual(mocks.one(CONFIGMAP).inputs.data, {
      NEXT_PUBLIC_SITE_NAME: "Acme",
      NODE_ENV: "production",
      PORT: "3100",
      HOSTNAME: "0.0.0.0",
      LOG_LEVEL: "debug",
      NEXTAUTH_URL: "https://dev.example.com",
      SENTRY_ENVIRONMENT: "dev",
      SENTRY_RELEASE: "abc1234",
    });
  });

  it("migrates once per image, before the Deployment rolls out", async () => {
    await render(args());
    const job = mocks.one(JOB).inputs;
    assert.equal(job.metadata.name, `web-migrate-${"c".repeat(12)}`);
    const [c] = job.spec.template.spec.containers;
    assert.deepEqual(c.command, ["prisma", "migrate", "deploy"]);
    assert.equal(c.image, IMAGE);
    assert.equal(job.spec.template.spec.restartPolicy, "Never");
    assert.equal(job.spec.ttlSecondsAfterFinished, undefined, "a self-deleting Job would look like drift");
    assert.equal(c.securityContext.readOnlyRootFilesystem, true);
    assert.ok(c.resources.limits.memory);

    // Resource options are SDK-side: a transformation on the component sees each child's.
    const seen = new Map<string, pulumi.ResourceOptions>();
    const record: pulumi.ResourceTransformation = (t) => {
      seen.set(t.type, t.opts);
      return undefined;
    };
    new mod.NextjsApp("other", args({ namespace: "web-other" }), { transformations: [record] });
    await mocks.settle();
    // The rollout and the new config both wait for the migration: a failed one changes neither.
    for (const type of [DEPLOYMENT, "kubernetes:core/v1:ConfigMap"]) {
      const dependsOn = seen.get(type)?.dependsOn as pulumi.Resource[];
      assert.equal(dependsOn?.length, 1, type);
      assert.match(await valueOf(dependsOn[0].urn), /nextjs-infra:app:MigrationJob::other-migrate$/);
    }
  });

  it("names the Job after the digest, so a new image gets a new Job", async () => {
    const naming = await import("../components/naming");
    const a = naming.migrationJobName("web", `r@sha256:${"1".repeat(64)}`);
    const b = naming.migrationJobName("web", `r@sha256:${"2".repeat(64)}`);
    assert.notEqual(a, b);
    assert.ok(a.length <= 63);
  });

  it("skips the Job when no migration command is given", async () => {
    await render(args({ migrationCommand: undefined }));
    assert.equal(mocks.ofType(JOB).length, 0);
  });

  it("adds an autoscaler and a disruption budget only when asked (prod)", async () => {
    await render(args());
    assert.equal(mocks.ofType("kubernetes:autoscaling/v2:HorizontalPodAutoscaler").length, 0);
    assert.equal(mocks.ofType("kubernetes:policy/v1:PodDisruptionBudget").length, 0);

    mocks = await useMocks("prod");
    await render(
      args({
        stack: "prod",
        namespace: "web-prod",
        autoscaling: { minReplicas: 3, maxReplicas: 10, targetCpuUtilization: 70 },
        disruptionBudget: { minAvailable: 2 },
      }),
    );
    const hpa = mocks.one("kubernetes:autoscaling/v2:HorizontalPodAutoscaler").inputs.spec;
    assert.deepEqual(hpa.scaleTargetRef, { apiVersion: "apps/v1", kind: "Deployment", name: "web" });
    assert.equal(hpa.minReplicas, 3);
    assert.equal(hpa.maxReplicas, 10);
    assert.equal(hpa.metrics[0].resource.target.averageUtilization, 70);
    const pdb = mocks.one("kubernetes:policy/v1:PodDisruptionBudget").inputs.spec;
    assert.equal(pdb.minAvailable, 2);
    assert.equal(pdb.unhealthyPodEvictionPolicy, "AlwaysAllow", "failing pods never block a drain");
    const spread = mocks.one(DEPLOYMENT).inputs.spec.template.spec.topologySpreadConstraints.map((t: any) => [t.topologyKey, t.whenUnsatisfiable]);
    assert.deepEqual(spread, [
      ["kubernetes.io/hostname", "ScheduleAnyway"],
      ["topology.kubernetes.io/zone", "ScheduleAnyway"],
    ]);
    assert.deepEqual(pdb.selector.matchLabels, mocks.one(DEPLOYMENT).inputs.spec.selector.matchLabels);
    assert.equal(mocks.one(DEPLOYMENT).inputs.spec.replicas, undefined, "the autoscaler alone sets the replica count");
  });

  it("terminates TLS with the configured cluster issuer", async () => {
    await render(args());
    const ing = mocks.one("kubernetes:networking.k8s.io/v1:Ingress").inputs;
    assert.equal(ing.metadata.annotations["cert-manager.io/cluster-issuer"], "letsencrypt-prod");
    assert.deepEqual(ing.spec.tls, [{ hosts: ["dev.example.com"], secretName: "web-tls" }]);
    assert.equal(ing.spec.ingressClassName, "nginx");
    assert.equal(ing.spec.rules[0].http.paths[0].backend.service.name, "web");
  });

  it("serves plain HTTP without TLS and has no Ingress when none is asked for", async () => {
    const app = await render(args({ ingress: { host: "web.localhost", tls: false } }));
    assert.equal(await valueOf(app.url), "http://web.localhost");
    assert.equal(mocks.one("kubernetes:networking.k8s.io/v1:Ingress").inputs.spec.tls, undefined);
    mocks = await useMocks("dev");
    const internal = await render(args({ ingress: undefined }));
    assert.equal(mocks.ofType("kubernetes:networking.k8s.io/v1:Ingress").length, 0);
    assert.equal(await valueOf(internal.url), "http://web.web-dev.svc.cluster.local");
  });

  it("marks workloads skip-await only when asked", async () => {
    await render(args({ skipAwait: true }));
    assert.equal(mocks.one(DEPLOYMENT).inputs.metadata.annotations["pulumi.com/skipAwait"], "true");
    assert.equal(mocks.one(JOB).inputs.metadata.annotations["pulumi.com/skipAwait"], "true");
    mocks = await useMocks("dev");
    await render(args());
    assert.deepEqual(mocks.one(DEPLOYMENT).inputs.metadata.annotations, { "pulumi.com/patchForce": "true" }, "a hand edit is taken back on the next up");
  });

  it("lets in only the ingress controller, and out only HTTPS and Postgres to public addresses", async () => {
    await render(args({ ingressControllerNamespace: "traefik", port: 3100 }));
    const policies = Object.fromEntries(mocks.ofType("kubernetes:networking.k8s.io/v1:NetworkPolicy").map((r) => [r.inputs.metadata.name, r.inputs.spec]));
    assert.deepEqual(policies["web-allow-ingress"].ingress, [
      { from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "traefik" } } }], ports: [{ protocol: "TCP", port: 3100 }] },
    ]);
    const egress = policies["web-allow-egress"].egress;
    assert.deepEqual(
      egress[0].ports.map((p: any) => p.port),
      [443, 5432],
    );
    assert.ok(egress[0].to[0].ipBlock.except.includes("169.254.0.0/16"), "never the cloud metadata endpoint");
    assert.ok(egress[0].to[0].ipBlock.except.includes("10.0.0.0/8"), "never other namespaces' pods and Services");
  });

  it("pulls private images with a pull Secret, kept secret", async () => {
    await render(args({ imagePullCredentials: { registry: "ghcr.io", username: "acme-bot", password: pulumi.secret("ghp_pull") } }));
    const pull = mocks.ofType(SECRET).find((s) => s.inputs.type === "kubernetes.io/dockerconfigjson")!;
    assert.ok(isSecretValue(pull.raw.stringData));
    assert.deepEqual(JSON.parse(pull.inputs.stringData[".dockerconfigjson"]).auths["ghcr.io"].username, "acme-bot");
    for (const w of [mocks.one(DEPLOYMENT), mocks.one(JOB)]) assert.deepEqual(w.inputs.spec.template.spec.imagePullSecrets, [{ name: "web-registry" }], w.type);
  });

  it("takes a transform per child, and exposes the children", async () => {
    const app = await render(
      args({
        transform: {
          deployment: (a) => {
            (a.spec as any).template.spec.tolerations = [{ key: "spot", operator: "Exists" }];
          },
          service: (a) => ({ ...a, metadata: { ...(a.metadata as object), annotations: { team: "web" } } }),
        },
      }),
    );
    assert.deepEqual(mocks.one(DEPLOYMENT).inputs.spec.template.spec.tolerations, [{ key: "spot", operator: "Exists" }]);
    assert.deepEqual(mocks.one("kubernetes:core/v1:Service").inputs.metadata.annotations, { team: "web" });
    assert.equal(await valueOf(app.service.metadata.name), "web");
    assert.ok(app.migration && app.ingress && app.configMap && app.databaseSecret);
  });

  it("rejects an autoscaler whose floor is above its ceiling", () => {
    assert.throws(
      () => new mod.NextjsApp("bad", args({ autoscaling: { minReplicas: 4, maxReplicas: 2, targetCpuUtilization: 50 } })),
      /`autoscaling.minReplicas` must not exceed `autoscaling.maxReplicas`/,
    );
  });
});
