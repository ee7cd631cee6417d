/**
 * `npm run bench`: wall time of evaluating the whole program under mocks, per profile, as
 * the repository's scripts load it (ts-node with swc) and as `pulumi` does by hand
 * (TypeScript's transpiler, type checking on and off: the nodejs runtime type-checks unless
 * PULUMI_NODEJS_TRANSPILE_ONLY=true). Figures are printed, never asserted: they depend on
 * the machine. QUICK=1 (CI) type-checks one profile only: type checking costs the same
 * whatever the stack, and takes most of the run.
 */
import { spawnSync } from "child_process";
import * as path from "path";

const STACKS: Record<string, string> = { local: "local", dev: "dev", prod: "prod", preview: "pr-42" };
const MODES = {
  // How the repository's scripts, tests and workflows load the program.
  swc: path.resolve(__dirname, "..", "scripts", "register.js"),
  // What `pulumi` run by hand does with PULUMI_NODEJS_TRANSPILE_ONLY=true, and without it.
  "tsc transpile": "ts-node/register/transpile-only",
  "tsc type-check": "ts-node/register",
};
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 3);
const QUICK = process.env.QUICK === "1";
const root = path.resolve(__dirname, "..");

function sample(register: string, stack: string): { ms: number; resources: number } {
  const start = process.hrtime.bigint();
  const run = spawnSync(process.execPath, ["-r", register, path.join("bench", "render.ts"), stack], { cwd: root, encoding: "utf8" });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (run.status !== 0) throw new Error(`render of ${stack} failed:\n${run.stderr}`);
  return { ms, resources: Number(run.stdout.trim()) };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

console.log(`node ${process.version}, ${SAMPLES} samples each, median wall time of one program evaluation (fresh process)`);
console.log(["profile", "stack", "resources", ...Object.keys(MODES)].map((h) => h.padEnd(16)).join(""));
for (const [profile, stack] of Object.entries(STACKS)) {
  const cells: string[] = [];
  let resources = 0;
  for (const [mode, register] of Object.entries(MODES)) {
    if (QUICK && mode === "tsc type-check" && profile !== "local") {
      cells.push("(QUICK: skipped)");
      continue;
    }
    const runs = Array.from({ length: SAMPLES }, () => sample(register, stack));
    resources = runs[0].resources;
    cells.push(`${median(runs.map((r) => r.ms)).toFixed(0)} ms`);
  }
  console.log([profile, stack, String(resources), ...cells].map((c) => c.padEnd(16)).join(""));
}
