/**
 * The reference app for real: built, its standalone server started on the Dockerfile's
 * port against a real PostgreSQL on loopback, driven by headless Chromium, audited by
 * Lighthouse. Run by `npm run test:app` (needs Debian's postgresql and chromium).
 */
import { strict as assert } from "assert";
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { ROOT } from "../mocks";
import { APP_DEFAULTS } from "../../components/app-contract";
import { runMigrator, TestPostgres } from "./postgres";
import { guestBookText, signGuestBook, withPage } from "./browser";
import { ensureInstalled } from "./install";

const APP = path.join(ROOT, "app");
const CHROMIUM = process.env.CHROME_PATH ?? "/usr/bin/chromium";
const NEXTAUTH_SECRET = "e2e-nextauth-secret-4c9f0a7d1b2e";
const PORT = Number(/^ENV\s.*\bPORT=(\d+)/m.exec(fs.readFileSync(path.join(APP, "Dockerfile"), "utf8").replace(/\\\n/g, " "))?.[1]);

/** Lines Next.js itself prints at start-up (not ours, and not JSON). */
const NEXT_BANNER = /^(▲ Next\.js|- (Local|Network):|✓ (Ready|Starting|Running)|\s*$)/;

describe("the reference app, running", function () {
  this.timeout(240_000);
  const pg = new TestPostgres();
  let server: ChildProcess | undefined;
  let output = "";
  const base = `http://127.0.0.1:${PORT}`;

  before(async () => {
    assert.ok(PORT > 0, "the Dockerfile declares ENV PORT");
    ensureInstalled(APP, "next", "the app tier builds and runs the app");
    const build = spawnSync("npm", ["run", "build"], {
      cwd: APP,
      encoding: "utf8",
      // `prisma generate` only checks that a schema engine exists; it needs none to generate.
      env: { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: "/bin/false", NEXT_TELEMETRY_DISABLED: "1" },
    });
    assert.equal(build.status, 0, `app build failed:\n${build.stdout}\n${build.stderr}`);
    await pg.start();
    const migrated = await runMigrator(pg.url, ["deploy"]);
    assert.equal(migrated.status, 0, JSON.stringify(migrated.lines));
    server = spawn(process.execPath, ["server.js"], {
      cwd: path.join(APP, ".next", "standalone"),
      env: {
        PATH: process.env.PATH,
        NODE_ENV: "production",
        PORT: String(PORT),
        HOSTNAME: "127.0.0.1",
        LOG_LEVEL: "debug",
        DATABASE_URL: pg.url,
        DIRECT_URL: pg.url,
        NEXTAUTH_URL: base,
        NEXTAUTH_SECRET,
        SENTRY_ENVIRONMENT: "e2e",
      },
    });
    server.stdout?.on("data", (d: Buffer) => (output += d.toString()));
    server.stderr?.on("data", (d: Buffer) => (output += d.toString()));
    for (let i = 0; i < 100; i++) {
      try {
        if ((await fetch(`${base}/api/health`)).ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.fail(`the server did not answer on port ${PORT}:\n${output}`);
  });

  after(async () => {
    server?.kill("SIGTERM");
    await pg.stop();
    pg.remove();
  });

  it("answers liveness and readiness on the probe paths", async () => {
    const live = await fetch(`${base}/api/health?probe=liveness`);
    assert.equal(live.status, 200);
    assert.match(live.headers.get("x-request-id") ?? "", /^[0-9a-f-]{36}$/);
    const ready = await fetch(`${base}/api/health?probe=readiness`);
    assert.equal(ready.status, 200);
    assert.deepEqual(await ready.json(), { status: "ok", probe: "readiness" });
    const db = await fetch(`${base}/api/health/db`);
    assert.equal(db.status, 200);
    assert.equal(((await db.json()) as { database: string }).database, "up");
  });

  it("sets the security headers: a fresh CSP nonce on Next's own scripts, and HSTS only over TLS", async () => {
    const nonceOf = (csp: string) => /'nonce-([A-Za-z0-9+/=]+)'/.exec(csp)?.[1];
    const first = await fetch(base);
    const csp = first.headers.get("content-security-policy") ?? "";
    assert.match(csp, /frame-ancestors 'none'/);
    assert.match(csp, /script-src 'self' 'nonce-[^']+' 'strict-dynamic'/);
    assert.doesNotMatch(csp, /unsafe-eval/);
    const nonce = nonceOf(csp);
    assert.ok(nonce, csp);
    const html = await first.text();
    const scripts = [...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
    assert.ok(scripts.length > 0, "the page has scripts");
    for (const tag of scripts) assert.ok(tag.includes(`nonce="${nonce}"`), `a script without this response's nonce: ${tag}`);
    assert.notEqual(nonceOf((await fetch(base)).headers.get("content-security-policy") ?? ""), nonce, "a nonce is never reused");
    assert.equal(first.headers.get("x-content-type-options"), "nosniff");
    assert.equal(first.headers.get("referrer-policy"), "strict-origin-when-cross-origin");
    assert.equal(first.headers.get("x-frame-options"), "DENY");
    assert.match(first.headers.get("permissions-policy") ?? "", /camera=\(\)/);
    assert.equal(first.headers.get("strict-transport-security"), null, "no HSTS on plain HTTP");
    const viaTls = await fetch(base, { headers: { "x-forwarded-proto": "https" } });
    assert.match(viaTls.headers.get("strict-transport-security") ?? "", /max-age=\d{8,}/);
    assert.match(viaTls.headers.get("content-security-policy") ?? "", /upgrade-insecure-requests/);
    // Static files get the request-independent headers too.
    const asset = /src="(\/_next\/static\/[^"]+\.js)"/.exec(html)?.[1];
    assert.ok(asset, "a static script");
    assert.equal((await fetch(`${base}${asset}`)).headers.get("x-content-type-options"), "nosniff");
  });

  it("keeps a well-formed x-request-id and replaces one it cannot trust", async () => {
    const kept = await fetch(`${base}/api/health`, { headers: { "x-request-id": "lb-7f3a.91c2:0001" } });
    assert.equal(kept.headers.get("x-request-id"), "lb-7f3a.91c2:0001");
    for (const bad of ['"},"level":"fatal', "x".repeat(200), "<script>alert(1)</script>"]) {
      const replaced = await fetch(`${base}/api/health`, { headers: { "x-request-id": bad } });
      assert.match(replaced.headers.get("x-request-id") ?? "", /^[0-9a-f-]{36}$/, `kept ${JSON.stringify(bad)}`);
    }
  });

  it("refuses to start without DATABASE_URL: one JSON line naming it, exit code 1", () => {
    const started = spawnSync(process.execPath, ["server.js"], {
      cwd: path.join(APP, ".next", "standalone"),
      encoding: "utf8",
      timeout: 60_000,
      env: { PATH: process.env.PATH, NODE_ENV: "production", PORT: String(PORT + 1), HOSTNAME: "127.0.0.1", NEXTAUTH_SECRET },
    });
    assert.equal(started.status, 1, `exit ${started.status}:\n${started.stdout}\n${started.stderr}`);
    const lines = `${started.stdout}${started.stderr}`.split("\n").filter((l) => l.trim() && !NEXT_BANNER.test(l));
    const fatal = lines.map((l) => JSON.parse(l) as { level: string; missing?: string[] }).filter((l) => l.level === "fatal");
    assert.equal(fatal.length, 1, lines.join("\n"));
    assert.deepEqual(fatal[0].missing, ["DATABASE_URL"]);
  });

  it("renders its pages", async () => {
    const home = await fetch(base);
    assert.equal(home.status, 200);
    assert.match(await home.text(), /<h1>Acme<\/h1>/);
    assert.equal((await fetch(`${base}/guestbook`)).status, 200);
  });

  it("writes and reads the guest book through the page, in a real browser", async () => {
    const text = await withPage(async (page) => {
      await signGuestBook(page, base, "Ada", "Hello from a pull request");
      return guestBookText(page, base);
    });
    assert.match(text, /Ada: Hello from a pull request/);
    assert.equal(pg.sql(pg.database, `SELECT name || ':' || message FROM "Entry"`).trim(), "Ada:Hello from a pull request");
  });

  it("seeds idempotently with prisma/seed.sql, run as the Job runs it: a fresh database gets its rows once, however often the Job runs", async () => {
    const seeded = () => pg.sql(pg.database, `SELECT count(*) FROM "Entry" WHERE name = 'nextjs-infra'`).trim();
    assert.equal(seeded(), "0");
    assert.deepEqual(APP_DEFAULTS.seedCommand.slice(0, 2), ["node", "migrate.mjs"], "the default seed runs the migrator");
    const seedCommand = APP_DEFAULTS.seedCommand.slice(2);
    for (let i = 0; i < 2; i++) assert.equal((await runMigrator(pg.url, seedCommand)).status, 0);
    assert.equal(seeded(), "1");
    assert.match(
      pg.sql(pg.database, `SELECT name || ':' || message FROM "Entry" ORDER BY id`),
      /Ada:Hello from a pull request\nnextjs-infra:Welcome/,
      "beside what was there",
    );
  });

  it("scores at least 0.9 in Lighthouse for performance, accessibility and best practices", () => {
    const outDir = path.join(APP, ".lighthouseci");
    fs.rmSync(outDir, { recursive: true, force: true });
    const lh = spawnSync(process.execPath, [path.join(APP, "node_modules", "@lhci", "cli", "src", "cli.js"), "autorun"], {
      cwd: APP,
      encoding: "utf8",
      env: { ...process.env, PORT: String(PORT), LHCI_URL: `${base}/`, CHROME_PATH: CHROMIUM },
    });
    const reports = fs.existsSync(outDir) ? fs.readdirSync(outDir).filter((f) => /^lhr-.*\.json$/.test(f)) : [];
    assert.ok(reports.length > 0, `no Lighthouse report:\n${lh.stdout}\n${lh.stderr}`);
    const lhr = JSON.parse(fs.readFileSync(path.join(outDir, reports[0]), "utf8")) as { categories: Record<string, { score: number }> };
    const scores = Object.fromEntries(Object.entries(lhr.categories).map(([k, v]) => [k, v.score]));
    console.log(`      Lighthouse scores: ${JSON.stringify(scores)}`);
    for (const category of ["performance", "accessibility", "best-practices"]) assert.ok(scores[category] >= 0.9, `${category}: ${scores[category]}`);
    assert.equal(lh.status, 0, `lhci assertions failed:\n${lh.stdout}\n${lh.stderr}`);
  });

  it("logs JSON lines with level, time and request id, and no secret", async () => {
    await fetch(`${base}/api/health?probe=readiness`, { headers: { authorization: `Bearer ${NEXTAUTH_SECRET}`, cookie: `session=${NEXTAUTH_SECRET}` } });
    const ours = output.split("\n").filter((l) => !NEXT_BANNER.test(l));
    assert.ok(ours.length >= 2, `expected log lines, got:\n${output}`);
    const parsed = ours.map((l) => {
      try {
        return JSON.parse(l) as Record<string, unknown>;
      } catch {
        return assert.fail(`not a JSON line: ${l}`);
      }
    });
    for (const entry of parsed) {
      assert.equal(typeof entry.level, "string");
      assert.equal(typeof entry.time, "string");
    }
    assert.ok(
      parsed.some((e) => e.msg === "guest book signed" && typeof e.requestId === "string"),
      "request-scoped lines carry the request id",
    );
    for (const secret of [pg.password, NEXTAUTH_SECRET]) assert.ok(!output.includes(secret), "a secret reached the logs");
  });

  it("keeps readiness and liveness green when the database goes away, and reports it on /api/health/db", async () => {
    await pg.stop();
    assert.equal((await fetch(`${base}/api/health?probe=readiness`)).status, 200, "a database blip does not empty the Service");
    assert.equal((await fetch(`${base}/api/health?probe=liveness`)).status, 200);
    const db = await fetch(`${base}/api/health/db`);
    assert.equal(db.status, 503);
    assert.equal(((await db.json()) as { database: string }).database, "down");
    const lines = output.split("\n").filter((l) => l.includes("database unavailable"));
    assert.ok(lines.length > 0 && lines.every((l) => !l.includes(pg.password)), "the failure is logged without the connection string's password");
    // A page that fails: Next.js reports the error, and it arrives as JSON with its stack.
    const from = output.length;
    assert.equal((await fetch(`${base}/guestbook`)).status, 500);
    await new Promise((r) => setTimeout(r, 500));
    const after = output
      .slice(from)
      .split("\n")
      .filter((l) => l.trim());
    assert.ok(after.length > 0, "the failure is logged");
    const entries = after.map((l) => {
      try {
        return JSON.parse(l) as { level: string; err?: { stack?: string } };
      } catch {
        return assert.fail(`not a JSON line: ${l}`);
      }
    });
    assert.ok(
      entries.some((e) => e.level === "error" && e.err?.stack),
      JSON.stringify(entries),
    );
    assert.ok(!output.slice(from).includes(pg.password));
  });
});
