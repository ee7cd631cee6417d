/**
 * Set-up shared by the engine tier and its benchmark: the loopback cluster, an isolated
 * Pulumi home with a file backend and a passphrase, and a project directory whose
 * Pulumi.local.yaml points the `local` stack at that cluster.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as https from "https";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import * as pulumi from "@pulumi/pulumi";
import { LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import { ROOT } from "../mocks";

export const TOOLS = process.env.NEXTJS_INFRA_TOOLS ?? path.join(os.homedir(), ".cache", "nextjs-infra", "tools");
/** A prebuilt image (the cluster has no registry access; pods never run anyway). */
export const IMAGE = `ghcr.io/acme/web@sha256:${"e".repeat(64)}`;
const BINARIES = ["pulumi", "pulumi-resource-kubernetes", "kube-apiserver", "kube-controller-manager", "kine"];

const DB_PASSWORD = "engine-db-password-7f3a91c2";
/** A connection string whose password must never reach state in plaintext. */
// secretlint-disable-next-line
export const DATABASE_URL = `postgresql://app:${DB_PASSWORD}@postgres.web-local.svc.cluster.local:5432/app`;
export { DB_PASSWORD };

/**
 * The workload as the local profile deploys it: AppNamespace and NextjsApp, which is
 * everything of the local stack but LocalPostgres and AppSecrets — their generated
 * passwords need the `random` provider plugin, which the Go module proxy does not serve.
 */
export async function workload(): Promise<Record<string, unknown>> {
  const { AppNamespace, NextjsApp, kubernetesProvider } = (await import(path.join(ROOT, "components"))) as typeof import("../../components");
  const k8s = { providers: [kubernetesProvider("kubernetes", { context: "engine" })] };
  const ns = new AppNamespace("web", { name: "web-local", profile: "local" }, k8s);
  const app = new NextjsApp("web", {
    appName: "web",
    stack: "local",
    namespace: ns.name,
    imageRef: IMAGE,
    resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "500m", memory: "512Mi" } },
    databaseUrl: pulumi.secret(DATABASE_URL),
    migrationCommand: ["prisma", "migrate", "deploy"],
    ingress: { host: "web.localhost", tls: false },
    skipAwait: true,
  }, k8s);
  return { url: app.url, namespace: app.namespace, databaseUrl: pulumi.secret(DATABASE_URL) };
}

/** The `workload` stack of a prepared project directory, pointed at the loopback cluster. */
export async function workloadStack(workDir: string): Promise<Stack> {
  return LocalWorkspace.createOrSelectStack({ stackName: "workload", projectName: "nextjs-infra", program: workload }, { workDir });
}

/** Minimal Kubernetes API client over the generated kubeconfig (self-signed server cert). */
export class Kube {
  constructor(
    readonly server: string,
    private readonly token: string,
  ) {}

  static fromKubeconfig(file: string): Kube {
    const cfg = yaml.load(fs.readFileSync(file, "utf8")) as { clusters: { cluster: { server: string } }[]; users: { user: { token: string } }[] };
    return new Kube(cfg.clusters[0].cluster.server, cfg.users[0].user.token);
  }

  request(method: string, p: string, body?: unknown, contentType = "application/merge-patch+json"): Promise<{ status: number; json: any }> {
    return new Promise((resolve, reject) => {
      const headers = { authorization: `Bearer ${this.token}`, "content-type": contentType };
      const req = https.request(`${this.server}${p}`, { method, rejectUnauthorized: false, headers }, (res) => {
        let data = "";
        res.on("data", (d: Buffer) => (data += d.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, json: data ? (JSON.parse(data) as unknown) : undefined }));
      });
      req.on("error", reject);
      if (body !== undefined) req.write(JSON.stringify(body));
      req.end();
    });
  }
}

/** A running engine environment; `stop()` tears it all down. */
export interface Engine {
  tmp: string;
  workDir: string;
  kube: Kube;
  /** Environment for child processes (the CLI, the drift script). */
  env: NodeJS.ProcessEnv;
  stop(): void;
}

/** Starts the cluster and prepares the project directory; sets `process.env` for the engine. */
export function startEngine(): Engine {
  const missing = BINARIES.filter((b) => !fs.existsSync(path.join(TOOLS, "bin", b)));
  if (missing.length) throw new Error(`${missing.join(", ")} missing from ${TOOLS}/bin: run \`npm run tools\` (tools/build.sh)`);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "engine-"));
  const clusterDir = path.join(tmp, "cluster");
  const cluster = (action: string) =>
    spawnSync("bash", [path.join(ROOT, "test", "engine", "cluster.sh"), action, clusterDir], { encoding: "utf8", env: { ...process.env, NEXTJS_INFRA_TOOLS: TOOLS } });
  const started = cluster("start");
  if (started.status !== 0) {
    cluster("stop");
    throw new Error(`cluster did not start:\n${started.stdout}\n${started.stderr}`);
  }
  const saved = { ...process.env };
  Object.assign(process.env, {
    // The engine, its Kubernetes plugin, and the SDK's dynamic-provider launcher (which
    // resolves the SDK through NODE_PATH, since the project directory has no node_modules).
    PATH: [path.join(TOOLS, "bin"), path.join(ROOT, "node_modules", "@pulumi", "pulumi"), path.join(ROOT, "node_modules", ".bin"), process.env.PATH].join(path.delimiter),
    NODE_PATH: path.join(ROOT, "node_modules"),
    PULUMI_HOME: path.join(tmp, "pulumi-home"),
    PULUMI_BACKEND_URL: `file://${path.join(tmp, "state")}`,
    PULUMI_CONFIG_PASSPHRASE: "engine-tier-passphrase",
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "true",
    KUBECONFIG: path.join(clusterDir, "kubeconfig"),
  });
  const workDir = path.join(tmp, "project");
  fs.mkdirSync(path.join(tmp, "state"));
  fs.mkdirSync(workDir);
  fs.copyFileSync(path.join(ROOT, "Pulumi.yaml"), path.join(workDir, "Pulumi.yaml"));
  fs.writeFileSync(
    path.join(workDir, "Pulumi.local.yaml"),
    yaml.dump({
      config: {
        "nextjs-infra:kubernetes": { context: "engine", skipAwait: true },
        "nextjs-infra:image": { ref: IMAGE },
        "nextjs-infra:ingress": { host: "web.localhost", tls: false },
      },
    }),
  );
  return {
    tmp,
    workDir,
    kube: Kube.fromKubeconfig(path.join(clusterDir, "kubeconfig")),
    env: process.env,
    stop() {
      cluster("stop");
      process.env = saved;
      fs.rmSync(tmp, { recursive: true, force: true });
    },
  };
}
