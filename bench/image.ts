/**
 * `npm run bench:image`: the app's images as a real Docker engine builds them (needs
 * Debian's docker.io and debootstrap; see test/image/docker.ts). Prints, from
 * `docker image inspect`:
 * - the content of the runner image (its size minus the base's) next to a naive
 *   single-stage image's (the Dockerfile's `build` stage: dependencies, sources and build
 *   output in one image), and their ratio — the goal is at most 8 %;
 * - the migrator image's content;
 * - build times: cold (no layer cache; npm's download cache still warm) and warm (one
 *   source file changed, as in a typical release).
 * Printed, never asserted. QUICK=1 skips the cold build.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { APP_CONTEXT, appBuildArgs, baseImage, buildImage, inspectImage, MIGRATOR_ARGS, startDocker } from "../test/image/docker";

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

/** A copy of the app's build context (what .dockerignore would send), to change a file in. */
function contextCopy(dir: string): string {
  const copy = path.join(dir, "app");
  const skip = new Set(["node_modules", ".next", ".lighthouseci", path.join("src", "generated")]);
  fs.cpSync(APP_CONTEXT, copy, { recursive: true, filter: (src) => !skip.has(path.relative(APP_CONTEXT, src)) });
  return copy;
}

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "bench-image-"));
const engine = startDocker();
try {
  const host = engine.host;
  const args = appBuildArgs(host, scratch);
  const base = inspectImage(host, baseImage(host)).Size;
  const times: [string, number][] = [];
  if (process.env.QUICK !== "1") times.push(["cold (no layer cache)", buildImage(host, "nextjs-infra/bench:runner", APP_CONTEXT, [...args, "--no-cache"])]);
  times.push(["unchanged (all cached)", buildImage(host, "nextjs-infra/bench:runner", APP_CONTEXT, args)]);
  buildImage(host, "nextjs-infra/bench:naive", APP_CONTEXT, [...args, "--target", "build"]);
  buildImage(host, "nextjs-infra/bench:migrator", APP_CONTEXT, [...args, ...MIGRATOR_ARGS]);
  const copy = contextCopy(scratch);
  fs.appendFileSync(path.join(copy, "src", "app", "page.tsx"), `\n// bench ${Date.now()}\n`);
  times.push(["warm (one page changed)", buildImage(host, "nextjs-infra/bench:runner-changed", copy, args)]);

  const runner = inspectImage(host, "nextjs-infra/bench:runner").Size - base;
  const naive = inspectImage(host, "nextjs-infra/bench:naive").Size - base;
  const migrator = inspectImage(host, "nextjs-infra/bench:migrator").Size - base;
  console.log(`base image (stand-in for the Dockerfile's NODE_IMAGE): ${mb(base)}`);
  console.log(`runner content (image - base):                      ${mb(runner)}`);
  console.log(`naive single-stage content (the build stage - base): ${mb(naive)}`);
  console.log(`runner / naive:                                      ${((runner / naive) * 100).toFixed(1)} % (goal: at most 8 %)`);
  console.log(`migrator content (image - base):                     ${mb(migrator)}`);
  for (const [what, seconds] of times) console.log(`runner build, ${what.padEnd(26)} ${seconds.toFixed(1)} s`);
} finally {
  engine.stop();
  fs.rmSync(scratch, { recursive: true, force: true });
}
