/** What the tiers run from a package directory of the repo: installed from its lockfile when nothing has been yet. */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

/**
 * Runs `npm ci` in `dir` unless `probe` (a package it depends on) is already in its
 * node_modules: .ci/run installs up front, a tier run alone installs what it needs.
 */
export function ensureInstalled(dir: string, probe: string, why: string): void {
  if (fs.existsSync(path.join(dir, "node_modules", probe))) return;
  const installed = spawnSync("npm", ["--prefix", dir, "ci", "--no-audit", "--no-fund"], { encoding: "utf8", stdio: "inherit" });
  if (installed.status !== 0) throw new Error(`\`npm --prefix ${path.relative(path.join(__dirname, "..", ".."), dir)} ci\` failed: ${why}`);
}
