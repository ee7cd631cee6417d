/**
 * The preview contract, enforced by a real API server: kube-apiserver (RBAC on) trusting a
 * stand-in for GitHub's OIDC issuer through the JWT authenticator the cluster stack exports,
 * with the cluster stack's own PreviewAccess applied by the real engine. Every request below
 * is made with a pull request's own token, as its preview job would: each attack a security
 * review listed is refused by name, and a legitimate preview still deploys (the program's
 * own AppNamespace, applied by the engine with that token). Only the control plane runs
 * here: admission needs no node, and pods the controllers create are admitted or refused
 * before any node would see them.
 */
import { strict as assert } from "assert";
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { LocalWorkspace } from "@pulumi/pulumi/automation";
import { ROOT } from "../mocks";
import { Kube, TOOLS } from "./harness";
import { mintToken } from "./oidc-issuer";
import { PREVIEW_ACCESS, previewAuthentication } from "../../components/preview-access";

const REPO = "acme/web";
const DOMAIN = "preview.example.com";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("the preview contract, enforced by a real API server", function () {
  this.timeout(300_000);
  let tmp: string;
  let issuerDir: string;
  let clusterDir: string;
  let admin: Kube;
  let issuer: ReturnType<typeof spawn> | undefined;
  const saved = { ...process.env };

  const cluster = (...args: string[]) =>
    spawnSync("bash", [path.join(ROOT, "test", "engine", "cluster.sh"), ...args], { encoding: "utf8", env: { ...process.env, NEXTJS_INFRA_TOOLS: TOOLS } });
  const token = (ref: string, extra: Partial<{ repository: string; environment: string; aud: string; ttl: number }> = {}) =>
    mintToken(issuerDir, { repository: REPO, environment: "preview", aud: PREVIEW_ACCESS.audience, ref, ...extra });
  const as = (t: string) => new Kube(admin.server, t);
  const pr = (n: number) => as(token(`refs/pull/${n}/merge`));

  /** Retries while RBAC has not yet seen a new binding (the authorizer learns of it from an informer). */
  async function settled(fn: () => Promise<{ status: number; json: any }>): Promise<{ status: number; json: any }> {
    let r = await fn();
    for (let i = 0; i < 40 && r.status === 403 && !JSON.stringify(r.json).includes("ValidatingAdmissionPolicy"); i++) {
      await sleep(250);
      r = await fn();
    }
    return r;
  }
  const post = (k: Kube, p: string, body: unknown) => k.request("POST", p, body, "application/json");
  /** A refusal: 403 by RBAC or by an admission policy, 422 by an admission policy; `says` names the rule. */
  function refused(r: { status: number; json: any }, says: RegExp, what: string): void {
    assert.ok([403, 422].includes(r.status), `${what}: got ${r.status} ${JSON.stringify(r.json)?.slice(0, 300)}`);
    assert.match(JSON.stringify(r.json), says, what);
  }
  const ns = (name: string, labels: Record<string, string>) => ({ apiVersion: "v1", kind: "Namespace", metadata: { name, labels } });
  const previewLabels = {
    "nextjs-infra/profile": "preview",
    "pod-security.kubernetes.io/enforce": "restricted",
    "pod-security.kubernetes.io/enforce-version": "v1.34",
    "pod-security.kubernetes.io/warn": "restricted",
    "pod-security.kubernetes.io/warn-version": "v1.34",
  };

  /** Applies a Pulumi program with the real engine, against the cluster, as the identity in `kubeconfig`. */
  async function apply(
    stackName: string,
    kubeconfig: string,
    build: (k8sProvider: unknown) => Promise<Record<string, unknown>>,
    destroy = false,
  ): Promise<Record<string, unknown>> {
    const workDir = path.join(tmp, "project");
    const stack = await LocalWorkspace.createOrSelectStack(
      {
        stackName,
        projectName: "nextjs-infra",
        program: async () => {
          const k8s = await import("@pulumi/kubernetes");
          return build(new k8s.Provider("kubernetes", { kubeconfig, enableConfigMapMutable: true, enableSecretMutable: true }));
        },
      },
      { workDir },
    );
    if (destroy) {
      await stack.destroy();
      return {};
    }
    await stack.up();
    return Object.fromEntries(Object.entries(await stack.outputs()).map(([k, v]) => [k, v.value as unknown]));
  }

  /** A kubeconfig whose user is a token (the preview job's exec plugin yields the same). */
  const kubeconfigWith = (t: string) =>
    yaml.dump({
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name: "c", cluster: { server: admin.server, "insecure-skip-tls-verify": true } }],
      users: [{ name: "u", user: { token: t } }],
      contexts: [{ name: "c", context: { cluster: "c", user: "u" } }],
      "current-context": "c",
    });

  before(async function () {
    this.timeout(600_000);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "contract-"));
    issuerDir = path.join(tmp, "issuer");
    clusterDir = path.join(tmp, "cluster");
    fs.mkdirSync(path.join(tmp, "project"), { recursive: true });
    fs.mkdirSync(path.join(tmp, "state"));
    fs.copyFileSync(path.join(ROOT, "Pulumi.yaml"), path.join(tmp, "project", "Pulumi.yaml"));
    issuer = spawn(process.execPath, ["-r", path.join(ROOT, "scripts", "register.js"), path.join(ROOT, "test", "engine", "oidc-issuer.ts"), issuerDir], {
      cwd: ROOT,
      stdio: "ignore",
    });
    for (let i = 0; i < 100 && !fs.existsSync(path.join(issuerDir, "issuer.json")); i++) await sleep(100);
    const { url } = JSON.parse(fs.readFileSync(path.join(issuerDir, "issuer.json"), "utf8")) as { url: string };
    // The very authenticator the cluster stack exports, pointed at the stand-in issuer.
    const auth = previewAuthentication({ repository: REPO, issuer: url }, fs.readFileSync(path.join(issuerDir, "ca.pem"), "utf8"));
    fs.writeFileSync(path.join(tmp, "authentication.yaml"), yaml.dump(auth));
    Object.assign(process.env, {
      PATH: [path.join(TOOLS, "bin"), path.join(ROOT, "node_modules", ".bin"), process.env.PATH].join(path.delimiter),
      NODE_PATH: path.join(ROOT, "node_modules"),
      PULUMI_HOME: path.join(tmp, "pulumi-home"),
      PULUMI_BACKEND_URL: `file://${path.join(tmp, "state")}`,
      PULUMI_CONFIG_PASSPHRASE: "contract-tier",
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
      PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "true",
      AUTHENTICATION_CONFIG: path.join(tmp, "authentication.yaml"),
    });
    const started = cluster("start", clusterDir, "--control-plane");
    if (started.status !== 0) throw new Error(`control plane did not start:\n${started.stdout}\n${started.stderr}`);
    admin = Kube.fromKubeconfig(path.join(clusterDir, "kubeconfig"));
    process.env.KUBECONFIG = path.join(clusterDir, "kubeconfig");
    // The cluster stack's preview contract, applied by the engine as the cluster's admin.
    await apply("cluster-contract", fs.readFileSync(path.join(clusterDir, "kubeconfig"), "utf8"), async (provider) => {
      const { PreviewAccess } = (await import(path.join(ROOT, "components"))) as typeof import("../../components");
      // NodeLocal DNSCache's address is link-local: exempt, exactly, so previews on such a cluster still resolve names.
      const pa = new PreviewAccess(
        "preview-access",
        { repository: REPO, namespacePrefix: "web-pr-", previewDomain: DOMAIN, exemptCidrs: ["169.254.20.10/32"] },
        { providers: [provider as never] },
      );
      return { authentication: pa.authentication };
    });
    // The JWT authenticator may still be fetching discovery: wait until a token authenticates.
    for (
      let i = 0;
      i < 60 &&
      (await post(pr(1), "/apis/authentication.k8s.io/v1/selfsubjectreviews", { apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" })).status !==
        201;
      i++
    )
      await sleep(500);
  });

  after(() => {
    cluster("stop", clusterDir);
    issuer?.kill();
    process.env = saved;
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it("authenticates only this repository's preview jobs: one identity per pull request, the sweeper on main", async () => {
    const who = async (k: Kube) =>
      (await post(k, "/apis/authentication.k8s.io/v1/selfsubjectreviews", { apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" })).json?.status
        ?.userInfo;
    const one = await who(pr(1));
    assert.equal(one.username, "github:acme/web:preview:refs/pull/1/merge");
    assert.deepEqual(
      one.groups.filter((g: string) => g.startsWith("nextjs-infra:")),
      [PREVIEW_ACCESS.deployers],
    );
    const sweeper = await who(as(token("refs/heads/main")));
    assert.equal(sweeper.username, "github:acme/web:preview:refs/heads/main");
    assert.ok(sweeper.groups.includes(PREVIEW_ACCESS.sweepers));
    const rejected: [string, string][] = [
      ["another repository's job", token("refs/pull/1/merge", { repository: "mallory/web" })],
      ["a job outside the preview environment", token("refs/pull/1/merge", { environment: "production" })],
      ["a branch push in the preview environment", token("refs/heads/feature")],
      ["an expired token", token("refs/pull/1/merge", { ttl: -120 })],
      ["a token for another audience", token("refs/pull/1/merge", { aud: "sts.amazonaws.com" })],
    ];
    for (const [what, t] of rejected) assert.equal((await as(t).request("GET", "/api/v1/namespaces/default/configmaps")).status, 401, what);
  });

  it("lets a pull request deploy its own preview with the program's own components, and run pods behind its guardrails", async () => {
    const outputs = await apply("pr-1", kubeconfigWith(token("refs/pull/1/merge")), async (provider) => {
      const { AppNamespace, PREVIEW_QUOTA, previewUsername, sweeperUsername } = (await import(
        path.join(ROOT, "components")
      )) as typeof import("../../components");
      const n = new AppNamespace(
        "web",
        { name: "web-pr-1", profile: "preview", quota: PREVIEW_QUOTA, previewAccess: { users: [previewUsername(REPO, 1), sweeperUsername(REPO)] } },
        { providers: [provider as never] },
      );
      return { namespace: n.name };
    });
    assert.equal(outputs.namespace, "web-pr-1");
    const one = pr(1);
    const { appEgress, ingressFromController } = await import("../../components/network-policies");
    for (const [name, spec] of [
      ["web-allow-egress", appEgress("web")],
      ["web-allow-ingress", ingressFromController({ app: "web" }, "ingress-nginx", 3000)],
    ] as const) {
      const r = await settled(() =>
        post(one, "/apis/networking.k8s.io/v1/namespaces/web-pr-1/networkpolicies", {
          apiVersion: "networking.k8s.io/v1",
          kind: "NetworkPolicy",
          metadata: { name },
          spec,
        }),
      );
      assert.equal(r.status, 201, `the app's own ${name}: ${JSON.stringify(r.json)}`);
    }
    const ingress = {
      apiVersion: "networking.k8s.io/v1",
      kind: "Ingress",
      metadata: { name: "web" },
      spec: {
        tls: [{ hosts: [`pr-1.${DOMAIN}`], secretName: "web-tls" }],
        rules: [{ host: `pr-1.${DOMAIN}`, http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "web", port: { number: 80 } } } }] } }],
      },
    };
    assert.equal((await post(one, "/apis/networking.k8s.io/v1/namespaces/web-pr-1/ingresses", ingress)).status, 201, "its own host");
    assert.equal(
      (
        await post(one, "/api/v1/namespaces/web-pr-1/services", {
          apiVersion: "v1",
          kind: "Service",
          metadata: { name: "web" },
          spec: { ports: [{ port: 80, targetPort: 3000 }], selector: { app: "web" } },
        })
      ).status,
      201,
    );
    const deployment = await post(one, "/apis/apps/v1/namespaces/web-pr-1/deployments", deploymentOf("web", {}));
    assert.equal(deployment.status, 201, JSON.stringify(deployment.json));
    await podsCreated("web-pr-1", 1);
  });

  /** A restricted-compliant Deployment, with extra pod spec fields. */
  function deploymentOf(name: string, podSpec: Record<string, unknown>) {
    return {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: name } },
        template: {
          metadata: { labels: { app: name } },
          spec: {
            securityContext: { runAsNonRoot: true, runAsUser: 1001, seccompProfile: { type: "RuntimeDefault" } },
            containers: [
              {
                name,
                image: "localhost:5001/web@sha256:" + "a".repeat(64),
                resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "100m", memory: "128Mi" } },
                securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
              },
            ],
            ...podSpec,
          },
        },
      },
    };
  }

  /** Waits until the namespace's ReplicaSets created `count` pods (admitted), or returns their failure messages. */
  async function podsCreated(namespace: string, count: number): Promise<void> {
    for (let i = 0; i < 60; i++) {
      const pods = await admin.request("GET", `/api/v1/namespaces/${namespace}/pods`);
      if ((pods.json.items ?? []).length >= count) return;
      await sleep(500);
    }
    assert.fail(`no pod admitted in ${namespace}: ${JSON.stringify(await replicaFailures(namespace))}`);
  }

  /** Why the namespace's ReplicaSets (of one Deployment, if named) could not create pods: their ReplicaFailure conditions. */
  async function replicaFailures(namespace: string, deployment?: string): Promise<string[]> {
    for (let i = 0; i < 60; i++) {
      const sets = await admin.request("GET", `/apis/apps/v1/namespaces/${namespace}/replicasets`);
      const mine = (sets.json.items ?? []).filter((r: any) => deployment === undefined || String(r.metadata.name).startsWith(`${deployment}-`));
      const messages = mine.flatMap((r: any) =>
        (r.status?.conditions ?? []).filter((c: any) => c.type === "ReplicaFailure").map((c: any) => String(c.message)),
      );
      if (messages.length > 0) return messages;
      await sleep(500);
    }
    return [];
  }

  it("keeps every pull request in its own namespace: no other preview's, none it could squat", async () => {
    const one = pr(1);
    const two = pr(2);
    assert.equal((await post(two, "/api/v1/namespaces", ns("web-pr-2", previewLabels))).status, 201);
    for (const name of ["web-pr-2", "ingress-nginx", "web-prod", "web-pr-10"]) {
      refused(
        await post(one, "/api/v1/namespaces", ns(name, previewLabels)),
        /pull request 1 may act only in namespace web-pr-1/,
        `pull request 1 creating ${name}`,
      );
    }
    refused(await one.request("DELETE", "/api/v1/namespaces/web-pr-2"), /may act only in namespace web-pr-1/, "deleting another preview");
    const binding = (namespace: string, role: string, user: string) => ({
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: { name: "preview-deployer", namespace },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role },
      subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: user }],
    });
    const me2 = "github:acme/web:preview:refs/pull/2/merge";
    assert.equal(
      (await post(two, "/apis/rbac.authorization.k8s.io/v1/namespaces/web-pr-2/rolebindings", binding("web-pr-2", PREVIEW_ACCESS.namespaceRole, me2))).status,
      201,
    );
    const secret = await settled(() =>
      post(two, "/api/v1/namespaces/web-pr-2/secrets", {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: "web-env" },
        stringData: { NEXTAUTH_SECRET: "two" },
      }),
    );
    assert.equal(secret.status, 201);
    assert.equal((await one.request("GET", "/api/v1/namespaces/web-pr-2/secrets")).status, 403, "pull request 1 cannot read pull request 2's secrets");
    assert.equal((await one.request("GET", "/api/v1/namespaces/kube-system/secrets")).status, 403);
    refused(
      await post(
        one,
        "/apis/rbac.authorization.k8s.io/v1/namespaces/web-pr-2/rolebindings",
        binding("web-pr-2", PREVIEW_ACCESS.namespaceRole, "github:acme/web:preview:refs/pull/1/merge"),
      ),
      /may act only in namespace web-pr-1/,
      "binding itself into another preview",
    );
    refused(
      await post(one, "/apis/rbac.authorization.k8s.io/v1/namespaces/web-pr-1/rolebindings", {
        ...binding("web-pr-1", "cluster-admin", "github:acme/web:preview:refs/pull/1/merge"),
        metadata: { name: "escalate" },
      }),
      /forbidden|binds only/,
      "binding cluster-admin",
    );
    refused(
      await post(one, "/apis/rbac.authorization.k8s.io/v1/namespaces/web-pr-1/rolebindings", {
        ...binding("web-pr-1", PREVIEW_ACCESS.namespaceRole, me2),
        metadata: { name: "share" },
      }),
      /only to its own identity/,
      "granting another pull request access",
    );
  });

  it("pins a preview namespace's Pod Security: no relabelling to privileged, no host paths", async () => {
    const one = pr(1);
    const labels = (l: Record<string, string | null>) => one.request("PATCH", "/api/v1/namespaces/web-pr-1", { metadata: { labels: l } });
    refused(
      await labels({ "pod-security.kubernetes.io/enforce": "privileged" }),
      /carries nextjs-infra\/profile=preview, pod-security\.kubernetes\.io\/enforce=restricted/,
      "relabelling to privileged",
    );
    refused(await labels({ "pod-security.kubernetes.io/enforce-version": "latest" }), /enforce-version=v1\.34/, "unpinning the version");
    refused(await labels({ "nextjs-infra/profile": null }), /carries nextjs-infra\/profile=preview/, "leaving the preview profile");
    const three = pr(3);
    refused(
      await post(three, "/api/v1/namespaces", ns("web-pr-3", { ...previewLabels, "pod-security.kubernetes.io/enforce": "privileged" })),
      /enforce=restricted/,
      "creating a privileged preview namespace",
    );
    const hostPath = await post(
      one,
      "/apis/apps/v1/namespaces/web-pr-1/deployments",
      deploymentOf("escape", { volumes: [{ name: "root", hostPath: { path: "/" } }] }),
    );
    assert.equal(hostPath.status, 201, "the Deployment itself is only a request …");
    const failures = await replicaFailures("web-pr-1", "escape");
    assert.ok(
      failures.some((m) => /violates PodSecurity "restricted:v1\.34".*hostPath/.test(m)),
      `… its pod is refused: ${failures.join(" | ")}`,
    );
  });

  it("serves a preview only on its own host, through ClusterIP Services only", async () => {
    const one = pr(1);
    const ingress = (name: string, spec: Record<string, unknown>, annotations?: Record<string, string>) =>
      post(one, "/apis/networking.k8s.io/v1/namespaces/web-pr-1/ingresses", {
        apiVersion: "networking.k8s.io/v1",
        kind: "Ingress",
        metadata: { name, annotations },
        spec,
      });
    const rule = (host: string) => ({
      host,
      http: { paths: [{ path: "/admin", pathType: "Prefix", backend: { service: { name: "web", port: { number: 80 } } } }] },
    });
    refused(await ingress("steal", { rules: [rule("www.example.com")] }), /serves only pr-1\.preview\.example\.com/, "production's host");
    refused(await ingress("neighbour", { rules: [rule(`pr-2.${DOMAIN}`)] }), /serves only pr-1\./, "another preview's host");
    refused(
      await ingress("cert", { tls: [{ hosts: ["www.example.com"] }], rules: [rule(`pr-1.${DOMAIN}`)] }),
      /serves only pr-1\./,
      "a certificate for production's host",
    );
    refused(await ingress("catchall", { defaultBackend: { service: { name: "web", port: { number: 80 } } } }), /no default backend/, "a default backend");
    refused(
      await ingress(
        "snippet",
        { rules: [rule(`pr-1.${DOMAIN}`)] },
        { "nginx.ingress.kubernetes.io/server-snippet": "location / { proxy_pass http://web-prod; }" },
      ),
      /no configuration snippets/,
      "a controller snippet",
    );
    for (const type of ["LoadBalancer", "NodePort"]) {
      refused(
        await post(one, "/api/v1/namespaces/web-pr-1/services", {
          apiVersion: "v1",
          kind: "Service",
          metadata: { name: `web-${type.toLowerCase()}` },
          spec: { type, ports: [{ port: 80 }], selector: { app: "web" } },
        }),
        /ClusterIP only/,
        type,
      );
    }
  });

  it("keeps a preview's guardrails: no deleting or loosening default-deny or the quota, no policy that opens the metadata endpoint, private ranges or other namespaces", async () => {
    const one = pr(1);
    refused(
      await one.request("DELETE", "/apis/networking.k8s.io/v1/namespaces/web-pr-1/networkpolicies/default-deny"),
      /go only with its namespace/,
      "deleting default-deny",
    );
    refused(
      await one.request("PATCH", "/apis/networking.k8s.io/v1/namespaces/web-pr-1/networkpolicies/default-deny", { spec: { egress: [{}] } }),
      /allows nothing, in and out/,
      "opening default-deny",
    );
    refused(await one.request("DELETE", "/api/v1/namespaces/web-pr-1/resourcequotas/quota"), /go only with its namespace/, "deleting the quota");
    refused(
      await one.request("PATCH", "/api/v1/namespaces/web-pr-1/resourcequotas/quota", { spec: { hard: { "limits.cpu": "100" } } }),
      /at most 1, 2Gi, 3, 4Gi and 12/,
      "lifting the quota",
    );
    refused(await one.request("DELETE", "/api/v1/namespaces/web-pr-1/limitranges/defaults"), /go only with its namespace/, "deleting the container limits");
    const policy = (name: string, spec: Record<string, unknown>) =>
      post(one, "/apis/networking.k8s.io/v1/namespaces/web-pr-1/networkpolicies", {
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: { name },
        spec: { podSelector: {}, ...spec },
      });
    const egress = (to: unknown[]) => ({ policyTypes: ["Egress"], egress: [{ to }] });
    const refusals: [string, Record<string, unknown>, RegExp][] = [
      ["everything out", { policyTypes: ["Egress"], egress: [{}] }, /egress goes only/],
      ["the internet without except", egress([{ ipBlock: { cidr: "0.0.0.0/0" } }]), /egress goes only/],
      ["the metadata endpoint", egress([{ ipBlock: { cidr: "169.254.169.254/32" } }]), /egress goes only/],
      ["a private range", egress([{ ipBlock: { cidr: "10.0.0.0/8" } }]), /egress goes only/],
      [
        "everything but the metadata endpoint's except",
        egress([{ ipBlock: { cidr: "0.0.0.0/0", except: ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "127.0.0.0/8"] } }]),
        /egress goes only/,
      ],
      ["IPv6 link-local", egress([{ ipBlock: { cidr: "::/0" } }]), /egress goes only/],
      ["every namespace", egress([{ namespaceSelector: {} }]), /egress goes only/],
      ["another preview", egress([{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "web-pr-2" } } }]), /egress goes only/],
      [
        "namespaces by expression",
        egress([{ namespaceSelector: { matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "Exists" }] } }]),
        /egress goes only/,
      ],
      ["ingress from every namespace", { policyTypes: ["Ingress"], ingress: [{ from: [{ namespaceSelector: {} }] }] }, /ingress comes only/],
      ["ingress from anywhere", { policyTypes: ["Ingress"], ingress: [{}] }, /ingress comes only/],
    ];
    for (const [what, spec, says] of refusals) refused(await policy(`open-${refusals.findIndex((r) => r[0] === what)}`, spec), says, what);
    refused(await policy("near-dns-cache", egress([{ ipBlock: { cidr: "169.254.20.0/24" } }])), /egress goes only/, "more than the exempt address");
    const dnsCache = await policy("node-local-dns", {
      policyTypes: ["Egress"],
      egress: [{ to: [{ ipBlock: { cidr: "169.254.20.10/32" } }], ports: [{ protocol: "UDP", port: 53 }] }],
    });
    assert.equal(dnsCache.status, 201, `the exempt NodeLocal DNSCache address: ${JSON.stringify(dnsCache.json)}`);
    const ok = await policy("public-https", {
      policyTypes: ["Egress"],
      egress: [{ to: [{ ipBlock: { cidr: "::/0", except: ["fc00::/7", "fe80::/10", "::1/128"] } }], ports: [{ protocol: "TCP", port: 443 }] }],
    });
    assert.equal(ok.status, 201, `public IPv6 HTTPS is fine: ${JSON.stringify(ok.json)}`);
  });

  it("runs a preview's pods only behind its default-deny policy and its quota", async () => {
    const four = pr(4);
    assert.equal((await post(four, "/api/v1/namespaces", ns("web-pr-4", previewLabels))).status, 201);
    const me = "github:acme/web:preview:refs/pull/4/merge";
    const binding = {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: { name: "preview-deployer" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: PREVIEW_ACCESS.namespaceRole },
      subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: me }],
    };
    assert.equal((await post(four, "/apis/rbac.authorization.k8s.io/v1/namespaces/web-pr-4/rolebindings", binding)).status, 201);
    const deploy = async (name: string) =>
      assert.equal((await settled(() => post(four, "/apis/apps/v1/namespaces/web-pr-4/deployments", deploymentOf(name, {})))).status, 201);
    await deploy("bare");
    assert.ok(
      (await replicaFailures("web-pr-4", "bare")).some((m) => /preview-access-pods-(default-deny|quota)/.test(m)),
      "a namespace without its guardrails runs no pod",
    );
    const quota = {
      apiVersion: "v1",
      kind: "ResourceQuota",
      metadata: { name: "quota" },
      spec: { hard: { "requests.cpu": "1", "requests.memory": "2Gi", "limits.cpu": "3", "limits.memory": "4Gi", pods: "12" } },
    };
    assert.equal((await post(four, "/api/v1/namespaces/web-pr-4/resourcequotas", quota)).status, 201);
    await deploy("quota-only");
    const noDeny = await replicaFailures("web-pr-4", "quota-only");
    assert.ok(
      noDeny.some((m) => /preview-access-pods-default-deny/.test(m)),
      `a quota alone is not enough: ${noDeny.join(" | ")}`,
    );
    assert.equal((await admin.request("GET", "/api/v1/namespaces/web-pr-4/pods")).json.items.length, 0, "no pod got through");
    const deny = {
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: { name: "default-deny" },
      spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
    };
    assert.equal((await post(four, "/apis/networking.k8s.io/v1/namespaces/web-pr-4/networkpolicies", deny)).status, 201);
    await deploy("guarded");
    await podsCreated("web-pr-4", 1);
  });

  it("lets the sweeper on main delete preview namespaces, and nothing else", async () => {
    const sweeper = as(token("refs/heads/main"));
    assert.equal((await post(admin, "/api/v1/namespaces", ns("web-dev", {}))).status, 201);
    refused(await sweeper.request("DELETE", "/api/v1/namespaces/web-dev"), /only deletes preview namespaces/, "deleting dev's namespace");
    refused(await post(sweeper, "/api/v1/namespaces", ns("web-pr-9", previewLabels)), /forbidden|only deletes/, "creating a namespace");
    assert.equal((await sweeper.request("GET", "/api/v1/namespaces/kube-system/secrets")).status, 403);
    assert.equal((await sweeper.request("GET", "/api/v1/namespaces/web-dev/configmaps")).status, 403);
    assert.equal((await sweeper.request("DELETE", "/api/v1/namespaces/web-pr-2")).status, 200, "a stale preview goes");
    await apply("pr-1", kubeconfigWith(token("refs/pull/1/merge")), () => Promise.resolve({}), true);
    for (let i = 0; i < 60 && (await admin.request("GET", "/api/v1/namespaces/web-pr-1")).status !== 404; i++) await sleep(500);
    const left = await admin.request("GET", "/api/v1/namespaces/web-pr-1");
    assert.ok(left.status === 404 || left.json.status.phase === "Terminating", "the pull request's own destroy removes its namespace, guardrails with it");
  });
});
