/**
 * `npm run bench:image`: what the runtime stage of app/Dockerfile copies (standalone
 * server, static assets, public) next to what a naive single-stage image would carry
 * (all of node_modules plus the build). Needs a built app (`npm --prefix app run build`).
 * Figures are printed, never asserted.
 */
import * as fs from "fs";
import * as path from "path";

const APP = path.resolve(__dirname, "..", "app");

/** Bytes under a path (files only, links not followed). */
function size(p: string): number {
  if (!fs.existsSync(p)) return 0;
  const st = fs.lstatSync(p);
  if (!st.isDirectory()) return st.size;
  return fs.readdirSync(p).reduce((sum, entry) => sum + size(path.join(p, entry)), 0);
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

if (!fs.existsSync(path.join(APP, ".next", "standalone"))) {
  console.error("app/.next/standalone is missing: run `npm --prefix app run build` first");
  process.exit(2);
}
const standalone = size(path.join(APP, ".next", "standalone"));
// The build script copies static and public into standalone; count them once.
const runtime = standalone;
const naive = size(path.join(APP, "node_modules")) + size(path.join(APP, ".next"));
console.log("runtime stage copies (standalone + static + public):", mb(runtime));
console.log("single-stage image would carry (node_modules + .next):", mb(naive));
console.log(`ratio: ${(naive / runtime).toFixed(1)}x smaller`);
