/**
 * The images the engine tier's node runs, built for real with the Docker engine this tier
 * starts (test/image/dockerd.sh) on the stand-in base (test/image/base-image.sh), and
 * pushed to the node's registry on localhost:5001: the app (runner), its migrator, the
 * tier's migrator (test/engine/migrator) and PostgreSQL from Debian's packages
 * (test/engine/postgres). Each is then deployed by digest, as on a real cluster.
 */
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { ROOT } from "../mocks";

const DOCKER = "/usr/bin/docker";

/** Digest references of what was built and pushed, and how long the builds took. */
export interface TierImages {
  app: string;
  migrator: string;
  tierMigrator: string;
  /** The tier's migrator with one more migration, which fails. */
  brokenMigrator: string;
  postgres: string;
  seconds: Record<string, number>;
}

/** A running Docker engine. */
export interface Docker {
  host: string;
  stop(): void;
}

/** Starts dockerd under `dir`. */
export function startDocker(dir: string): Docker {
  const script = path.join(ROOT, "test", "image", "dockerd.sh");
  const started = spawnSync("bash", [script, "start", dir], { encoding: "utf8" });
  if (started.status !== 0) throw new Error(`dockerd did not start:\n${started.stderr}`);
  return { host: started.stdout.trim(), stop: () => void spawnSync("bash", [script, "stop", dir]) };
}

/** The machine's extra CA bundle, for npm inside builds (a BuildKit secret; never committed). */
function caBundle(dir: string): string[] {
  const cas = "/usr/local/share/ca-certificates";
  if (!fs.existsSync(cas)) return [];
  const certs = fs.readdirSync(cas).filter((f) => f.endsWith(".crt"));
  if (certs.length === 0) return [];
  const bundle = path.join(dir, "npm_ca.pem");
  fs.writeFileSync(bundle, certs.map((f) => fs.readFileSync(path.join(cas, f), "utf8")).join("\n"));
  return ["--secret", `id=npm_ca,src=${bundle}`];
}

function docker(host: string, args: string[]): string {
  return execFileSync(DOCKER, args, { encoding: "utf8", env: { ...process.env, DOCKER_HOST: host, DOCKER_BUILDKIT: "1" }, maxBuffer: 64 * 1024 * 1024, stdio: ["ignore", "pipe", "pipe"] });
}

/** Builds `context` (optionally a target), pushes it as `tag`, returns its digest reference and the seconds taken. */
export function buildAndPush(host: string, tag: string, context: string, args: string[]): { ref: string; seconds: number } {
  const start = Date.now();
  try {
    docker(host, ["build", "--network", "host", "-t", tag, ...args, context]);
  } catch (e) {
    const err = e as { stderr?: string; stdout?: string };
    throw new Error(`docker build of ${tag} failed:\n${(err.stderr ?? "").split("\n").slice(-40).join("\n")}`, { cause: e });
  }
  const seconds = (Date.now() - start) / 1000;
  docker(host, ["push", tag]);
  const repoDigest = docker(host, ["inspect", "--format", "{{range .RepoDigests}}{{println .}}{{end}}", tag]).split("\n").find((d) => d.startsWith(tag.split(":").slice(0, -1).join(":")));
  if (!repoDigest) throw new Error(`no digest for ${tag} after the push`);
  return { ref: repoDigest.trim(), seconds };
}

/** Builds and pushes everything the local stack runs on the node. */
export function buildTierImages(host: string, workDir: string): TierImages {
  const base = execFileSync("bash", [path.join(ROOT, "test", "image", "base-image.sh")], { encoding: "utf8", env: { ...process.env, DOCKER_HOST: host } }).trim();
  const secret = caBundle(workDir);
  const common = ["--build-arg", `NODE_IMAGE=${base}`, ...secret];
  const appDir = path.join(ROOT, "app");
  const app = buildAndPush(host, "localhost:5001/web:tier", appDir, common);
  // Prisma's schema engine cannot be downloaded here: the migrator is built without it.
  const migrator = buildAndPush(host, "localhost:5001/web:migrator-tier", appDir, [...common, "--target", "migrator", "--build-arg", "FETCH_PRISMA_ENGINE=false"]);
  const tierMigrator = buildAndPush(host, "localhost:5001/web-tier-migrator:tier", path.join(ROOT, "test", "engine", "migrator"), ["--build-arg", `MIGRATOR=${migrator.ref}`]);
  const broken = buildAndPush(host, "localhost:5001/web-tier-migrator:broken", path.join(ROOT, "test", "engine", "migrator"), [
    "--build-arg",
    `MIGRATOR=${migrator.ref}`,
    "--build-arg",
    `BROKEN_MIGRATION=ALTER TABLE "NoSuchTable" ADD COLUMN "x" INTEGER;`,
  ]);
  const postgres = buildAndPush(host, "localhost:5001/postgres:15", path.join(ROOT, "test", "engine", "postgres"), ["--build-arg", `BASE=${base}`]);
  return {
    app: app.ref,
    migrator: migrator.ref,
    tierMigrator: tierMigrator.ref,
    brokenMigrator: broken.ref,
    postgres: postgres.ref,
    seconds: { app: app.seconds, migrator: migrator.seconds, tierMigrator: tierMigrator.seconds, brokenMigrator: broken.seconds, postgres: postgres.seconds },
  };
}
