/**
 * Set-up shared by the engine tier and its benchmark: the loopback cluster with its real
 * node, the Docker engine that builds the images the node runs, an isolated Pulumi home
 * with a file backend and a passphrase, and a project directory whose Pulumi.local.yaml
 * points the real program's `local` stack at that cluster.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as https from "https";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { Stack } from "@pulumi/pulumi/automation";
import { ROOT } from "../mocks";
import { openStack } from "../../scripts/lib/workspace";
import { buildTierImages, TierImages } from "./images";
import { ensureInstalled } from "../app/install";
import { Docker, DOCKER_DIR, startDocker } from "../image/docker";

export const TOOLS = process.env.NEXTJS_INFRA_TOOLS ?? path.join(os.homedir(), ".cache", "nextjs-infra", "tools");
const BINARIES = [
  "pulumi",
  "pulumi-resource-kubernetes",
  "kube-apiserver",
  "kube-controller-manager",
  "kine",
  "kubelet",
  "kube-proxy",
  "kube-router",
  "kube-scheduler",
  "coredns",
  "registry",
  "pause",
];

/**
 * Pulumi.local.yaml for the tier: the committed file, with what differs on this machine —
 * the tier's cluster, images built here (the image-build provider's plugin cannot be built
 * here) and a Postgres image from Debian's packages.
 */
export function localStackConfig(images: TierImages): Record<string, unknown> {
  const committed = yaml.load(fs.readFileSync(path.join(ROOT, "Pulumi.local.yaml"), "utf8")) as { config: Record<string, Record<string, unknown>> };
  const config = { ...committed.config };
  const merge = (key: string, values: Record<string, unknown>) => (config[`nextjs-infra:${key}`] = { ...config[`nextjs-infra:${key}`], ...values });
  merge("kubernetes", { context: "engine" });
  // Pushed to the node's registry (localhost:5001) and deployed by digest.
  merge("image", { ref: images.app, migratorRef: images.migrator });
  merge("postgres", { image: images.postgres });
  // This node reports no local storage capacity (kubelet's localStorageCapacityIsolation is off here).
  merge("app", { requestLocalStorage: false });
  // The node's DNS answers on the node's own address, outside any namespace (as NodeLocal DNSCache does):
  // with NetworkPolicies enforced, the namespace's DNS allowance must name it.
  merge("network", { dnsCidrs: [`${nodeIp()}/32`] });
  return { config };
}

/** The node's address, as node.sh picks it: this machine's first global IPv4 address. */
export function nodeIp(): string {
  return spawnSync("sh", ["-c", "ip -4 -o addr show scope global | awk '{print $4}' | cut -d/ -f1 | head -n 1"], { encoding: "utf8" }).stdout.trim();
}

/** The real program's `local` stack in a prepared project directory. */
export function localStack(workDir: string): Promise<Stack> {
  return openStack("local", true, workDir);
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

  /** A Service's URL on the node (its cluster IP and first port), without a trailing slash. */
  async serviceUrl(namespace: string, name: string): Promise<string> {
    const svc = (await this.request("GET", `/api/v1/namespaces/${namespace}/services/${name}`)).json as {
      spec: { clusterIP: string; ports: { port: number }[] };
    };
    return `http://${svc.spec.clusterIP}:${svc.spec.ports[0].port}`;
  }
}

/** What the node touches on the machine: forwarding, links, routes, Kubernetes' iptables chains. */
function machineNetwork(): Record<string, string> {
  const sh = (cmd: string) => spawnSync("sh", ["-c", cmd], { encoding: "utf8" }).stdout.trim();
  return {
    ipForward: sh("sysctl -n net.ipv4.ip_forward"),
    links: sh("ip -o link show | awk -F': ' '{print $2}' | sort"),
    routes: sh("ip route show | sort"),
    kubeChains: sh("for t in filter nat mangle; do iptables -t $t -S 2>/dev/null | grep -c KUBE- ; done"),
    ipsets: sh("ipset list -n 2>/dev/null | sort"),
  };
}

/** A running engine environment; `stop()` tears it all down. */
export interface Engine {
  tmp: string;
  workDir: string;
  kube: Kube;
  /** Environment for child processes (the CLI, the scripts). */
  env: NodeJS.ProcessEnv;
  /** The policy pack as this engine runs it (an executable: the CLI here has no Node.js language host). */
  policyPack: string;
  docker: Docker;
  images: TierImages;
  stop(): void;
}

/** Starts the cluster and prepares the project directory; sets `process.env` for the engine. */
export function startEngine(): Engine {
  const missing = BINARIES.filter((b) => !fs.existsSync(path.join(TOOLS, "bin", b)));
  if (missing.length) throw new Error(`${missing.join(", ")} missing from ${TOOLS}/bin: run \`npm run build:engine-binaries\` (tools/build.sh)`);
  // The tier drives a browser through the app's own dependencies: install them when the app tier has not.
  ensureInstalled(path.join(ROOT, "app"), "puppeteer-core", "the engine tier's browser checks need the app's dependencies");
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "engine-"));
  const clusterDir = path.join(tmp, "cluster");
  const machineBefore = machineNetwork();
  const cluster = (action: string) =>
    spawnSync("bash", [path.join(ROOT, "test", "engine", "cluster.sh"), action, clusterDir], {
      encoding: "utf8",
      env: { ...process.env, NEXTJS_INFRA_TOOLS: TOOLS },
    });
  const started = cluster("start");
  if (started.status !== 0) {
    cluster("stop");
    throw new Error(`cluster did not start:\n${started.stdout}\n${started.stderr}`);
  }
  // The CLI built here has no Node.js language host, which runs a pack directory; a pack path
  // that is an executable the engine starts itself, with its address. This one runs the SDK's
  // own policy-pack runner on policy/: the same pack, the same runner.
  const policyPack = path.join(tmp, "policy-pack");
  const runner = require.resolve("@pulumi/pulumi/cmd/run-policy-pack");
  const pack = path.join(ROOT, "policy");
  // From the pack's directory, as the language host runs it (ts-node, type-checked, no tsconfig of the program's).
  fs.writeFileSync(
    policyPack,
    `#!/bin/sh\nexec ${[process.execPath, runner].map((a) => JSON.stringify(a)).join(" ")} --pwd ${JSON.stringify(pack)} "$1" ${JSON.stringify(pack)}\n`,
    { mode: 0o755 },
  );
  const saved = { ...process.env };
  Object.assign(process.env, {
    // The engine, its Kubernetes plugin, and the SDK's dynamic-provider launcher (which
    // resolves the SDK through NODE_PATH, since the project directory has no node_modules).
    NEXTJS_INFRA_POLICY_PACK: policyPack,
    PATH: [path.join(TOOLS, "bin"), path.join(ROOT, "node_modules", "@pulumi", "pulumi"), path.join(ROOT, "node_modules", ".bin"), process.env.PATH].join(
      path.delimiter,
    ),
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
  let docker: Docker | undefined;
  let images: TierImages;
  try {
    docker = startDocker(DOCKER_DIR);
    images = buildTierImages(docker.host, tmp);
  } catch (e) {
    docker?.stop();
    cluster("stop");
    process.env = saved;
    throw e;
  }
  fs.writeFileSync(path.join(workDir, "Pulumi.local.yaml"), yaml.dump(localStackConfig(images)));
  return {
    tmp,
    workDir,
    policyPack,
    kube: Kube.fromKubeconfig(path.join(clusterDir, "kubeconfig")),
    env: process.env,
    docker,
    images,
    stop() {
      docker?.stop();
      cluster("stop");
      process.env = saved;
      fs.rmSync(tmp, { recursive: true, force: true });
      // The node changed the machine's network; stopping it must have put everything back.
      assert.deepEqual(machineNetwork(), machineBefore, "the machine's network after the tier differs from before it");
    },
  };
}
