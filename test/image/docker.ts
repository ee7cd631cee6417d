/**
 * The Docker engine the image and engine tiers use (test/image/dockerd.sh: Debian's dockerd,
 * no bridge, host networking only) and the images built with it: the app's runner and
 * migrator on the stand-in base (test/image/base-image.sh). The engine's data outlives a run
 * (in the user's cache), so later builds are warm.
 */
import { execFile, execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { ROOT } from "../mocks";

/** Debian's 20.10 client: it builds with BuildKit without buildx. */
export const DOCKER = "/usr/bin/docker";
export const DOCKER_DIR = process.env.NEXTJS_INFRA_DOCKER ?? path.join(os.homedir(), ".cache", "nextjs-infra", "docker");
export const APP_CONTEXT = path.join(ROOT, "app");

/** A running Docker engine. */
export interface Docker {
  host: string;
  stop(): void;
}

/** Starts dockerd with its data under `dir`. */
export function startDocker(dir = DOCKER_DIR): Docker {
  const script = path.join(ROOT, "test", "image", "dockerd.sh");
  const started = spawnSync("bash", [script, "start", dir], { encoding: "utf8" });
  if (started.status !== 0) throw new Error(`dockerd did not start:\n${started.stderr}`);
  return { host: started.stdout.trim(), stop: () => void spawnSync("bash", [script, "stop", dir]) };
}

/** Runs the docker client against `host`; throws with the tail of stderr on failure. */
export function docker(host: string, args: string[], opts: { input?: string } = {}): string {
  try {
    return execFileSync(DOCKER, args, {
      encoding: "utf8",
      env: { ...process.env, DOCKER_HOST: host, DOCKER_BUILDKIT: "1" },
      maxBuffer: 64 * 1024 * 1024,
      stdio: ["pipe", "pipe", "pipe"],
      input: opts.input,
    });
  } catch (e) {
    const err = e as { stderr?: string };
    throw new Error(`docker ${args.slice(0, 2).join(" ")} failed:\n${(err.stderr ?? "").split("\n").slice(-40).join("\n")}`, { cause: e });
  }
}

/** The stand-in base image (cached rootfs, imported once per engine). */
export function baseImage(host: string): string {
  return execFileSync("bash", [path.join(ROOT, "test", "image", "base-image.sh")], { encoding: "utf8", env: { ...process.env, DOCKER_HOST: host } }).trim();
}

/** The machine's extra CA bundle, for npm inside builds (a BuildKit secret; never committed). */
export function caSecretArgs(dir: string): string[] {
  const cas = "/usr/local/share/ca-certificates";
  if (!fs.existsSync(cas)) return [];
  const certs = fs.readdirSync(cas).filter((f) => f.endsWith(".crt"));
  if (certs.length === 0) return [];
  const bundle = path.join(dir, "npm_ca.pem");
  fs.writeFileSync(bundle, certs.map((f) => fs.readFileSync(path.join(cas, f), "utf8")).join("\n"));
  return ["--secret", `id=npm_ca,src=${bundle}`];
}

/** Builds `context` as `tag` (host network); returns the seconds it took. */
export function buildImage(host: string, tag: string, context: string, args: string[]): number {
  const start = Date.now();
  docker(host, ["build", "--network", "host", "-t", tag, ...args, context]);
  return (Date.now() - start) / 1000;
}

/** As `buildImage`, without blocking this process: what the build calls may be served from it (a stand-in Sentry). */
export async function buildImageAsync(host: string, tag: string, context: string, args: string[]): Promise<void> {
  const env = { ...process.env, DOCKER_HOST: host, DOCKER_BUILDKIT: "1" };
  await promisify(execFile)(DOCKER, ["build", "--network", "host", "-t", tag, ...args, context], { env, maxBuffer: 64 * 1024 * 1024 }).catch(
    (e: { stderr?: string }) => {
      throw new Error(`docker build failed:\n${(e.stderr ?? "").split("\n").slice(-40).join("\n")}`, { cause: e });
    },
  );
}

/** The arguments every build of the app takes here: the stand-in base, the CA secret. */
export function appBuildArgs(host: string, scratchDir: string): string[] {
  return ["--build-arg", `NODE_IMAGE=${baseImage(host)}`, ...caSecretArgs(scratchDir)];
}

/** The migrator target: Prisma's schema engine (WebAssembly) and the migrations. */
export const MIGRATOR_ARGS = ["--target", "migrator"];

/** `docker image inspect` of one image. */
export function inspectImage(
  host: string,
  ref: string,
): { Size: number; Config: { User: string; Env: string[]; Cmd: string[]; Healthcheck?: { Test: string[] } } } {
  return (JSON.parse(docker(host, ["image", "inspect", ref])) as never[])[0];
}
