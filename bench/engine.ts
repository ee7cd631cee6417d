/**
 * `npm run bench:engine`: the real program's local stack on the tier's real node (needs
 * `npm run build:engine-binaries`; see test/engine/harness.ts). Prints: the cluster's start, each image's
 * build (warm when the tier ran before: the Docker cache outlives a run), the first `up`
 * (Postgres, migrations, the app, all awaited Ready), a no-op `up`, a no-op `preview` with
 * ts-node type checking vs. transpile-only, and `destroy`. Each engine figure is one fresh
 * process, program load included. Printed, never asserted.
 */
import { spawnSync } from "child_process";
import * as path from "path";
import { Kube, startEngine } from "../test/engine/harness";

const ROOT = path.resolve(__dirname, "..");

function timed(op: string, workDir: string, register: string): { ms: number; wall: number } {
  const start = Date.now();
  const r = spawnSync(process.execPath, ["-r", register, path.join(ROOT, "bench", "engine-op.ts"), op, workDir], {
    cwd: ROOT,
    encoding: "utf8",
    env: process.env,
  });
  if (r.status !== 0) throw new Error(`${op} failed:\n${r.stderr}`);
  return { ms: Number(r.stdout.trim().split("\n").pop()), wall: Date.now() - start };
}

interface Obj {
  metadata: { creationTimestamp: string };
  status: { startTime?: string; completionTime?: string; conditions?: { type: string; lastTransitionTime: string }[] };
}

/** What the first up waited for, from the API server's own timestamps (second precision). */
async function printPhases(kube: Kube): Promise<void> {
  const list = async (p: string) => ((await kube.request("GET", p)).json as { items: Obj[] }).items;
  const seconds = (from?: string, to?: string) => `${((Date.parse(to ?? "") - Date.parse(from ?? "")) / 1000).toFixed(0)} s`;
  const readyAt = (pod: Obj) => pod.status.conditions?.find((c) => c.type === "Ready")?.lastTransitionTime;
  const jobs = await list("/apis/batch/v1/namespaces/web-local/jobs");
  const pods = await list("/api/v1/namespaces/web-local/pods?labelSelector=app.kubernetes.io/component%3Dserver");
  const pgs = await list("/api/v1/namespaces/web-local/pods?labelSelector=app.kubernetes.io/name%3Dpostgres");
  console.log("first up, from the API server's timestamps:");
  for (const pg of pgs) console.log(`  Postgres pod created to Ready      ${seconds(pg.metadata.creationTimestamp, readyAt(pg))}`);
  for (const job of jobs) console.log(`  migration Job start to complete    ${seconds(job.status.startTime, job.status.completionTime)}`);
  for (const pod of pods) console.log(`  app pod created to Ready           ${seconds(pod.metadata.creationTimestamp, readyAt(pod))}`);
}

async function main(): Promise<void> {
  const started = Date.now();
  const engine = startEngine();
  try {
    console.log(`cluster, node and images ready in ${((Date.now() - started) / 1000).toFixed(1)} s; image builds:`);
    for (const [image, s] of Object.entries(engine.images.seconds)) console.log(`  ${image.padEnd(16)}${s.toFixed(1)} s`);
    const fast = "ts-node/register/transpile-only";
    const first = timed("up", engine.workDir, fast);
    await printPhases(engine.kube);
    const rows: [string, { ms: number; wall: number }][] = [
      ["first up (transpile-only)", first],
      ["no-op up (transpile-only)", timed("up", engine.workDir, fast)],
      ["no-op preview, transpile-only", timed("preview", engine.workDir, fast)],
      ["no-op preview, type-checked", timed("preview", engine.workDir, "ts-node/register")],
      ["destroy", timed("destroy", engine.workDir, fast)],
    ];
    console.log(`${"operation".padEnd(34)}${"engine op".padEnd(12)}whole process`);
    for (const [name, t] of rows) console.log(`${name.padEnd(34)}${`${(t.ms / 1000).toFixed(1)} s`.padEnd(12)}${(t.wall / 1000).toFixed(1)} s`);
  } finally {
    engine.stop();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
