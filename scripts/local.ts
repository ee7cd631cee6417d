/**
 * local [--destroy] [--context <ctx>] [--image-ref <ref>] [--migrator-ref <ref>]: the one
 * command that runs the program's main job on a laptop. It checks what it needs (the
 * Pulumi CLI, a cluster, a registry it can push to — creating kind's cluster and local
 * registry when kind is there and no cluster is), keeps state in a file backend inside
 * the repository (`.pulumi-local/`, git-ignored) with a passphrase it generates and keeps
 * there, selects or creates the `local` stack, runs `up` with progress, and prints the URL
 * and how to tear it down. Exit 0: done. 1: a prerequisite is missing. 2: error.
 */
import { spawnSync } from "child_process";
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { parse, run, UsageError } from "./lib/cli";
import { openStack, POLICY_PACKS, PROJECT_DIR } from "./lib/workspace";
import { parseImageRef } from "./lib/stacks";
import { withRunConfig } from "./lib/run-config";

const HELP = `usage: local [--destroy] [--context <kube context>] [--image-ref <ref> [--migrator-ref <ref>]]

  --destroy       tear the local stack down (and remove it)
  --context       the kubeconfig context to deploy to (default: kind's, created if missing)
  --image-ref     deploy this prebuilt app image instead of building (repo@sha256:…)
  --migrator-ref  with it, the prebuilt migration image
  --project-dir   the Pulumi project directory (default: this repository)

exit codes: 0 done, 1 a prerequisite is missing, 2 error`;

/** A missing prerequisite: one clear message with the command that installs it. */
export class MissingPrerequisite extends Error {}

/** What the command needs of the machine, injectable so the checks are tested without one. */
export interface Machine {
  has(command: string): boolean;
  run(command: string, args: string[]): { status: number; stdout: string };
}

const realMachine: Machine = {
  has: (command) => spawnSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" }).status === 0,
  run: (command, args) => {
    const r = spawnSync(command, args, { encoding: "utf8" });
    return { status: r.status ?? 1, stdout: r.stdout ?? "" };
  },
};

/**
 * The kube context to deploy to: the one asked for (it must exist), else kind's cluster,
 * created (with kind's local registry on localhost:5001) when kind is installed and none exists.
 */
export function clusterContext(machine: Machine, asked?: string): string {
  if (!machine.has("pulumi")) throw new MissingPrerequisite("the Pulumi CLI is not installed: curl -fsSL https://get.pulumi.com | sh");
  if (asked) {
    if (machine.has("kubectl") && machine.run("kubectl", ["config", "get-contexts", asked]).status !== 0) {
      throw new MissingPrerequisite(`the kubeconfig has no context "${asked}": kubectl config get-contexts lists the ones it has`);
    }
    return asked;
  }
  if (!machine.has("kind")) {
    throw new MissingPrerequisite(
      "no cluster to deploy to: install kind (https://kind.sigs.k8s.io, e.g. `go install sigs.k8s.io/kind@latest`) or pass --context <your cluster's context>",
    );
  }
  if (!machine.has("docker")) throw new MissingPrerequisite("kind needs Docker: install Docker Engine or Docker Desktop");
  const clusters = machine.run("kind", ["get", "clusters"]).stdout.split("\n").filter(Boolean);
  if (!clusters.includes("kind")) {
    if (machine.run("docker", ["inspect", "kind-registry"]).status !== 0) {
      const r = machine.run("docker", [
        "run",
        "-d",
        "--restart=always",
        "-p",
        "127.0.0.1:5001:5000",
        "--network",
        "bridge",
        "--name",
        "kind-registry",
        "registry:2",
      ]);
      if (r.status !== 0) throw new Error("could not start the local registry on localhost:5001");
    }
    if (machine.run("kind", ["create", "cluster", "--name", "kind"]).status !== 0) throw new Error("kind create cluster failed");
    machine.run("docker", ["network", "connect", "kind", "kind-registry"]);
  }
  return "kind-kind";
}

/** The file backend and passphrase kept inside the project (git-ignored), made on first use. */
export function localBackend(projectDir: string): { url: string; passphrase: string } {
  const dir = path.join(projectDir, ".pulumi-local");
  fs.mkdirSync(path.join(dir, "state"), { recursive: true });
  const file = path.join(dir, "passphrase");
  if (!fs.existsSync(file)) fs.writeFileSync(file, randomBytes(24).toString("base64url"), { mode: 0o600 });
  return { url: `file://${path.join(dir, "state")}`, passphrase: fs.readFileSync(file, "utf8").trim() };
}

async function main(): Promise<number> {
  const parsed = parse(
    process.argv.slice(2),
    {
      destroy: { type: "boolean" },
      context: { type: "string" },
      "image-ref": { type: "string" },
      "migrator-ref": { type: "string" },
      "project-dir": { type: "string" },
    },
    HELP,
  );
  if (!parsed) return 0;
  const imageRef = parseImageRef(parsed.values["image-ref"]);
  const migratorRef = parseImageRef(parsed.values["migrator-ref"], "--migrator-ref");
  if (migratorRef && !imageRef) throw new UsageError("--migrator-ref goes with --image-ref");
  const projectDir = path.resolve(parsed.values["project-dir"] ?? PROJECT_DIR);
  let context: string;
  try {
    context = clusterContext(realMachine, parsed.values.context);
  } catch (e) {
    if (!(e instanceof MissingPrerequisite)) throw e;
    console.error(e.message);
    return 1;
  }
  // An explicit backend (PULUMI_BACKEND_URL) wins; otherwise state stays in the repository.
  if (!process.env.PULUMI_BACKEND_URL) {
    const backend = localBackend(projectDir);
    process.env.PULUMI_BACKEND_URL = backend.url;
    process.env.PULUMI_CONFIG_PASSPHRASE ??= backend.passphrase;
  }
  const stack = await openStack("local", true, projectDir);
  const log = (out: string) => process.stdout.write(out);
  if (parsed.values.destroy) {
    await stack.destroy({ onOutput: log });
    await stack.workspace.removeStack("local");
    console.log("\nlocal destroyed and removed");
    return 0;
  }
  // This run's choices, set for the run and taken back after: Pulumi.local.yaml stays as committed.
  const overrides = { "nextjs-infra:kubernetes.context": context, "nextjs-infra:image.ref": imageRef, "nextjs-infra:image.migratorRef": migratorRef };
  await withRunConfig(stack, projectDir, overrides, async () => {
    await stack.up({ onOutput: log, policyPacks: POLICY_PACKS });
  });
  const outputs = await stack.outputs();
  const value = (k: string) => (typeof outputs[k]?.value === "string" ? outputs[k].value : "");
  console.log(`\n${summary({ url: value("url"), namespace: value("namespace"), service: value("service") }, context).join("\n")}`);
  return 0;
}

/** What `local` prints once the stack is up: the URL, the way in without an ingress controller, the way out. */
export function summary(outputs: { url: string; namespace: string; service: string }, context: string): string[] {
  const { namespace, service } = outputs;
  return [
    `The app runs at ${outputs.url}`,
    `No ingress controller in the cluster? kubectl --context ${context} -n ${namespace} port-forward service/${service} 8080:80, then http://localhost:8080`,
    "Tear it down with: npm run local -- --destroy",
  ];
}

if (require.main === module) run(main, HELP);
