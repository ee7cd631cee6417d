/**
 * The images the engine tier's node runs, built for real with the tiers' Docker engine
 * (test/image/docker.ts) and pushed to the node's registry on localhost:5001: the app
 * (runner), the app's migrator, the same with one more migration that fails
 * (test/engine/migrator), and PostgreSQL from Debian's packages
 * (test/engine/postgres). Each is then deployed by digest, as on a real cluster.
 */
import * as path from "path";
import { ROOT } from "../mocks";
import { APP_CONTEXT, appBuildArgs, baseImage, buildImage, docker, MIGRATOR_ARGS } from "../image/docker";

/** The migration the broken migrator adds after the committed ones. */
export const BROKEN_MIGRATION = "99990101000000_broken";

/** Digest references of what was built and pushed, and how long the builds took. */
export interface TierImages {
  app: string;
  migrator: string;
  /** The app's migrator with one more migration (BROKEN_MIGRATION), which fails. */
  brokenMigrator: string;
  postgres: string;
  seconds: Record<string, number>;
}

/** Builds `context` (optionally a target), pushes it as `tag`, returns its digest reference and the seconds taken. */
export function buildAndPush(host: string, tag: string, context: string, args: string[]): { ref: string; seconds: number } {
  const seconds = buildImage(host, tag, context, args);
  docker(host, ["push", tag]);
  const repo = tag.split(":").slice(0, -1).join(":");
  const repoDigest = docker(host, ["inspect", "--format", "{{range .RepoDigests}}{{println .}}{{end}}", tag])
    .split("\n")
    .find((d) => d.startsWith(`${repo}@`));
  if (!repoDigest) throw new Error(`no digest for ${tag} after the push`);
  return { ref: repoDigest.trim(), seconds };
}

/** Builds and pushes everything the local stack runs on the node. */
export function buildTierImages(host: string, scratchDir: string): TierImages {
  const common = appBuildArgs(host, scratchDir);
  const app = buildAndPush(host, "localhost:5001/web:tier", APP_CONTEXT, common);
  const migrator = buildAndPush(host, "localhost:5001/web:migrator-tier", APP_CONTEXT, [...common, ...MIGRATOR_ARGS]);
  const broken = buildAndPush(host, "localhost:5001/web-migrator-broken:tier", path.join(ROOT, "test", "engine", "migrator"), [
    "--build-arg",
    `MIGRATOR=${migrator.ref}`,
    "--build-arg",
    `NAME=${BROKEN_MIGRATION}`,
    "--build-arg",
    `SQL=ALTER TABLE "NoSuchTable" ADD COLUMN "x" INTEGER;`,
  ]);
  const postgres = buildAndPush(host, "localhost:5001/postgres:15", path.join(ROOT, "test", "engine", "postgres"), ["--build-arg", `BASE=${baseImage(host)}`]);
  return {
    app: app.ref,
    migrator: migrator.ref,
    brokenMigrator: broken.ref,
    postgres: postgres.ref,
    seconds: { app: app.seconds, migrator: migrator.seconds, brokenMigrator: broken.seconds, postgres: postgres.seconds },
  };
}
