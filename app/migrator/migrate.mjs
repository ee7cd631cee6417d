// @ts-check (app/migrator/tsconfig.json; the app tier runs it)
// The migration Job's program: Prisma's own schema engine, the WebAssembly build, connected
// through the pg driver adapter. It applies prisma/migrations exactly as `prisma migrate
// deploy` does (the same engine call, `_prisma_migrations` bookkeeping and advisory lock), and
// runs a SQL file as `prisma db execute --file` does. Unlike the CLI it downloads no native
// engine, so the image builds anywhere npm works and stays small.
//
//   node migrate.mjs deploy                      apply the unapplied migrations, in order
//   node migrate.mjs execute <file>              run a SQL script (the seed)
//   node migrate.mjs resolve --rolled-back <m>   after fixing a failed migration's cause by
//                                                hand, let the next deploy apply it again
//
// It connects with DIRECT_URL (Neon's pooler cannot hold the session's advisory lock), else
// DATABASE_URL, and logs one JSON line per event; a connection string is never printed.
import { readdirSync, readFileSync, existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { PrismaPg } from "@prisma/adapter-pg";
import { bindMigrationAwareSqlAdapterFactory } from "@prisma/driver-adapter-utils";
import * as bindings from "@prisma/schema-engine-wasm/schema_engine_bg";

const SCHEMA = process.env.PRISMA_SCHEMA ?? "prisma/schema.prisma";
const MIGRATIONS = process.env.PRISMA_MIGRATIONS ?? "prisma/migrations";

/** @param {"info" | "warn" | "error"} level @param {string} msg @param {Record<string, unknown>} [fields] */
function log(level, msg, fields = {}) {
  (level === "error" ? process.stderr : process.stdout).write(JSON.stringify({ level, msg, ...fields }) + "\n");
}

// Node's own warnings (pg's note on `sslmode=require`, for one) as JSON lines too, not free text.
process.removeAllListeners("warning");
process.on("warning", (w) => log("warn", w.message, { warning: w.name }));

/** The engine reports in tracing's JSON: keep its message and the migration it is about, at its level. @param {string} line */
function logEngineEvent(line) {
  try {
    const event = JSON.parse(line);
    const migration = event.span?.migration_name;
    log(event.level === "ERROR" ? "error" : "info", String(event.fields?.message ?? "schema engine event"), migration ? { migration } : {});
  } catch {
    log("info", line.trim());
  }
}

/** The package ships the engine as an ES module importing its .wasm, which Node does not load without a flag: instantiate it here. */
function loadEngine() {
  const require = createRequire(import.meta.url);
  const wasmPath = join(dirname(require.resolve("@prisma/schema-engine-wasm/schema_engine_bg")), "schema_engine_bg.wasm");
  const module = new WebAssembly.Module(readFileSync(wasmPath));
  const instance = new WebAssembly.Instance(module, { "./schema_engine_bg.js": /** @type {any} */ (bindings) });
  bindings.__wbg_set_wasm(instance.exports);
  /** @type {any} */ (instance.exports).__wbindgen_start();
  return bindings.SchemaEngine;
}

/** The committed migrations, read the way the CLI hands them to the engine. */
function migrationsList() {
  const baseDir = resolve(MIGRATIONS);
  const lockPath = join(baseDir, "migration_lock.toml");
  const dirs = readdirSync(baseDir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
  return {
    baseDir,
    lockfile: { path: "migration_lock.toml", content: existsSync(lockPath) ? readFileSync(lockPath, "utf8") : null },
    shadowDbInitScript: "",
    migrationDirectories: dirs.map((name) => {
      const file = join(baseDir, name, "migration.sql");
      return {
        path: name,
        migrationFile: {
          path: "migration.sql",
          content: existsSync(file)
            ? { tag: /** @type {const} */ ("ok"), value: readFileSync(file, "utf8") }
            : { tag: /** @type {const} */ ("error"), value: "missing" },
        },
      };
    }),
  };
}

async function main() {
  const [command, arg1, arg2] = process.argv.slice(2);
  const valid = command === "deploy" || (command === "execute" && arg1) || (command === "resolve" && arg1 === "--rolled-back" && arg2);
  if (!valid) {
    log("error", "usage: migrate.mjs deploy | migrate.mjs execute <file.sql> | migrate.mjs resolve --rolled-back <migration>");
    return 2;
  }
  const connectionString = process.env.DIRECT_URL || process.env.DATABASE_URL;
  if (!connectionString) {
    log("error", "DIRECT_URL or DATABASE_URL must hold the database's connection string");
    return 1;
  }
  const schemaPath = resolve(SCHEMA);
  const schema = { path: schemaPath, content: readFileSync(schemaPath, "utf8") };
  const SchemaEngine = loadEngine();
  const adapter = bindMigrationAwareSqlAdapterFactory(new PrismaPg({ connectionString }));
  const engine = await SchemaEngine.new({ datamodels: [[schema.path, schema.content]] }, logEngineEvent, adapter);
  try {
    if (command === "deploy") {
      const list = migrationsList();
      const { appliedMigrationNames } = await engine.applyMigrations({ migrationsList: list, filters: { externalTables: [], externalEnums: [] } });
      for (const migration of appliedMigrationNames) log("info", "applied migration", { migration });
      log("info", appliedMigrationNames.length ? "migrations applied" : "no pending migrations", { count: list.migrationDirectories.length });
    } else if (command === "execute") {
      await engine.dbExecute({ datasourceType: { tag: "schema", files: [schema], configDir: process.cwd() }, script: readFileSync(arg1, "utf8") });
      log("info", "script executed", { file: arg1 });
    } else {
      await engine.markMigrationRolledBack({ migrationName: arg2 });
      log("info", "migration marked rolled back: the next deploy applies it again", { migration: arg2 });
    }
    return 0;
  } finally {
    engine.free();
  }
}

main().then(
  (code) => process.exit(code),
  (/** @type {unknown} */ e) => {
    // The engine appends its Rust span trace ("   0: …"): the message before it is what to act on.
    const message = e instanceof Error ? e.message : String(e);
    log("error", "migration failed", { error: message.split(/\n\s+0: /)[0].trim() });
    process.exit(1);
  },
);
