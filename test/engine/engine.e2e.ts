/**
 * The engine tier: the real Pulumi engine (built from Go modules by tools/build.sh) and
 * the real Kubernetes provider against a real kube-apiserver on loopback
 * (test/engine/cluster.sh), with a file backend and a passphrase secrets provider.
 *
 * The program runs in-process (the Automation API's inline program loading index.ts), as
 * the delivery scripts run it, so no Node.js language host binary is needed. The cluster
 * has no kubelet: workloads carry `pulumi.com/skipAwait` through the settings' switch
 * (`kubernetes.skipAwait`), in this tier only.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { EngineEvent, LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import { ROOT } from "../mocks";
import { FakeNeon } from "../neon/fake-neon";
import { program } from "../../scripts/lib/workspace";
import { collectDrift, formatDrift } from "../../scripts/lib/drift";
import { DB_PASSWORD, Engine, IMAGE, Kube, startEngine, workloadStack } from "./harness";

describe("the engine tier: the real engine against a real API server", function () {
  this.timeout(600_000);
  let engine: Engine;
  let workDir: string;
  let kube: Kube;
  let stack: Stack;

  before(async () => {
    engine = startEngine();
    ({ workDir, kube } = engine);
    stack = await workloadStack(workDir);
  });

  after(() => engine?.stop());

  /** The stack's state file as the file backend stores it (exportStack would decrypt). */
  function stateAtRest(name: string): string {
    return fs.readFileSync(path.join(engine.tmp, "state", ".pulumi", "stacks", "nextjs-infra", `${name}.json`), "utf8");
  }

  it("previews, then deploys: the API server admits the hardened pods and holds the fields the program set", async () => {
    const preview = await stack.preview();
    assert.ok((preview.changeSummary.create ?? 0) >= 8, JSON.stringify(preview.changeSummary));
    const up = await stack.up();
    assert.equal(up.summary.result, "succeeded");
    const ns = await kube.request("GET", "/api/v1/namespaces/web-local");
    assert.equal(ns.json.metadata.labels["pod-security.kubernetes.io/enforce"], "restricted");
    const d = await kube.request("GET", "/apis/apps/v1/namespaces/web-local/deployments/web");
    assert.equal(d.status, 200);
    const c = d.json.spec.template.spec.containers[0];
    assert.equal(c.image, IMAGE);
    assert.equal(c.securityContext.readOnlyRootFilesystem, true);
    assert.match(d.json.spec.template.metadata.annotations["checksum/secret"], /^[a-f0-9]{64}$/);
    const jobs = await kube.request("GET", "/apis/batch/v1/namespaces/web-local/jobs");
    assert.deepEqual(jobs.json.items.map((j: any) => j.metadata.name), [`web-migrate-${"e".repeat(12)}`]);
    // The controller manager turned the Deployment into a ReplicaSet, and admission
    // (Pod Security "restricted") let its pod spec through.
    for (let i = 0; i < 30; i++) {
      const rs = await kube.request("GET", "/apis/apps/v1/namespaces/web-local/replicasets");
      if (rs.json.items.length > 0) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    const pods = await kube.request("GET", "/api/v1/namespaces/web-local/pods");
    assert.ok(pods.json.items.length >= 1, "pods were admitted under the restricted Pod Security Standard");
  });

  it("changes nothing on a second up", async () => {
    const up = await stack.up();
    const changes = Object.entries(up.summary.resourceChanges ?? {}).filter(([op, n]) => op !== "same" && (n ?? 0) > 0);
    assert.deepEqual(changes, []);
  });

  it("sees a change made behind Pulumi's back (refresh), and puts it back with up", async () => {
    const patched = await kube.request("PATCH", "/apis/apps/v1/namespaces/web-local/deployments/web", { spec: { replicas: 3 } });
    assert.equal(patched.status, 200);
    const events: EngineEvent[] = [];
    await stack.refresh({ previewOnly: true, onEvent: (e) => events.push(e) });
    const drift = collectDrift(events, "refresh");
    assert.ok(drift.some((d) => d.type === "kubernetes:apps/v1:Deployment" && d.changes.some((c) => c.path === "spec.replicas" && c.new === "3")), formatDrift("workload", drift, "text"));
    await stack.refresh();
    await stack.up();
    const after = await kube.request("GET", "/apis/apps/v1/namespaces/web-local/deployments/web");
    assert.equal(after.json.spec.replicas, 1);
  });

  it("keeps every secret out of plaintext in the exported state", async () => {
    const outputs = await stack.outputs();
    assert.equal(outputs.databaseUrl.secret, true);
    assert.ok(stateAtRest("workload").includes('"ciphertext"'), "secrets are stored encrypted");
    assert.ok(!stateAtRest("workload").includes(DB_PASSWORD), "a secret is in plaintext in state");
  });

  it("fails a preview of the real program on bad config before creating anything, naming the key", async () => {
    const bad = await LocalWorkspace.createOrSelectStack({ stackName: "staging", projectName: "nextjs-infra", program: program() }, { workDir });
    await bad.setAllConfig({ profile: { value: "local" }, app: { value: JSON.stringify({ port: 80 }) } });
    await assert.rejects(bad.preview(), /nextjs-infra:app\.port: got 80, expected a TCP port from 1024 to 65535/);
    const exported = (await bad.exportStack()) as unknown as { deployment: { resources?: unknown[] } };
    assert.equal(exported.deployment.resources?.length ?? 0, 0);
  });

  it("runs the Neon provider under the engine against the fake Neon API: create, refresh, protect, destroy", async () => {
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
              neon: { projectId, branch: { name: "dev", adoptDefault: false, protected: false }, compute: { minCu: 0.25, maxCu: 1, suspendTimeoutSeconds: 300 } },
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
      await neon.up();
      assert.equal(fake.branches.get(branchId)?.name, "dev", "up puts the name back");
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
      assert.ok([...fake.branches.values()].some((b) => b.default && b.protected), "the production branch is still there, protected");
      assert.deepEqual(fake.violations, []);
    } finally {
      await fake.stop();
    }
  });

  it("lets the preview deployer deploy into preview namespaces only (RBAC and admission, enforced by the API server)", async () => {
    const access = await LocalWorkspace.createOrSelectStack(
      {
        stackName: "preview-access",
        projectName: "nextjs-infra",
        program: async () => {
          const { PreviewAccess, kubernetesProvider } = (await import(path.join(ROOT, "components"))) as typeof import("../../components");
          const pa = new PreviewAccess("preview-access", {}, { providers: [kubernetesProvider("kubernetes", { context: "engine" })] });
          return { token: pa.token };
        },
      },
      { workDir },
    );
    await access.up();
    const token = String((await access.outputs()).token.value);
    assert.ok(token.length > 20, "the token controller filled the token in");
    const deployer = new Kube(kube.server, token);
    const ns = (name: string, labels: Record<string, string>) => ({ apiVersion: "v1", kind: "Namespace", metadata: { name, labels } });
    const created = await deployer.request("POST", "/api/v1/namespaces", ns("web-pr-1", { "nextjs-infra/profile": "preview" }), "application/json");
    assert.equal(created.status, 201, JSON.stringify(created.json));
    const refused = await deployer.request("POST", "/api/v1/namespaces", ns("not-a-preview", {}), "application/json");
    assert.ok([403, 422].includes(refused.status), `a namespace that is not a preview: ${refused.status}`);
    assert.match(JSON.stringify(refused.json), /only create, change and delete namespaces labelled as previews/);
    const binding = (namespace: string, role: string) => ({
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: { name: "preview-deployer", namespace },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role },
      subjects: [{ kind: "ServiceAccount", name: "preview-deployer", namespace: "nextjs-infra-system" }],
    });
    assert.equal((await deployer.request("POST", "/apis/rbac.authorization.k8s.io/v1/namespaces/web-pr-1/rolebindings", binding("web-pr-1", "nextjs-infra:preview-namespace-admin"), "application/json")).status, 201);
    // Now it works inside its namespace …
    const cm = await deployer.request("POST", "/api/v1/namespaces/web-pr-1/configmaps", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "web-config" }, data: { A: "1" } }, "application/json");
    assert.equal(cm.status, 201, JSON.stringify(cm.json));
    // … and nowhere else: no reads of other namespaces' secrets, no binding anything elsewhere or anything stronger.
    assert.equal((await deployer.request("GET", "/api/v1/namespaces/kube-system/secrets")).status, 403);
    assert.equal((await deployer.request("GET", "/api/v1/namespaces/web-local/configmaps")).status, 403);
    const elsewhere = await deployer.request("POST", "/apis/rbac.authorization.k8s.io/v1/namespaces/kube-system/rolebindings", binding("kube-system", "nextjs-infra:preview-namespace-admin"), "application/json");
    assert.ok([403, 422].includes(elsewhere.status), `binding outside previews: ${elsewhere.status}`);
    const stronger = await deployer.request("POST", "/apis/rbac.authorization.k8s.io/v1/namespaces/web-pr-1/rolebindings", { ...binding("web-pr-1", "cluster-admin"), metadata: { name: "escalate", namespace: "web-pr-1" } }, "application/json");
    assert.ok([403, 422].includes(stronger.status), `binding cluster-admin: ${stronger.status}`);
    const relabel = await deployer.request("PATCH", "/api/v1/namespaces/web-local", { metadata: { labels: { "nextjs-infra/profile": "preview" } } });
    assert.equal(relabel.status, 422, "it cannot relabel another stack's namespace into a preview");
    assert.match(JSON.stringify(relabel.json), /labelled as previews/, "refused by the admission policy");
    assert.equal((await deployer.request("DELETE", "/api/v1/namespaces/web-pr-1")).status, 200);
    await access.destroy();
  });

  it("destroys the stack and leaves nothing of it in the API server", async () => {
    await stack.destroy();
    for (let i = 0; i < 60; i++) {
      if ((await kube.request("GET", "/api/v1/namespaces/web-local")).status === 404) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    assert.equal((await kube.request("GET", "/api/v1/namespaces/web-local")).status, 404);
  });
});
