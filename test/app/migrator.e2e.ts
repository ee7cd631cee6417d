/**
 * The app's migrator (app/migrator/migrate.mjs), the program the migrator image and the
 * migration Job run, against a real PostgreSQL: Prisma's own schema engine (WebAssembly)
 * applying the committed migrations with Prisma's bookkeeping, a failed migration and its
 * recovery, two Jobs at once, and bad input.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ROOT } from "../mocks";
import { APP_DEFAULTS } from "../../components/app-contract";
import { installMigrator, runMigrator, TestPostgres } from "./postgres";

const MIGRATIONS = path.join(ROOT, "app", "prisma", "migrations");
const INIT = "20261126000000_init";

describe("the app's migrator: Prisma's schema engine on a real PostgreSQL", function () {
  this.timeout(120_000);
  const pg = new TestPostgres();
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "migrations-"));
  const records = () =>
    pg.sql(pg.database, `SELECT migration_name, finished_at IS NOT NULL, rolled_back_at IS NOT NULL, checksum FROM "_prisma_migrations" ORDER BY started_at`);
  /** The committed migrations plus `extra` (name → SQL), as another migrations folder. */
  const withMigrations = (extra: Record<string, string>): string => {
    const dir = fs.mkdtempSync(path.join(scratch, "m-"));
    fs.cpSync(MIGRATIONS, dir, { recursive: true });
    for (const [name, sql] of Object.entries(extra)) {
      fs.mkdirSync(path.join(dir, name));
      fs.writeFileSync(path.join(dir, name, "migration.sql"), sql);
    }
    return dir;
  };

  before(() => {
    installMigrator();
    return pg.start();
  });
  after(async () => {
    await pg.stop();
    pg.remove();
    fs.rmSync(scratch, { recursive: true, force: true });
  });

  it("is what the Job runs by default", () => {
    assert.deepEqual(APP_DEFAULTS.migrationCommand, ["node", "migrate.mjs", "deploy"]);
    const dockerfile = fs.readFileSync(path.join(ROOT, "app", "Dockerfile"), "utf8");
    assert.match(dockerfile, /^COPY migrator\/migrate\.mjs \.\/$/m, "the migrator image holds the same file");
    assert.match(dockerfile, new RegExp(`^CMD ${JSON.stringify(APP_DEFAULTS.migrationCommand).replace(/[[\]]/g, "\\$&").replace(/,/g, ", ")}$`, "m"));
  });

  it("type-checks against the engine's and the adapter's own type declarations", () => {
    const tsc = spawnSync(process.execPath, [path.join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", path.join(ROOT, "app", "migrator")], {
      encoding: "utf8",
    });
    assert.equal(tsc.status, 0, tsc.stdout + tsc.stderr);
  });

  it("applies the committed migrations once, in order, recorded as Prisma records them", async () => {
    const first = await runMigrator(pg.url, ["deploy"]);
    assert.equal(first.status, 0, JSON.stringify(first.lines));
    assert.deepEqual(
      first.lines.filter((l) => l.msg === "applied migration").map((l) => l.migration),
      [INIT],
    );
    const sum = createHash("sha256")
      .update(fs.readFileSync(path.join(MIGRATIONS, INIT, "migration.sql")))
      .digest("hex");
    assert.equal(records(), `${INIT}|t|f|${sum}\n`);
    assert.equal(pg.sql(pg.database, `SELECT tableowner FROM pg_tables WHERE tablename = 'Entry'`).trim(), pg.role, "made by the app's role");
    const second = await runMigrator(pg.url, ["deploy"]);
    assert.equal(second.status, 0);
    assert.ok(second.lines.some((l) => l.msg === "no pending migrations"));
    assert.equal(records(), `${INIT}|t|f|${sum}\n`, "nothing applied twice");
  });

  it("records a failed migration, refuses every later deploy, and applies it again once resolved", async () => {
    const broken = "99990101000000_add_column";
    const dir = withMigrations({ [broken]: `CREATE TABLE "Audit" ("id" INTEGER);\nALTER TABLE "NoSuchTable" ADD COLUMN "x" INTEGER;\n` });
    const failed = await runMigrator(pg.url, ["deploy"], dir);
    assert.equal(failed.status, 1);
    assert.match(failed.lines.at(-1)?.error ?? "", /NoSuchTable/);
    assert.doesNotMatch(failed.lines.at(-1)?.error ?? "", /\.rs:\d+/, "the engine's span trace is cut");
    assert.match(records(), new RegExp(`${broken}\\|f\\|f\\|`), "recorded as started, not finished");
    // PostgreSQL runs a Prisma migration outside a transaction: what ran before the error stays.
    assert.equal(pg.sql(pg.database, `SELECT count(*) FROM pg_tables WHERE tablename = 'Audit'`).trim(), "1");

    const refused = await runMigrator(pg.url, ["deploy"], dir);
    assert.equal(refused.status, 1);
    assert.match(refused.lines.at(-1)?.error ?? "", new RegExp(`failed migrations in the target database[\\s\\S]*${broken}`));

    // The operator undoes the partial change, fixes the cause, and marks the migration rolled back.
    pg.sql(pg.database, `DROP TABLE "Audit"; CREATE TABLE "NoSuchTable" ("id" INTEGER); ALTER TABLE "NoSuchTable" OWNER TO ${pg.role}`);
    assert.equal((await runMigrator(pg.url, ["resolve", "--rolled-back", broken], dir)).status, 0);
    const recovered = await runMigrator(pg.url, ["deploy"], dir);
    assert.equal(recovered.status, 0, JSON.stringify(recovered.lines));
    assert.match(records(), new RegExp(`${broken}\\|f\\|t\\|.*\\n${broken}\\|t\\|f\\|`), "the failed attempt stays, rolled back, beside the one that finished");
  });

  it("applies a migration once when two Jobs start at once: Prisma's advisory lock serialises them", async () => {
    const name = "99990102000000_add_index";
    const dir = withMigrations({ [name]: `CREATE INDEX "Entry_name_idx" ON "Entry"("name");\n` });
    const runs = await Promise.all([runMigrator(pg.url, ["deploy"], dir), runMigrator(pg.url, ["deploy"], dir)]);
    assert.deepEqual(
      runs.map((r) => r.status),
      [0, 0],
    );
    assert.equal(runs.flatMap((r) => r.lines).filter((l) => l.msg === "applied migration" && l.migration === name).length, 1);
    assert.equal(pg.sql(pg.database, `SELECT count(*) FROM "_prisma_migrations" WHERE migration_name = '${name}'`).trim(), "1");
  });

  it("refuses bad input before it connects: no connection string, an unknown command", async () => {
    const noUrl = await runMigrator("", ["deploy"]);
    assert.equal(noUrl.status, 1);
    assert.match(noUrl.lines[0].msg, /DIRECT_URL or DATABASE_URL/);
    const unknown = await runMigrator(pg.url, ["migrate", "dev"]);
    assert.equal(unknown.status, 2);
    assert.match(unknown.lines[0].msg, /usage: migrate\.mjs deploy/);
  });

  it("logs JSON lines only, Node's warnings included, and never the connection string", async () => {
    // Neon's URLs carry sslmode=require, on which pg warns; this server has no TLS, so the run fails, in JSON.
    const runs = [
      await runMigrator(pg.url, ["deploy"]),
      await runMigrator(`${pg.url}x`, ["deploy"]),
      await runMigrator(`${pg.url}?sslmode=require`, ["deploy"]),
    ];
    assert.equal(JSON.stringify(runs).includes(pg.password), false);
    assert.ok(
      runs[2].lines.some((l) => l.level === "warn" && /sslmode/i.test(l.msg)),
      JSON.stringify(runs[2].lines),
    );
  });
});
