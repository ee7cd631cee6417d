// Source maps go to Sentry, never into an image. With a Sentry token (the BuildKit secret
// `sentry_auth_token`, or SENTRY_AUTH_TOKEN_FILE) and SENTRY_ORG and SENTRY_PROJECT set,
// sentry-cli writes a debug ID into every bundle and its map and uploads the maps by debug
// ID: no release is needed at build time (the release is the image's digest, known only
// after the build). The server bundles, now carrying their debug IDs, replace their copies
// in .next/standalone. With or without a token, every map is then deleted.
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";

const tokenFile = process.env.SENTRY_AUTH_TOKEN_FILE || "/run/secrets/sentry_auth_token";
const token = existsSync(tokenFile) ? readFileSync(tokenFile, "utf8").trim() : "";
const { SENTRY_ORG: org, SENTRY_PROJECT: project } = process.env;
const dirs = [".next/server", ".next/static"].filter((d) => existsSync(d));
const files = (dir) => readdirSync(dir, { recursive: true }).map((f) => join(dir, String(f)));

if (token && org && project) {
  const env = { ...process.env, SENTRY_AUTH_TOKEN: token };
  if (!env.SENTRY_URL) delete env.SENTRY_URL; // sentry.io
  const cli = (...args) => execFileSync("sentry-cli", args, { stdio: "inherit", env });
  cli("sourcemaps", "inject", ...dirs);
  try {
    cli("sourcemaps", "upload", "--org", org, "--project", project, ...dirs);
  } catch {
    // The image is right either way; a build must not wait on Sentry being up.
    console.warn("::warning::source maps were not uploaded to Sentry: errors in this build show minified frames");
  }
  for (const file of files(".next/server").filter((f) => f.endsWith(".js"))) {
    const copy = join(".next/standalone", file);
    if (existsSync(copy)) copyFileSync(file, copy);
  }
} else if (org || project || token) {
  console.warn("::warning::Sentry source maps need SENTRY_ORG, SENTRY_PROJECT and a token; none uploaded");
}
let removed = 0;
for (const file of [".next/server", ".next/static", ".next/standalone"]
  .filter((d) => existsSync(d))
  .flatMap(files)
  .filter((f) => f.endsWith(".map"))) {
  rmSync(file);
  removed++;
}
console.log(`source maps: ${token && org && project ? "uploaded to Sentry, then " : ""}${removed} removed from the build`);
