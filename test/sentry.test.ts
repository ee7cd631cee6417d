/**
 * Sentry per environment: the builds production promotes upload source maps by debug ID
 * with a token passed as a BuildKit secret (a pull request's build never holds it), every
 * map is deleted before anything reaches an image, and each deploy records the release the
 * pods report (the image's digest) in its stack's environment. The uploads and the release
 * calls are made by the real sentry-cli against a stand-in Sentry on loopback that refuses
 * what Sentry refuses.
 */
import { strict as assert } from "assert";
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { committedConfig, isSecretValue, renderProgram, ROOT, useMocks, valueOf } from "./mocks";
import { startFakeSentry, FakeSentry } from "./sentry/fake-sentry";
import { recordRelease } from "../scripts/lib/sentry";
import { resolveSettings, SettingsError } from "../stacks";
import { PROJECT } from "./mocks";
import { readProjectFiles } from "../stacks/files";

const SENTRY = { org: "acme", project: "web" };
const TOKEN = "sntrys_Zq8-org-token";

/** Renders a stack with its committed config, `sentry` set, and SENTRY_AUTH_TOKEN in the environment as CI sets it. */
async function render(stack: string, sentry: Record<string, unknown> | undefined, token: string | undefined) {
  const saved = process.env.SENTRY_AUTH_TOKEN;
  if (token === undefined) delete process.env.SENTRY_AUTH_TOKEN;
  else process.env.SENTRY_AUTH_TOKEN = token;
  try {
    const config = { ...committedConfig(stack), ...(sentry ? { "nextjs-infra:sentry": sentry } : {}) };
    const mocks = (await useMocks(stack, config, { neonApiKey: "neon-key", "doppler:dopplerToken": "dp.pt.x" })).withServiceInvokes();
    const outputs = await renderProgram();
    await valueOf(outputs.namespace);
    await mocks.settle();
    const image = mocks.ofType("docker-build:index:Image").find((r) => !r.name.includes("migrator"))!;
    return { build: image.inputs, raw: image.raw as Record<string, unknown>, outputs };
  } finally {
    if (saved === undefined) delete process.env.SENTRY_AUTH_TOKEN;
    else process.env.SENTRY_AUTH_TOKEN = saved;
  }
}

describe("Sentry", () => {
  describe("the build", () => {
    it("gives the token, as a secret BuildKit mount, to the builds production promotes, never to a pull request's", async () => {
      const dev = await render("dev", SENTRY, TOKEN);
      assert.equal(dev.build.secrets.sentry_auth_token, TOKEN);
      assert.ok(isSecretValue(dev.raw.secrets), "a secret input: encrypted in state");
      assert.deepEqual(
        Object.entries(dev.build.buildArgs).filter(([k]) => k.startsWith("SENTRY_")),
        [
          ["SENTRY_ORG", "acme"],
          ["SENTRY_PROJECT", "web"],
        ],
      );
      assert.ok(!JSON.stringify(dev.build.buildArgs).includes(TOKEN), "never a build argument: those stay in the image's history");
      const pr = await render("pr-7", SENTRY, TOKEN);
      assert.equal(pr.build.secrets, undefined, "unreviewed code never holds it, even when the runner's environment has it");
      assert.ok(!Object.keys(pr.build.buildArgs ?? {}).some((k) => k.startsWith("SENTRY_")));
      const none = await render("dev", undefined, TOKEN);
      assert.equal(none.build.secrets, undefined, "no Sentry project: nothing to upload to");
    });

    it("exports where a deploy records its release: the digest the pods report, in the stack's environment", async () => {
      const { outputs } = await render("dev", { ...SENTRY, url: "https://sentry.example.com/" }, undefined);
      const sentry = await valueOf(outputs.sentry as Record<string, unknown>);
      const image = await valueOf(outputs.imageRef as string);
      assert.deepEqual(sentry, { org: "acme", project: "web", url: "https://sentry.example.com/", environment: "dev", release: image.split("@")[1] });
      assert.equal((await render("dev", undefined, undefined)).outputs.sentry, undefined);
    });

    it("refuses half a Sentry target, a slug Sentry would not have, and plain http off this machine", () => {
      const { projectConfig, siblings } = readProjectFiles(ROOT, PROJECT, "dev");
      const settle = (sentry: Record<string, unknown>) =>
        resolveSettings({
          project: PROJECT,
          stack: "dev",
          projectConfig,
          siblings,
          config: Object.fromEntries(
            Object.entries({ ...committedConfig("dev"), "nextjs-infra:sentry": sentry, "nextjs-infra:neonApiKey": "k" }).map(([k, v]) => [
              k,
              typeof v === "string" ? v : JSON.stringify(v),
            ]),
          ),
          secretKeys: new Set(["nextjs-infra:neonApiKey"]),
          env: { DOPPLER_TOKEN: "d" },
        });
      const issues = (sentry: Record<string, unknown>) => {
        try {
          settle(sentry);
        } catch (e) {
          if (e instanceof SettingsError) return Object.fromEntries(e.issues.map((i) => [i.key, i.message]));
          throw e;
        }
        assert.fail("expected a refusal");
      };
      assert.match(issues({ org: "acme" })["nextjs-infra:sentry.project"], /sentry\.org and sentry\.project go together/);
      assert.match(issues({ ...SENTRY, org: "Acme Inc" })["nextjs-infra:sentry.org"], /a Sentry organization slug/);
      assert.match(issues({ ...SENTRY, url: "http://sentry.example.com/" })["nextjs-infra:sentry.url"], /plain http only on loopback/);
      assert.ok(settle({ ...SENTRY, url: "http://127.0.0.1:9000/" }));
    });
  });

  describe("against a stand-in Sentry", () => {
    let sentry: FakeSentry;
    beforeEach(async () => {
      sentry = await startFakeSentry({ token: TOKEN, org: "acme", projects: ["web"] });
    });
    afterEach(() => sentry.close());

    it("records each deploy: the release once, a deploy per environment; a wrong token warns and never fails the deploy", async () => {
      const target = { ...SENTRY, url: sentry.url, environment: "dev", release: `sha256:${"a".repeat(64)}` };
      assert.match(
        await recordRelease(target, { token: TOKEN, stack: "dev", appUrl: "https://dev.example.com" }),
        /release sha256:a{64} deployed to dev \(acme\/web\)/,
      );
      // The promotion of the same digest: the same release, deployed again elsewhere.
      assert.match(
        await recordRelease({ ...target, environment: "production" }, { token: TOKEN, stack: "prod", appUrl: "https://www.example.com" }),
        /deployed to production/,
      );
      assert.deepEqual(sentry.releases, [{ version: target.release, projects: ["web"] }]);
      assert.deepEqual(sentry.deploys, [
        { version: target.release, environment: "dev", name: "dev", url: "https://dev.example.com" },
        { version: target.release, environment: "production", name: "prod", url: "https://www.example.com" },
      ]);
      assert.match(
        await recordRelease(target, { token: "sntrys_stolen", stack: "dev" }),
        /^::warning::Sentry: the release was not recorded .*the deploy itself succeeded/,
      );
      assert.match(await recordRelease(target, { token: undefined, stack: "dev" }), /no SENTRY_AUTH_TOKEN in this environment, no release recorded/);
      assert.equal(sentry.deploys.length, 2);
    });

    it("uploads the build's source maps by debug ID, ships bundles that carry it, and deletes every map", async () => {
      const app = fs.mkdtempSync(path.join(os.tmpdir(), "next-build-"));
      try {
        // A build's shape: bundles with maps in .next/server and .next/static, the server's copied into .next/standalone.
        const bundle = (file: string, source: string) => {
          fs.mkdirSync(path.dirname(path.join(app, file)), { recursive: true });
          fs.writeFileSync(path.join(app, file), `${source}\n//# sourceMappingURL=${path.basename(file)}.map\n`);
          fs.writeFileSync(
            path.join(app, `${file}.map`),
            JSON.stringify({
              version: 3,
              file: path.basename(file),
              sources: ["src/app/page.tsx"],
              sourcesContent: ["export default function Page() { return 1 }"],
              names: [],
              mappings: "AAAA",
            }),
          );
        };
        bundle(".next/server/app/page.js", "module.exports=function(){return 1}");
        bundle(".next/static/chunks/main.js", "console.log(1)");
        fs.mkdirSync(path.join(app, ".next/standalone/.next/server/app"), { recursive: true });
        fs.copyFileSync(path.join(app, ".next/server/app/page.js"), path.join(app, ".next/standalone/.next/server/app/page.js"));
        fs.copyFileSync(path.join(app, ".next/server/app/page.js.map"), path.join(app, ".next/standalone/.next/server/app/page.js.map"));
        fs.writeFileSync(path.join(app, "token"), `${TOKEN}\n`);
        const run = (env: Record<string, string>) =>
          promisify(execFile)("node", [path.join(ROOT, "app", "scripts", "sourcemaps.mjs")], {
            cwd: app,
            env: { PATH: `${path.join(ROOT, "node_modules", ".bin")}${path.delimiter}${process.env.PATH ?? ""}`, HOME: app, ...env },
          });

        const out = await run({ SENTRY_AUTH_TOKEN_FILE: path.join(app, "token"), SENTRY_ORG: "acme", SENTRY_PROJECT: "web", SENTRY_URL: sentry.url });
        assert.match(out.stdout, /source maps: uploaded to Sentry, then 3 removed from the build/);
        assert.equal(sentry.bundles.length, 1);
        const uploaded = sentry.bundles[0].files.filter((f) => f.debugId);
        assert.deepEqual(uploaded.map((f) => f.path).sort(), ["~/app/page.js", "~/app/page.js.map", "~/chunks/main.js", "~/chunks/main.js.map"]);
        const shipped = fs.readFileSync(path.join(app, ".next/standalone/.next/server/app/page.js"), "utf8");
        const id = /debugId=([0-9a-f-]{36})/.exec(shipped)?.[1];
        assert.ok(id && uploaded.some((f) => f.debugId === id), "the bundle the image runs names a map Sentry has");
        const maps = (fs.readdirSync(path.join(app, ".next"), { recursive: true }) as string[]).filter((f) => f.endsWith(".map"));
        assert.deepEqual(maps, [], "no map left to copy into an image");
        assert.ok(!sentry.requests.some((r) => r.includes("releases")), "the build knows no release: maps are found by debug ID");

        // Without a token: nothing sent, the maps deleted all the same.
        bundle(".next/static/chunks/other.js", "console.log(2)");
        const before = sentry.requests.length;
        const quiet = await run({ SENTRY_ORG: "acme", SENTRY_PROJECT: "web", SENTRY_URL: sentry.url, SENTRY_AUTH_TOKEN_FILE: path.join(app, "no-such-token") });
        assert.match(quiet.stdout, /source maps: 1 removed from the build/);
        assert.match(quiet.stderr, /need SENTRY_ORG, SENTRY_PROJECT and a token; none uploaded/);
        assert.equal(sentry.requests.length, before);
      } finally {
        fs.rmSync(app, { recursive: true, force: true });
      }
    });

    it("is a stand-in that refuses what Sentry refuses", async () => {
      const post = (route: string, body: unknown, token = TOKEN) =>
        fetch(`${sentry.url}api/0/organizations/acme${route}`, {
          method: "POST",
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
          body: JSON.stringify(body),
        });
      assert.equal((await post("/releases/", { version: "a/b", projects: ["web"] })).status, 400, "no slash in a release name");
      assert.equal((await post("/releases/", { version: "x".repeat(201), projects: ["web"] })).status, 400);
      assert.equal((await post("/releases/", { version: "v1", projects: ["api"] })).status, 400, "a project the organization does not have");
      assert.equal((await post("/releases/", { version: "v1", projects: ["web"] }, "wrong")).status, 401);
      assert.equal((await post("/releases/v2/deploys/", { environment: "dev" })).status, 404, "a deploy of a release that does not exist");
      assert.equal(
        (await fetch(`${sentry.url}api/0/organizations/other/releases/`, { method: "POST", headers: { authorization: `Bearer ${TOKEN}` }, body: "{}" })).status,
        404,
      );
      assert.equal((await post("/releases/", { version: "v1", projects: ["web"] })).status, 201);
      assert.equal((await post("/releases/", { version: "v1", projects: ["web"] })).status, 208, "creating it again changes nothing");
      assert.equal((await post("/releases/v1/deploys/", { environment: "pre view" })).status, 400);
      const assemble = await (await post("/artifactbundle/assemble/", { checksum: "0".repeat(40), chunks: ["1".repeat(40)], projects: ["web"] })).json();
      assert.deepEqual(assemble, { state: "not_found", missingChunks: ["1".repeat(40)] });
    });
  });
});
