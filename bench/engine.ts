/**
 * `npm run bench:engine`: the real engine against the loopback cluster (needs
 * `npm run tools`). Prints, side by side: a no-op `pulumi preview` of the workload the local
 * profile deploys (see test/engine/harness.ts) with
 * ts-node type checking vs. transpile-only, the first `up`, and a no-op `up`. Each
 * figure is one fresh process, program load included. Printed, never asserted.
 */
import { spawnSync } from "child_process";
import * as path from "path";
import { startEngine } from "../test/engine/harness";

const ROOT = path.resolve(__dirname, "..");

function timed(op: string, workDir: string, register: string): { ms: number; wall: number } {
  const start = Date.now();
  const r = spawnSync(process.execPath, ["-r", register, path.join(ROOT, "bench", "engine-op.ts"), op, workDir], { cwd: ROOT, encoding: "utf8", env: process.env });
  if (r.status !== 0) throw new Error(`${op} failed:\n${r.stderr}`);
  return { ms: Number(r.stdout.trim().split("\n").pop()), wall: Date.now() - start };
}

const engine = startEngine();
try {
  const fast = "ts-node/register/transpile-only";
  const rows: [string, { ms: number; wall: number }][] = [
    ["first up (transpile-only)", timed("up", engine.workDir, fast)],
    ["no-op up (transpile-only)", timed("up", engine.workDir, fast)],
    ["no-op preview, transpile-only", timed("preview", engine.workDir, fast)],
    ["no-op preview, type-checked", timed("preview", engine.workDir, "ts-node/register")],
  ];
  console.log(`${"operation".padEnd(34)}${"engine op".padEnd(12)}whole process`);
  for (const [name, t] of rows) console.log(`${name.padEnd(34)}${`${(t.ms / 1000).toFixed(1)} s`.padEnd(12)}${(t.wall / 1000).toFixed(1)} s`);
  timed("destroy", engine.workDir, fast);
} finally {
  engine.stop();
}
