/**
 * `npm run bench:engine`: the real program's local stack on the tier's real node (needs
 * `npm run build:engine-binaries`; see test/engine/harness.ts). Prints: the cluster's start, each image's
 * build (warm when the tier ran before: the Docker cache outlives a run), the first `up`
 * (Postgres, migrations, the app, all awaited Ready), a no-op `up`, a no-op `preview` with
 * ts-node type checking vs. transpile-only, and `destroy`. Each engine figure is one fresh
 * process, program load included. Then a rollout under load: steady requests through the
 * Service while a config change rolls the pods and while a pod is deleted, with the requests
 * sent, failed and their p50/p99 latency (the goal: none failed). Then what a newcomer and a
 * developer wait for: clone to URL (the cluster, the images with a warm and with no layer
 * cache, the first up; `npm ci` not included), and a one-line change to the home page, from
 * the edit to the new pods answering with it. Printed, never asserted. QUICK=1 (CI) skips the
 * builds with no layer cache (about a minute of compiling the app again), as bench:image does.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { APP_CONTEXT, appBuildArgs, buildImage, MIGRATOR_ARGS } from "../test/image/docker";
import { Engine, Kube, localStack, startEngine } from "../test/engine/harness";
import { buildAndPush } from "../test/engine/images";

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

const NS = "/api/v1/namespaces/web-local";
const DEPLOYMENT = "/apis/apps/v1/namespaces/web-local/deployments/web";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until every replica runs the Deployment's current template and is available. */
async function rolledOut(kube: Kube): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const d = (await kube.request("GET", DEPLOYMENT)).json as {
      metadata: { generation: number };
      spec: { replicas: number };
      status: { observedGeneration?: number; updatedReplicas?: number; availableReplicas?: number; replicas?: number };
    };
    const s = d.status;
    if (
      s.observedGeneration === d.metadata.generation &&
      s.updatedReplicas === d.spec.replicas &&
      s.availableReplicas === d.spec.replicas &&
      s.replicas === d.spec.replicas
    )
      return;
    await sleep(500);
  }
  throw new Error("the rollout did not finish in 150 s");
}

/** Steady requests from a few clients at once until stopped: what each got and how long it took. */
function load(url: string, clients = 4): { stop: () => Promise<{ sent: number; failed: string[]; ms: number[] }> } {
  let running = true;
  const ms: number[] = [];
  const failed: string[] = [];
  const client = async () => {
    while (running) {
      const start = performance.now();
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
        await res.arrayBuffer();
        if (res.status >= 500) failed.push(`HTTP ${res.status}`);
      } catch (e) {
        failed.push((e as Error).message);
      }
      ms.push(performance.now() - start);
      await sleep(20);
    }
  };
  const all = Promise.all(Array.from({ length: clients }, client));
  return {
    stop: async () => {
      running = false;
      await all;
      return { sent: ms.length, failed, ms };
    },
  };
}

const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? NaN;

/** Two replicas serving steady traffic: a config change rolls them, then a pod is deleted. */
async function rolloutUnderLoad(kube: Kube, workDir: string): Promise<void> {
  const stack = await localStack(workDir);
  await stack.setConfig("nextjs-infra:app.replicas", { value: "2" }, true);
  await stack.up();
  await rolledOut(kube);
  const url = `${await kube.serviceUrl("web-local", "web")}/`;
  const report = (what: string, r: { sent: number; failed: string[]; ms: number[] }) =>
    console.log(
      `  ${what.padEnd(32)}sent ${String(r.sent).padEnd(6)}failed ${String(r.failed.length).padEnd(4)}p50 ${percentile(r.ms, 50).toFixed(0)} ms  p99 ${percentile(r.ms, 99).toFixed(0)} ms${r.failed.length ? `  (${[...new Set(r.failed)].slice(0, 3).join("; ")})` : ""}`,
    );
  console.log(`rollout under load: 4 clients, GET ${url.replace(/^http:\/\/[^/]+/, "<service>")} (goal: none failed)`);
  let traffic = load(url);
  await sleep(3_000);
  await stack.setConfig("nextjs-infra:app.logLevel", { value: "warn" }, true);
  await stack.up();
  await rolledOut(kube);
  await sleep(3_000);
  report("config change, pods rolled", await traffic.stop());
  traffic = load(url);
  await sleep(3_000);
  const pods = (await kube.request("GET", `${NS}/pods?labelSelector=app.kubernetes.io%2Fcomponent%3Dserver`)).json as {
    items: { metadata: { name: string } }[];
  };
  await kube.request("DELETE", `${NS}/pods/${pods.items[0].metadata.name}`);
  await sleep(5_000);
  await rolledOut(kube);
  await sleep(3_000);
  report("a pod deleted", await traffic.stop());
}

/** The app and migrator images built again with no layer cache: the seconds a first build on a new machine takes. */
function coldImageSeconds(engine: Engine): number {
  const args = [...appBuildArgs(engine.docker.host, engine.tmp), "--no-cache"];
  return (
    buildImage(engine.docker.host, "localhost:5001/web:bench-cold", APP_CONTEXT, args) +
    buildImage(engine.docker.host, "localhost:5001/web:bench-cold-migrator", APP_CONTEXT, [...args, ...MIGRATOR_ARGS])
  );
}

/** A one-line change to the home page, built, pushed and deployed: seconds from the edit to the new pods answering with it. */
async function oneLineChange(engine: Engine): Promise<{ build: number; up: number; total: number }> {
  const context = fs.mkdtempSync(path.join(engine.tmp, "app-"));
  fs.cpSync(APP_CONTEXT, context, {
    recursive: true,
    filter: (src) => !/(^|\/)(node_modules|\.next|\.lighthouseci)(\/|$)/.test(path.relative(APP_CONTEXT, src)),
  });
  const marker = `Changed ${Date.now()}`;
  const page = path.join(context, "src", "app", "page.tsx");
  fs.writeFileSync(page, fs.readFileSync(page, "utf8").replace("<p>A Next.js app", `<p>${marker}. A Next.js app`));
  const start = Date.now();
  const { ref } = buildAndPush(engine.docker.host, "localhost:5001/web:bench-change", context, appBuildArgs(engine.docker.host, engine.tmp));
  const built = Date.now();
  const stack = await localStack(engine.workDir);
  await stack.setConfig("nextjs-infra:image.ref", { value: ref }, true);
  await stack.up();
  const upDone = Date.now();
  const url = await engine.kube.serviceUrl("web-local", "web");
  for (let i = 0; i < 600; i++) {
    const body = await fetch(url, { signal: AbortSignal.timeout(5_000) }).then(
      (r) => r.text(),
      () => "",
    );
    if (body.includes(marker)) return { build: (built - start) / 1000, up: (upDone - built) / 1000, total: (Date.now() - start) / 1000 };
    await sleep(200);
  }
  throw new Error("the changed page never answered");
}

async function main(): Promise<void> {
  const started = Date.now();
  const engine = startEngine();
  try {
    const ready = (Date.now() - started) / 1000;
    console.log(`cluster, node and images ready in ${ready.toFixed(1)} s; image builds:`);
    for (const [image, s] of Object.entries(engine.images.seconds)) console.log(`  ${image.padEnd(16)}${s.toFixed(1)} s`);
    const fast = path.join(ROOT, "scripts", "register.js");
    const first = timed("up", engine.workDir, fast);
    await printPhases(engine.kube);
    // The tier also builds images a user never does (a failing migrator, Postgres from Debian's packages).
    const built = Object.values(engine.images.seconds).reduce((a, b) => a + b, 0);
    const appImages = engine.images.seconds.app + engine.images.seconds.migrator;
    const cluster = ready - built;
    const cold = process.env.QUICK === "1" ? undefined : coldImageSeconds(engine);
    const sum = (images: number) =>
      `cluster ${cluster.toFixed(0)} s + app and migrator images ${images.toFixed(0)} s + first up ${(first.wall / 1000).toFixed(0)} s = ${(cluster + images + first.wall / 1000).toFixed(0)} s`;
    console.log("clone to URL (after `npm ci`):");
    console.log(`  warm image cache   ${sum(appImages)}`);
    console.log(`  no layer cache     ${cold === undefined ? "not measured (QUICK)" : sum(cold)}`);
    const rows: [string, { ms: number; wall: number }][] = [
      ["first up (swc)", first],
      ["no-op up (swc)", timed("up", engine.workDir, fast)],
      ["no-op preview, swc", timed("preview", engine.workDir, fast)],
      ["no-op preview, type-checked", timed("preview", engine.workDir, "ts-node/register")],
    ];
    const change = await oneLineChange(engine);
    console.log(
      `one-line change to the new pods answering: ${change.total.toFixed(0)} s (runner build and push ${change.build.toFixed(0)} s, up ${change.up.toFixed(0)} s)`,
    );
    await rolloutUnderLoad(engine.kube, engine.workDir);
    rows.push(["destroy", timed("destroy", engine.workDir, fast)]);
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
