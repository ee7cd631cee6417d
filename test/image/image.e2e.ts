/**
 * The image tier: the app's images built with a real Docker engine (test/image/docker.ts)
 * and run exactly as the cluster runs them — read-only root, the image's non-root user,
 * every capability dropped, no privilege escalation, only the Deployment's scratch
 * directories writable (all read from components/workload.ts, the Deployment's own source)
 * — against a throwaway PostgreSQL on loopback. The compose file is checked against the
 * same facts. Run by `npm run test:image` (needs Debian's docker.io and debootstrap).
 *
 * The migrator image is the shipped one: Prisma's schema engine (WebAssembly) and the
 * committed migrations, run by app/migrator/migrate.mjs.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { ROOT } from "../mocks";
import { TestPostgres } from "../app/postgres";
import { signGuestBook, withPage } from "../app/browser";
import { APP_CONTEXT, appBuildArgs, buildImage, buildImageAsync, docker, DOCKER, Docker, inspectImage, MIGRATOR_ARGS, startDocker } from "./docker";
import { execFileSync } from "child_process";
import { FakeSentry, startFakeSentry } from "../sentry/fake-sentry";
import { APP_DEFAULTS } from "../../components/app-contract";
import { APP_DIR, APP_UID, containerSecurityContext, podSecurityContext, scratchVolumes } from "../../components/workload";

const RUNNER = "nextjs-infra/web:image-tier";
const MIGRATOR = "nextjs-infra/web:migrator-image-tier";
const NEXTAUTH_SECRET = "image-tier-nextauth-secret-9d2c7e1f";
const SENTRY_TOKEN = "sntrys_image-tier-4f1e8a2b";
/** Lines Next.js itself prints at start-up before the logger is in place. */
const NEXT_BANNER = /^(▲ Next\.js|- (Local|Network):|✓ (Ready|Starting|Running)|\s*$)/;

/** The pod's security context and scratch mounts, as the components build them (plain values). */
const container = containerSecurityContext() as { readOnlyRootFilesystem: boolean; allowPrivilegeEscalation: boolean; capabilities: { drop: string[] } };
const pod = podSecurityContext() as { runAsUser: number; runAsGroup: number };
const scratchPaths = (withNextCache: boolean) => (scratchVolumes(withNextCache).mounts as { mountPath: string }[]).map((m) => m.mountPath);

/** `docker run` flags that reproduce the pod's security context and volumes. */
function asTheClusterRunsIt(withNextCache: boolean): string[] {
  const flags = ["--network", "host", "--user", `${pod.runAsUser}:${pod.runAsGroup}`];
  if (container.readOnlyRootFilesystem) flags.push("--read-only");
  for (const cap of container.capabilities.drop) flags.push("--cap-drop", cap);
  if (!container.allowPrivilegeEscalation) flags.push("--security-opt", "no-new-privileges");
  for (const p of scratchPaths(withNextCache)) flags.push("--tmpfs", `${p}:uid=${APP_UID},gid=${APP_UID}`);
  return flags;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("the image tier: the app's images built and run for real", function () {
  this.timeout(300_000);
  let engine: Docker;
  let host: string;
  let scratch: string;
  const pg = new TestPostgres();
  let sentry: FakeSentry;
  let port: number;
  const started: string[] = [];

  const run = (args: string[]) => docker(host, ["run", ...args]);
  const env = (vars: Record<string, string>) => Object.entries(vars).flatMap(([k, v]) => ["-e", `${k}=${v}`]);
  const logsOf = (name: string) => {
    // The app logs to stdout; `docker logs` writes it there and the container's stderr to stderr.
    return docker(host, ["logs", name]);
  };

  const ipForward = () => fs.readFileSync("/proc/sys/net/ipv4/ip_forward", "utf8").trim();
  const forwardingBefore = ipForward();

  before(async function () {
    this.timeout(1_800_000); // a cold build
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), "image-tier-"));
    engine = startDocker();
    host = engine.host;
    const common = appBuildArgs(host, scratch);
    // The runner is built as dev's build is: with the Sentry token as a BuildKit secret, uploading to a stand-in Sentry.
    sentry = await startFakeSentry({ token: SENTRY_TOKEN, org: "acme", projects: ["web"] });
    fs.writeFileSync(path.join(scratch, "sentry_auth_token"), SENTRY_TOKEN);
    const sentryArgs = [
      "--secret",
      `id=sentry_auth_token,src=${path.join(scratch, "sentry_auth_token")}`,
      ...["SENTRY_ORG=acme", "SENTRY_PROJECT=web", `SENTRY_URL=${sentry.url}`].flatMap((a) => ["--build-arg", a]),
    ];
    await buildImageAsync(host, RUNNER, APP_CONTEXT, [...common, ...sentryArgs]);
    buildImage(host, MIGRATOR, APP_CONTEXT, [...common, ...MIGRATOR_ARGS]);
    port = Number(
      inspectImage(host, RUNNER)
        .Config.Env.find((e) => e.startsWith("PORT="))
        ?.split("=")[1],
    );
    await pg.start();
  });

  after(async () => {
    for (const name of started) {
      try {
        docker(host, ["rm", "-f", name]);
      } catch {
        // already gone
      }
    }
    await pg.stop();
    pg.remove();
    await sentry?.close();
    engine?.stop();
    fs.rmSync(scratch, { recursive: true, force: true });
    assert.equal(ipForward(), forwardingBefore, "the Docker engine changed the machine's IP forwarding");
  });

  it("builds a runner that holds the standalone server only, owned by root, run as the app's user", () => {
    const image = inspectImage(host, RUNNER);
    assert.equal(image.Config.User, `${APP_UID}:${APP_UID}`);
    assert.deepEqual(image.Config.Cmd, ["node", "server.js"]);
    assert.match(image.Config.Healthcheck?.Test.join(" ") ?? "", /probe=readiness/);
    const probe = (script: string) => run(["--rm", ...asTheClusterRunsIt(true), "--entrypoint", "node", RUNNER, "-e", script]).trim();
    // No Prisma CLI and no build tooling in the runtime image.
    assert.equal(
      probe(
        "const fs=require('fs');console.log(['node_modules/prisma','node_modules/typescript','node_modules/@prisma/engines','node_modules/next/dist/compiled/webpack'].filter(p=>fs.existsSync(p)).join(','))",
      ),
      "",
    );
    // Its files are not writable by the user it runs as; its scratch directories are.
    assert.equal(
      probe(
        "const fs=require('fs');const w=p=>{try{fs.accessSync(p,fs.constants.W_OK);return 'w'}catch{return '-'}};console.log(['server.js','.next','/tmp','.next/cache'].map(w).join(''))",
      ),
      "--ww",
    );
  });

  it("uploads the build's source maps to Sentry, and ships neither a map nor the token", () => {
    const uploaded = new Set(
      sentry.bundles
        .flatMap((b) => b.files)
        .map((f) => f.debugId)
        .filter(Boolean),
    );
    assert.ok(uploaded.size > 10, `the build uploaded its maps by debug ID (${uploaded.size})`);
    const probe = (script: string) => run(["--rm", ...asTheClusterRunsIt(true), "--entrypoint", "node", RUNNER, "-e", script]).trim();
    assert.equal(
      probe("console.log(require('fs').readdirSync('.',{recursive:true}).filter(f=>f.endsWith('.map')).join(','))"),
      "",
      "no source map in the image",
    );
    const ids = probe(
      "const fs=require('fs');console.log(fs.readdirSync('.next',{recursive:true}).filter(f=>f.endsWith('.js')).map(f=>/debugId=([0-9a-f-]{36})/.exec(fs.readFileSync('.next/'+f,'utf8'))?.[1]).filter(Boolean).join(' '))",
    ).split(" ");
    assert.ok(ids.length > 10 && ids.every((id) => uploaded.has(id)), "every bundle the image runs names a map Sentry has");
    const saved = execFileSync(DOCKER, ["save", RUNNER], { env: { ...process.env, DOCKER_HOST: host }, maxBuffer: 2 * 1024 ** 3 });
    assert.equal(saved.indexOf(SENTRY_TOKEN), -1, "the token is in no layer of the image");
  });

  it("migrates and seeds a fresh database with the migrator image, run as the Job runs it", () => {
    const migrate = (command: readonly string[] = []) =>
      run(["--rm", ...asTheClusterRunsIt(false), ...env({ DATABASE_URL: pg.url, DIRECT_URL: pg.url }), MIGRATOR, ...command]);
    assert.match(migrate(), /"msg":"applied migration","migration":"20261126000000_init"/);
    assert.equal(pg.sql(pg.database, `SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL`).trim(), "20261126000000_init");
    // A second run is a no-op: each migration applies once.
    assert.doesNotMatch(migrate(APP_DEFAULTS.migrationCommand), /applied migration/);
    migrate(APP_DEFAULTS.seedCommand);
    assert.equal(pg.sql(pg.database, `SELECT count(*) FROM "Entry" WHERE name = 'nextjs-infra'`).trim(), "1");
  });

  it("refuses to start without DATABASE_URL: exit 1 and one JSON line naming it", () => {
    started.push("web-no-db");
    assert.throws(() => run(["--name", "web-no-db", ...asTheClusterRunsIt(true), ...env({ NEXTAUTH_SECRET }), RUNNER]));
    const state = JSON.parse(docker(host, ["inspect", "--format", "{{json .State}}", "web-no-db"])) as { ExitCode: number };
    assert.equal(state.ExitCode, 1);
    const lines = logsOf("web-no-db")
      .split("\n")
      .filter((l) => l.trim() && !NEXT_BANNER.test(l));
    const fatal = lines.map((l) => JSON.parse(l) as { level: string; missing?: string[] }).filter((l) => l.level === "fatal");
    assert.deepEqual(
      fatal.map((f) => f.missing),
      [["DATABASE_URL"]],
    );
  });

  describe("the app container, on the image's own port", () => {
    const NAME = "web-image-tier";
    let base: string;

    before(async () => {
      base = `http://127.0.0.1:${port}`;
      started.push(NAME);
      run([
        "-d",
        "--name",
        NAME,
        ...asTheClusterRunsIt(true),
        ...env({ DATABASE_URL: pg.url, DIRECT_URL: pg.url, NEXTAUTH_URL: base, NEXTAUTH_SECRET, LOG_LEVEL: "debug", SENTRY_ENVIRONMENT: "image-tier" }),
        RUNNER,
      ]);
      for (let i = 0; i < 150; i++) {
        try {
          if ((await fetch(`${base}/api/health`)).ok) return;
        } catch {
          // not listening yet
        }
        await sleep(200);
      }
      assert.fail(`the container did not answer on ${base}:\n${logsOf(NAME)}`);
    });

    it("answers its probes and reaches the database", async () => {
      for (const probe of ["liveness", "readiness"]) assert.equal((await fetch(`${base}/api/health?probe=${probe}`)).status, 200, probe);
      const db = await fetch(`${base}/api/health/db`);
      assert.equal(((await db.json()) as { database: string }).database, "up");
    });

    it("writes a guest book row through the page", async () => {
      await withPage((page) => signGuestBook(page, base, "Linus", "From a read-only container"));
      assert.equal(pg.sql(pg.database, `SELECT name || ':' || message FROM "Entry" WHERE name = 'Linus'`).trim(), "Linus:From a read-only container");
    });

    it("logs only JSON lines, without secrets", () => {
      const lines = logsOf(NAME)
        .split("\n")
        .filter((l) => l.trim() && !NEXT_BANNER.test(l));
      assert.ok(lines.length >= 2, lines.join("\n"));
      for (const l of lines) {
        const entry = JSON.parse(l) as { level?: unknown; time?: unknown };
        assert.equal(typeof entry.level, "string", l);
        assert.equal(typeof entry.time, "string", l);
      }
      for (const secret of [pg.password, NEXTAUTH_SECRET]) assert.ok(!lines.join("\n").includes(secret));
    });

    it("turns healthy by its HEALTHCHECK", async () => {
      let status = "";
      for (let i = 0; i < 90 && status !== "healthy"; i++) {
        status = docker(host, ["inspect", "--format", "{{.State.Health.Status}}", NAME]).trim();
        if (status !== "healthy") await sleep(1000);
      }
      assert.equal(status, "healthy");
    });

    it("stops cleanly on SIGTERM, well within the pod's grace period", () => {
      const start = Date.now();
      docker(host, ["stop", "--time", "30", NAME]);
      const seconds = (Date.now() - start) / 1000;
      const state = JSON.parse(docker(host, ["inspect", "--format", "{{json .State}}", NAME])) as { ExitCode: number; OOMKilled: boolean };
      // Next.js handles SIGTERM, closes the server, and exits 143 (128 + SIGTERM) on purpose;
      // 137 would mean it ignored the signal and was killed at the deadline.
      assert.equal(state.ExitCode, 143, `exit code ${state.ExitCode}`);
      assert.equal(state.OOMKilled, false);
      assert.ok(seconds < 25, `took ${seconds} s to stop`);
    });
  });

  it("compose runs both containers as the cluster does", () => {
    type Service = { read_only?: boolean; tmpfs?: string[]; cap_drop?: string[]; security_opt?: string[]; user?: string; build?: { target?: string } };
    const compose = yaml.load(fs.readFileSync(path.join(ROOT, "docker-compose.yml"), "utf8")) as { services: Record<string, Service> };
    for (const [name, withCache] of [
      ["app", true],
      ["migrate", false],
    ] as const) {
      const s = compose.services[name];
      assert.equal(s.read_only, container.readOnlyRootFilesystem, `${name}: read_only`);
      assert.deepEqual([...(s.tmpfs ?? [])].sort(), scratchPaths(withCache).sort(), `${name}: tmpfs`);
      assert.deepEqual(s.cap_drop, container.capabilities.drop, `${name}: cap_drop`);
      assert.ok(s.security_opt?.includes("no-new-privileges:true"), `${name}: no-new-privileges`);
      // The user comes from the image (USER), the same the pod's security context names.
      assert.equal(s.user, undefined, `${name}: the image's user`);
    }
    assert.equal(compose.services.migrate.build?.target, "migrator");
    assert.equal(inspectImage(host, MIGRATOR).Config.User, `${APP_UID}:${APP_UID}`);
    assert.ok(scratchPaths(true).includes(`${APP_DIR}/.next/cache`));
  });
});
