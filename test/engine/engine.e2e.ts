/**
 * The engine tier: the real Pulumi engine (built from Go modules by tools/build.sh) and the
 * real Kubernetes provider against a real cluster on this machine (test/engine/cluster.sh:
 * kube-apiserver with RBAC, the controller manager, and a real node — containerd, kubelet,
 * kube-proxy, CoreDNS), with a file backend and a passphrase secrets provider.
 *
 * The program is the real one: `npm run local` deploys the local stack — Postgres, the
 * migration Job, the app — from images built here with Docker and pulled by digest from the
 * node's registry. Pods run; probes, Jobs and rollouts are Kubernetes' own.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import { ROOT } from "../mocks";
import { FakeNeon } from "../neon/fake-neon";
import { guestBookText, signGuestBook, withPage } from "../app/browser";
import { program } from "../../scripts/lib/workspace";
import { Engine, Kube, localStack, nodeIp, startEngine } from "./harness";
import { BROKEN_MIGRATION } from "./images";

const NS = "/api/v1/namespaces/web-local";
const APPS = "/apis/apps/v1/namespaces/web-local";
const JOBS = "/apis/batch/v1/namespaces/web-local/jobs";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** The Job the migrator with this digest reference runs (named after the digest). */
const jobFor = (ref: string) => `web-migrate-${ref.split("@sha256:")[1].slice(0, 12)}`;

describe("the engine tier: the real program on a real node", function () {
  this.timeout(900_000);
  let engine: Engine;
  let workDir: string;
  let kube: Kube;
  let stack: Stack;

  before(async function () {
    this.timeout(1_800_000); // cold image builds
    engine = startEngine();
    ({ workDir, kube } = engine);
    stack = await localStack(workDir);
  });

  after(() => engine?.stop());

  /** The stack's state file as the file backend stores it (exportStack would decrypt). */
  function stateAtRest(name: string): string {
    return fs.readFileSync(path.join(engine.tmp, "state", ".pulumi", "stacks", "nextjs-infra", `${name}.json`), "utf8");
  }

  function local(...args: string[]) {
    return spawnSync(
      process.execPath,
      ["-r", path.join(ROOT, "scripts", "register.js"), path.join(ROOT, "scripts", "local.ts"), "--context", "engine", "--project-dir", workDir, ...args],
      {
        cwd: ROOT,
        encoding: "utf8",
        env: process.env,
      },
    );
  }

  async function get(p: string): Promise<any> {
    const r = await kube.request("GET", p);
    assert.equal(r.status, 200, `GET ${p}: ${r.status} ${JSON.stringify(r.json)}`);
    return r.json;
  }

  /** The app's pods that are Ready, with the ReplicaSet hash they belong to. */
  async function readyAppPods(): Promise<{ name: string; created: string; hash: string }[]> {
    const pods = await get(`${NS}/pods?labelSelector=app.kubernetes.io/component%3Dserver`);
    return pods.items
      .filter((p: any) => !p.metadata.deletionTimestamp && (p.status.conditions ?? []).some((c: any) => c.type === "Ready" && c.status === "True"))
      .map((p: any) => ({ name: p.metadata.name, created: p.metadata.creationTimestamp, hash: p.metadata.labels["pod-template-hash"] }));
  }

  /**
   * Waits until the app's Deployment has finished its rollout as Kubernetes defines it (the
   * controller has seen the current spec, every replica is updated and available, no old pod
   * is left). `up` does not always get there first: the provider's Deployment await
   * (pkg/await/deployment.go) does not compare `status.observedGeneration` with the generation
   * for apps/v1, so when an event arrives before the controller has seen the new template, the
   * previous rollout's conditions and ReplicaSet count as done.
   */
  async function rolledOut(): Promise<void> {
    let last: any;
    for (let i = 0; i < 120; i++) {
      const d = await get(`${APPS}/deployments/web`);
      const st = d.status ?? {};
      last = { generation: d.metadata.generation, ...st, conditions: undefined };
      if (st.observedGeneration >= d.metadata.generation && st.replicas === st.updatedReplicas && st.availableReplicas === st.updatedReplicas) return;
      await sleep(1000);
    }
    assert.fail(`the Deployment did not finish its rollout within 2 minutes: ${JSON.stringify(last)}`);
  }

  async function configValue(key: string): Promise<string> {
    return (await get(`${NS}/configmaps/web-config`)).data[key];
  }

  /**
   * Runs a shell script in a one-off pod with the stack's DIRECT_URL, labelled as the migration
   * Job is (so the network policies let it reach the database), as an operator would.
   */
  async function runInCluster(image: string, script: string, vars: Record<string, string> = {}): Promise<void> {
    const name = `operator-${Date.now()}`;
    const pod = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name, labels: { "app.kubernetes.io/name": "web", "app.kubernetes.io/component": "migration" } },
      spec: {
        restartPolicy: "Never",
        securityContext: { runAsNonRoot: true, runAsUser: 1001, runAsGroup: 1001, seccompProfile: { type: "RuntimeDefault" } },
        containers: [
          {
            name: "operator",
            image,
            command: ["sh", "-c", script],
            env: [
              ...Object.entries(vars).map(([k, value]) => ({ name: k, value })),
              { name: "DIRECT_URL", valueFrom: { secretKeyRef: { name: "web-database", key: "DIRECT_URL" } } },
            ],
            securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
          },
        ],
      },
    };
    const created = await kube.request("POST", `${NS}/pods`, pod, "application/json");
    assert.equal(created.status, 201, JSON.stringify(created.json));
    let phase = "";
    for (let i = 0; i < 120 && !["Succeeded", "Failed"].includes(phase); i++) {
      await sleep(1000);
      phase = (await get(`${NS}/pods/${name}`)).status.phase;
    }
    const logs = await kube.request("GET", `${NS}/pods/${name}/log`);
    await kube.request("DELETE", `${NS}/pods/${name}`);
    assert.equal(phase, "Succeeded", `${script} in the cluster: ${phase}\n${JSON.stringify(logs.json ?? logs)}`);
  }

  // The network policy engine admits a new pod a moment after it starts: each retries until the database answers.
  /** One SQL statement, with psql from the tier's Postgres image. */
  const psqlInCluster = (sql: string) =>
    runInCluster(
      engine.images.postgres,
      'for i in $(seq 1 20); do pg_isready -q -d "$DIRECT_URL" && break; sleep 1; done; psql "$DIRECT_URL" -v ON_ERROR_STOP=1 -c "$SQL"',
      { SQL: sql },
    );
  /** The migrator's own command, from a migrator image (as `prisma migrate resolve` would be run). */
  const migratorInCluster = (image: string, args: string) =>
    runInCluster(image, `for i in $(seq 1 20); do node migrate.mjs ${args} && exit 0; sleep 1; done; exit 1`);

  it("`npm run local` deploys the whole local stack: Postgres, then the migration Job, then the app, all Ready", async () => {
    const r = local();
    assert.equal(r.status, 0, `npm run local failed:\n${r.stdout.slice(-4000)}\n${r.stderr.slice(-4000)}`);
    // Pulumi.local.yaml's host; the tier reaches the app through its Service (no ingress controller here).
    assert.match(r.stdout, /The app runs at http:\/\/web\.localhost/);
    assert.match(r.stdout, /-n web-local port-forward service\/web/);
    assert.match(r.stdout, /npm run local -- --destroy/);
    // Postgres accepts connections before anything connects: the Job's first pod succeeded.
    const pg = await get(`${NS}/pods/postgres-0`);
    assert.ok(
      pg.status.conditions.some((c: any) => c.type === "Ready" && c.status === "True"),
      "Postgres is Ready",
    );
    const job = await get(`${JOBS}/${jobFor(engine.images.migrator)}`);
    assert.equal(job.status.succeeded, 1);
    assert.equal(job.status.failed ?? 0, 0, "the migration never ran before Postgres was ready");
    // The migration finished before any pod of the app existed.
    const pods = await readyAppPods();
    assert.ok(pods.length >= 1, "the app's pods are Ready");
    for (const pod of pods)
      assert.ok(
        Date.parse(job.status.completionTime) <= Date.parse(pod.created),
        `${pod.name} was created at ${pod.created}, before the migration completed at ${job.status.completionTime}`,
      );
    const d = await get(`${APPS}/deployments/web`);
    assert.equal(d.spec.template.spec.containers[0].image, engine.images.app, "deployed by digest");
    assert.equal(d.status.readyReplicas, d.spec.replicas);
  });

  it("serves the app through its Service; the guest book writes to Postgres and survives the pod", async () => {
    const base = await kube.serviceUrl("web-local", "web");
    const db = await fetch(`${base}/api/health/db`);
    assert.equal(db.status, 200);
    assert.equal(((await db.json()) as { database: string }).database, "up");
    const text = await withPage(async (page) => {
      await signGuestBook(page, base, "Grace", "Signed on a real node");
      // A new pod, same database: the entry lives in Postgres, not in the server.
      const [pod] = await readyAppPods();
      assert.equal((await kube.request("DELETE", `${NS}/pods/${pod.name}`)).status, 200);
      for (let i = 0; i < 120; i++) {
        const ready = await readyAppPods();
        if (ready.length > 0 && !ready.some((p) => p.name === pod.name)) break;
        await sleep(1000);
      }
      return guestBookText(page, base);
    });
    assert.match(text, /Grace: Signed on a real node/);
    assert.match(text, /nextjs-infra: Welcome: this entry comes from prisma\/seed\.sql/, "the seed ran after the migrations");
  });

  describe("NetworkPolicies, enforced on the node (kube-router)", () => {
    const SERVER = "node -e \"require('http').createServer((q, s) => s.end('ok')).listen(8080)\"";
    /**
     * Clients wait 5 s, then try for 10 s, once a second: exit 0 at the first answer, 1 if none
     * came. kube-router filters a new pod only once it has programmed it, a second or two after
     * the pod starts (before that its first packets pass unfiltered, and a peer's may be
     * refused), so what counts is how the pod is treated once the engine knows it.
     */
    const keepTrying = (attempt: string) =>
      `node -e "const end = Date.now() + 15000; const again = () => Date.now() > end ? process.exit(1) : setTimeout(run, 1000); const run = () => { ${attempt} }; setTimeout(run, 5000);"`;
    const connect = (host: string) =>
      keepTrying(
        `const s = require('net').connect(8080, '${host}'); s.setTimeout(2000, () => { s.destroy(); again(); }); s.on('connect', () => process.exit(0)); s.on('error', again);`,
      );
    const resolve = keepTrying("require('dns').promises.lookup('kubernetes.default.svc.cluster.local').then(() => process.exit(0), again);");
    const server = { "app.kubernetes.io/name": "web", "app.kubernetes.io/instance": "pr-1", "app.kubernetes.io/component": "server" };
    let seq = 0;

    function pod(name: string, labels: Record<string, string>, command: string) {
      return {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name, labels },
        spec: {
          restartPolicy: "Never",
          securityContext: { runAsNonRoot: true, runAsUser: 1001, runAsGroup: 1001, seccompProfile: { type: "RuntimeDefault" } },
          containers: [
            {
              name: "c",
              image: engine.images.app,
              command: ["sh", "-c", command],
              resources: { requests: { cpu: "10m", memory: "64Mi" }, limits: { cpu: "200m", memory: "128Mi" } },
              securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
            },
          ],
        },
      };
    }

    async function run(namespace: string, labels: Record<string, string>, command: string): Promise<"Succeeded" | "Failed"> {
      const name = `probe-${++seq}`;
      const created = await kube.request("POST", `/api/v1/namespaces/${namespace}/pods`, pod(name, labels, command), "application/json");
      assert.equal(created.status, 201, JSON.stringify(created.json));
      for (let i = 0; i < 90; i++) {
        const phase = (await get(`/api/v1/namespaces/${namespace}/pods/${name}`)).status.phase as string;
        if (phase === "Succeeded" || phase === "Failed") return phase;
        await sleep(1000);
      }
      assert.fail(`${namespace}/${name} did not finish`);
    }

    async function serve(namespace: string, labels: Record<string, string>): Promise<string> {
      const name = `server-${++seq}`;
      assert.equal((await kube.request("POST", `/api/v1/namespaces/${namespace}/pods`, pod(name, labels, SERVER), "application/json")).status, 201);
      for (let i = 0; i < 90; i++) {
        const p = await get(`/api/v1/namespaces/${namespace}/pods/${name}`);
        if (p.status.phase === "Running" && p.status.podIP) return p.status.podIP as string;
        await sleep(1000);
      }
      assert.fail(`${namespace}/${name} did not run`);
    }

    it("blocks what default-deny denies and lets through what the app's policies allow: DNS, the ingress controller; no preview reaches another", async () => {
      // Two previews with the program's own guardrails and the app's own policies, a namespace with no policy, and the controller's.
      const guarded = await LocalWorkspace.createOrSelectStack(
        {
          stackName: "np",
          projectName: "nextjs-infra",
          program: async () => {
            const { AppNamespace, kubernetesProvider, PREVIEW_QUOTA } = (await import(path.join(ROOT, "components"))) as typeof import("../../components");
            const { appEgress, ingressFromController } = (await import(
              path.join(ROOT, "components", "network-policies")
            )) as typeof import("../../components/network-policies");
            const k8s = await import("@pulumi/kubernetes");
            const provider = kubernetesProvider("kubernetes", { context: "engine" });
            const dns = { namespaces: ["kube-system"], ports: [53], cidrs: [`${nodeIp()}/32`] };
            for (const pr of [1, 2]) {
              const ns = new AppNamespace(`web-pr-${pr}`, { name: `web-pr-${pr}`, profile: "preview", quota: PREVIEW_QUOTA, dns }, { providers: [provider] });
              const policy = (suffix: string, spec: import("@pulumi/kubernetes").types.input.networking.v1.NetworkPolicySpec) =>
                new k8s.networking.v1.NetworkPolicy(`pr-${pr}-${suffix}`, { metadata: { name: `web-${suffix}`, namespace: ns.name }, spec }, { provider });
              policy("allow-ingress", ingressFromController({ ...server, "app.kubernetes.io/instance": `pr-${pr}` }, "ingress-nginx", 8080));
              policy("allow-egress", appEgress("web"));
            }
            for (const name of ["np-open", "ingress-nginx"]) new k8s.core.v1.Namespace(name, { metadata: { name } }, { provider });
            return {};
          },
        },
        { workDir },
      );
      await guarded.up();
      const one = await serve("web-pr-1", server);
      const open = await serve("np-open", { app: "open" });
      // All at once (each probe takes its 15 s): what is allowed works, so a block is the policy, not a broken pod …
      const pr2 = { ...server, "app.kubernetes.io/instance": "pr-2" };
      const [controller, dns, unguarded, neighbour, stranger, outbound, anyPod] = await Promise.all([
        run("ingress-nginx", { app: "controller" }, connect(one)),
        run("web-pr-1", server, resolve),
        run("np-open", { app: "client" }, connect(open)),
        run("web-pr-2", pr2, connect(one)),
        run("np-open", { app: "client" }, connect(one)),
        run("web-pr-1", server, connect(open)),
        run("web-pr-1", { app: "unlabelled" }, resolve),
      ]);
      assert.equal(controller, "Succeeded", "the controller reaches the app");
      assert.equal(dns, "Succeeded", "the app resolves names (its DNS allowance)");
      assert.equal(unguarded, "Succeeded", "an unguarded namespace talks to itself");
      assert.equal(anyPod, "Succeeded", "DNS is allowed for every pod of the namespace");
      // … and what is not is blocked, by the node.
      assert.equal(neighbour, "Failed", "one preview cannot reach another");
      assert.equal(stranger, "Failed", "a namespace without a policy cannot reach a preview (its ingress is default-deny)");
      assert.equal(outbound, "Failed", "a preview cannot reach out to another namespace (its egress is default-deny)");
      await guarded.destroy();
      for (const n of ["web-pr-1", "web-pr-2", "np-open", "ingress-nginx"]) await kube.request("DELETE", `/api/v1/namespaces/${n}`);
    });
  });

  it("runs the policy pack under the engine: a workload it forbids is refused before anything is created", async () => {
    // `npm run local` above passed the pack with the whole local stack; here, what it must refuse.
    const probe = await LocalWorkspace.createOrSelectStack(
      {
        stackName: "policy-probe",
        projectName: "nextjs-infra",
        program: async () => {
          const { kubernetesProvider } = (await import(path.join(ROOT, "components"))) as typeof import("../../components");
          const k8s = await import("@pulumi/kubernetes");
          const provider = kubernetesProvider("kubernetes", { context: "engine" });
          const labels = { app: "unpinned" };
          const spec = {
            selector: { matchLabels: labels },
            template: { metadata: { labels }, spec: { containers: [{ name: "web", image: "nginx:latest" }] } },
          };
          new k8s.apps.v1.Deployment("unpinned", { metadata: { name: "unpinned", namespace: "default" }, spec }, { provider });
          return {};
        },
      },
      { workDir },
    );
    try {
      await assert.rejects(probe.up({ policyPacks: [engine.policyPack] }), (e: Error) => {
        assert.match(e.message, /workload-image-digest/, e.message.slice(-3000));
        assert.match(e.message, /mandatory/);
        return true;
      });
      assert.equal((await kube.request("GET", "/apis/apps/v1/namespaces/default/deployments/unpinned")).status, 404, "nothing was created");
    } finally {
      await probe.workspace.removeStack("policy-probe", { force: true });
    }
  });

  it("changes nothing on a second up", async () => {
    const up = await stack.up();
    const changes = Object.entries(up.summary.resourceChanges ?? {}).filter(([op, n]) => op !== "same" && (n ?? 0) > 0);
    assert.deepEqual(changes, []);
  });

  it("rolls the pods on a config change and on a secret change, and leaves the migration Job alone", async () => {
    const job = await get(`${JOBS}/${jobFor(engine.images.migrator)}`);
    const change = async (what: string, set: () => Promise<void>) => {
      const before = await readyAppPods();
      await set();
      const up = await stack.up();
      assert.equal(up.summary.result, "succeeded");
      await rolledOut();
      const after = await get(`${JOBS}/${jobFor(engine.images.migrator)}`);
      assert.equal(after.metadata.uid, job.metadata.uid, `${what}: the same Job (migrations do not rerun)`);
      const pods = await readyAppPods();
      assert.ok(pods.length >= 1, `${what}: pods are Ready`);
      assert.ok(
        pods.every((p) => !before.some((b) => b.hash === p.hash)),
        `${what}: new pods from a new ReplicaSet`,
      );
    };
    await change("config", () => stack.setConfig("nextjs-infra:app.logLevel", { value: "warn" }, true));
    assert.equal(await configValue("LOG_LEVEL"), "warn");
    await change("secret", () => stack.setConfig("nextjs-infra:appSecrets.SENTRY_DSN", { value: "https://k3y@sentry.invalid/1", secret: true }, true));
    const env = await get(`${NS}/secrets/web-env`);
    assert.equal(Buffer.from(env.data.SENTRY_DSN, "base64").toString(), "https://k3y@sentry.invalid/1");
  });

  it("stops at a failing migration: the error names the Job and why, and the running pods keep serving", async () => {
    const serving = await readyAppPods();
    const deployment = await get(`${APPS}/deployments/web`);
    await stack.setConfig("nextjs-infra:image.migratorRef", { value: engine.images.brokenMigrator }, true);
    await stack.setConfig("nextjs-infra:app.logLevel", { value: "info" }, true);
    const failed = await stack.up().then(
      () => undefined,
      (e: unknown) => (e instanceof Error ? e.message : String(e)),
    );
    assert.ok(failed, "up fails");
    assert.match(failed, new RegExp(jobFor(engine.images.brokenMigrator)));
    assert.match(failed, /BackoffLimitExceeded|exit code 3|failed/i);
    assert.equal((await get(`${APPS}/deployments/web`)).metadata.generation, deployment.metadata.generation, "the Deployment was not changed");
    assert.equal(await configValue("LOG_LEVEL"), "warn", "the running version's config was not changed");
    const still = await readyAppPods();
    assert.deepEqual(
      still.map((p) => p.hash),
      serving.map((p) => p.hash),
      "the same pods serve",
    );
    assert.equal((await fetch(`${await kube.serviceUrl("web-local", "web")}/api/health/db`)).status, 200);
  });

  it("retries the same migration with one more `up` once its cause is fixed and it is marked rolled back: the failed Job is replaced", async () => {
    const failed = await get(`${JOBS}/${jobFor(engine.images.brokenMigrator)}`);
    // Prisma recorded the failure and refuses every later deploy until the operator fixes the
    // cause (here: creates the table the migration expects) and marks the migration rolled back …
    await psqlInCluster(`CREATE TABLE "NoSuchTable" ("id" INTEGER)`);
    await migratorInCluster(engine.images.brokenMigrator, `resolve --rolled-back ${BROKEN_MIGRATION}`);
    // … then runs the deploy again, with nothing changed.
    const up = await stack.up();
    assert.equal(up.summary.result, "succeeded");
    const job = await get(`${JOBS}/${jobFor(engine.images.brokenMigrator)}`);
    assert.notEqual(job.metadata.uid, failed.metadata.uid, "a new Job, not a wait on the failed one");
    assert.equal(job.status.succeeded, 1);
    assert.equal(await configValue("LOG_LEVEL"), "info", "then the config and the rollout");
    await rolledOut();
    const pods = await readyAppPods();
    assert.ok(pods.length >= 1, "pods are Ready");
    for (const pod of pods) assert.ok(Date.parse(job.status.completionTime) <= Date.parse(pod.created));
  });

  it("runs a new Job for a new migrator digest, before the rollout", async () => {
    const before = await readyAppPods();
    await stack.setConfig("nextjs-infra:image.migratorRef", { value: engine.images.migrator }, true);
    await stack.setConfig("nextjs-infra:app.logLevel", { value: "debug" }, true);
    const up = await stack.up();
    assert.equal(up.summary.result, "succeeded");
    const job = await get(`${JOBS}/${jobFor(engine.images.migrator)}`);
    assert.equal(job.status.succeeded, 1);
    assert.equal((await kube.request("GET", `${JOBS}/${jobFor(engine.images.brokenMigrator)}`)).status, 404, "the previous digest's Job is gone");
    await rolledOut();
    const pods = await readyAppPods();
    assert.ok(pods.length >= 1 && pods.every((p) => !before.some((b) => b.hash === p.hash)), "rolled");
    for (const pod of pods) assert.ok(Date.parse(job.status.completionTime) <= Date.parse(pod.created));
  });

  it("`npm run drift` reports no drift (exit 0), then a change made by hand (exit 1), which up puts back", async () => {
    const drift = () =>
      spawnSync(
        process.execPath,
        ["-r", path.join(ROOT, "scripts", "register.js"), path.join(ROOT, "scripts", "drift.ts"), "--stack", "local", "--cwd", workDir],
        {
          cwd: ROOT,
          encoding: "utf8",
          env: process.env,
        },
      );
    const clean = drift();
    assert.equal(clean.status, 0, `${clean.stdout}\n${clean.stderr.slice(-3000)}`);
    assert.match(clean.stdout, /no drift/i);
    const patched = await kube.request("PATCH", `${APPS}/deployments/web`, { spec: { replicas: 2 } });
    assert.equal(patched.status, 200);
    const drifted = drift();
    assert.equal(drifted.status, 1, `${drifted.stdout}\n${drifted.stderr.slice(-3000)}`);
    assert.match(drifted.stdout, /Deployment/);
    assert.match(drifted.stdout, /spec\.replicas/);
    await stack.refresh();
    await stack.up();
    assert.equal((await get(`${APPS}/deployments/web`)).spec.replicas, 1);
  });

  it("keeps every secret out of plaintext in the state at rest", async () => {
    const decode = (b64: string) => Buffer.from(b64, "base64").toString("utf8");
    const dbSecret = await get(`${NS}/secrets/web-database`);
    const password = new URL(decode(dbSecret.data.DATABASE_URL)).password;
    const env = await get(`${NS}/secrets/web-env`);
    const values = [password, ...Object.values(env.data as Record<string, string>).map(decode)].filter((v) => v.length >= 16);
    assert.ok(values.length >= 2, "the database password and the app's generated secrets");
    const state = stateAtRest("local");
    assert.ok(state.includes('"ciphertext"'), "secrets are stored encrypted");
    for (const v of values) assert.ok(!state.includes(v), "a secret is in plaintext in state");
  });

  it("fails a preview of the real program on bad config before creating anything, naming the key", async () => {
    const bad = await LocalWorkspace.createOrSelectStack(
      { stackName: "staging", projectName: "nextjs-infra", program: program(undefined, workDir) },
      { workDir },
    );
    await bad.setAllConfig({ profile: { value: "local" }, app: { value: JSON.stringify({ port: 80 }) } });
    await assert.rejects(bad.preview(), /nextjs-infra:app\.port: got 80, expected a TCP port from 1024 to 65535/);
    const exported = (await bad.exportStack()) as unknown as { deployment: { resources?: unknown[] } };
    assert.equal(exported.deployment.resources?.length ?? 0, 0);
  });

  /** What a preview by the real engine plans: each resource it touches (providers aside) and which inputs differ. */
  async function plannedSteps(st: Stack) {
    const steps: { name: string; op: string; changed: string[] }[] = [];
    const preview = await st.preview({
      onEvent: (e) => {
        const m = e.resourcePreEvent?.metadata;
        // The dynamic provider itself takes the stack's config, so it may update too.
        if (!m || m.op === "same" || m.type.startsWith("pulumi:providers:")) return;
        const [olds, news] = [m.old?.inputs ?? {}, m.new?.inputs ?? {}];
        const changed = [...new Set([...Object.keys(olds), ...Object.keys(news)])].filter((k) => JSON.stringify(olds[k]) !== JSON.stringify(news[k]));
        steps.push({ name: m.urn.split("::").pop()!, op: m.op, changed });
      },
    });
    return { steps, preview };
  }

  it("runs the Neon provider under the engine against the fake Neon API: create, refresh, update without replacement, protect, destroy", async () => {
    const fake = new FakeNeon();
    const url = await fake.start();
    try {
      const { projectId } = fake.seedProject();
      const neon = await LocalWorkspace.createOrSelectStack(
        {
          stackName: "neon",
          projectName: "nextjs-infra",
          program: async () => {
            const { AppDatabase } = await import(path.join(ROOT, "components", "database"));
            const db = new AppDatabase("db", {
              neon: {
                projectId,
                branch: { name: "dev", adoptDefault: false, protected: false },
                compute: { minCu: 0.25, maxCu: new pulumi.Config().getNumber("maxCu") ?? 1, suspendTimeoutSeconds: 300 },
              },
            });
            return { branchId: db.branchId, databaseUrl: pulumi.secret(db.databaseUrl) };
          },
        },
        { workDir },
      );
      await neon.setAllConfig({ neonApiUrl: { value: url }, neonApiKey: { value: fake.apiKey, secret: true } });
      await neon.up();
      const branchId = String((await neon.outputs()).branchId.value);
      assert.equal(fake.branches.get(branchId)?.name, "dev");
      assert.ok(!stateAtRest("neon").includes(fake.apiKey), "the API key is not in state");
      fake.branches.get(branchId)!.name = "renamed-in-the-console";
      const refresh = await neon.refresh();
      assert.equal(refresh.summary.resourceChanges?.update, 1, JSON.stringify(refresh.summary.resourceChanges));
      // The role's password came back from the API on refresh: still only ciphertext at rest.
      const passwords = [...fake.roles.values()].map((r) => String((r as { password?: string }).password ?? "")).filter(Boolean);
      assert.ok(passwords.length > 0);
      for (const pw of passwords) assert.ok(!stateAtRest("neon").includes(pw), "a role password is in plaintext in state");
      // The branch's update, previewed by the real engine: its id stays known, so nothing that
      // depends on it (endpoint, role, database) is planned for replacement.
      const putBack = await plannedSteps(neon);
      assert.deepEqual(
        putBack.steps.map(({ name, op }) => ({ name, op })),
        [{ name: "db-branch", op: "update" }],
        putBack.preview.stdout,
      );
      await neon.up();
      assert.equal(fake.branches.get(branchId)?.name, "dev", "up puts the name back");

      // An update previewed by the real engine: the dynamic provider's preview of an update must
      // not turn ids, hosts or passwords unknown and so cascade into replacements.
      await neon.setConfig("maxCu", { value: "2" });
      const { steps, preview } = await plannedSteps(neon);
      assert.deepEqual(preview.changeSummary, { same: preview.changeSummary.same, update: 1 }, preview.stdout);
      assert.deepEqual(steps, [{ name: "db-endpoint", op: "update", changed: ["maxCu"] }], "only the endpoint, only maxCu, updated in place");
      const patches = fake.log.filter((l) => l.operationId === "updateProjectEndpoint").length;
      await neon.up();
      assert.equal(fake.log.filter((l) => l.operationId === "updateProjectEndpoint").length, patches + 1, "one PATCH of the endpoint");
      const after = await neon.preview();
      assert.deepEqual(Object.keys(after.changeSummary), ["same"], "nothing left to change");
      await neon.destroy();
      assert.equal(fake.branches.has(branchId), false);

      // The prod profile's database: protected, so `destroy` refuses.
      const prod = await LocalWorkspace.createOrSelectStack(
        {
          stackName: "neon-prod",
          projectName: "nextjs-infra",
          program: async () => {
            const { AppDatabase } = await import(path.join(ROOT, "components", "database"));
            new AppDatabase("db", {
              retain: true,
              neon: { projectId, branch: { name: "main", adoptDefault: true, protected: true }, compute: { minCu: 0.25, maxCu: 1, suspendTimeoutSeconds: 0 } },
            });
            return {};
          },
        },
        { workDir },
      );
      await prod.setAllConfig({ neonApiUrl: { value: url }, neonApiKey: { value: fake.apiKey, secret: true } });
      await prod.up();
      await assert.rejects(prod.destroy(), /protected/);
      assert.ok(
        [...fake.branches.values()].some((b) => b.default && b.protected),
        "the production branch is still there, protected",
      );
      assert.deepEqual(fake.violations, []);
    } finally {
      await fake.stop();
    }
  });

  it("keeps the digest a stack runs: its next up reads it from its own last deployment (a reference to itself)", async () => {
    const { deployedImageRefs } = await import(path.join(ROOT, "components", "app-image"));
    const ref = `localhost:5001/web@sha256:${"a".repeat(64)}`;
    const migratorRef = `localhost:5001/web-migrator@sha256:${"b".repeat(64)}`;
    let first = true;
    const selfRef = await LocalWorkspace.createOrSelectStack(
      {
        stackName: "self-reference",
        projectName: "nextjs-infra",
        program: async () => {
          // As index.ts names it for the prod profile.
          const deployed = await deployedImageRefs(`${pulumi.getOrganization()}/nextjs-infra/${pulumi.getStack()}`);
          if (first) return { imageRef: ref, migratorRef, read: deployed.imageRef ?? "nothing" };
          return { imageRef: deployed.imageRef, migratorRef: deployed.migratorRef, read: deployed.imageRef ?? "nothing" };
        },
      },
      { workDir },
    );
    await selfRef.up();
    assert.equal((await selfRef.outputs()).read.value, "nothing", "never deployed: nothing to keep");
    first = false;
    const again = await selfRef.up();
    const outputs = await selfRef.outputs();
    assert.equal(outputs.read.value, ref, "the second up read the digest the first one deployed");
    assert.equal(outputs.migratorRef.value, migratorRef);
    assert.deepEqual(
      Object.keys(again.summary.resourceChanges ?? {}).filter((k) => !["same", "read"].includes(k)),
      [],
      "keeping the digest changes nothing (the reference is a read)",
    );
    await selfRef.destroy();
  });

  it("`npm run local -- --destroy` removes the stack and leaves nothing of it in the cluster", async () => {
    const r = local("--destroy");
    assert.equal(r.status, 0, `${r.stdout.slice(-4000)}\n${r.stderr.slice(-2000)}`);
    for (let i = 0; i < 120; i++) {
      if ((await kube.request("GET", NS)).status === 404) break;
      await sleep(1000);
    }
    assert.equal((await kube.request("GET", NS)).status, 404);
    const pods = await get("/api/v1/pods?labelSelector=app.kubernetes.io/managed-by%3Dpulumi");
    assert.deepEqual(
      pods.items.map((p: any) => p.metadata.name),
      [],
    );
    const stacks = await (await LocalWorkspace.create({ workDir })).listStacks();
    assert.ok(!stacks.some((st) => st.name === "local"), "the stack is removed");
  });
});
