/**
 * A throwaway PostgreSQL server on loopback for the app tests: Debian's binaries, a data
 * directory in a temp dir, a random port; stopped and removed by `stop()`.
 */
import { execFileSync, spawnSync } from "child_process";
import { createHash, randomBytes } from "crypto";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";

/** Where Debian installs the server binaries (newest version first). */
export function postgresBin(): string {
  const root = "/usr/lib/postgresql";
  const versions = fs.existsSync(root) ? fs.readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  const bin = versions.map((v) => path.join(root, v, "bin")).find((d) => fs.existsSync(path.join(d, "initdb")));
  if (!bin) throw new Error("PostgreSQL server binaries not found under /usr/lib/postgresql; install Debian's postgresql package (.ci/run does)");
  return bin;
}

/** A free TCP port on loopback. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** A running server with one database and an owner role that has a password. */
export class TestPostgres {
  readonly password = randomBytes(12).toString("hex");
  readonly role = "app";
  readonly database = "web";
  private readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), "pg-"));
  private readonly bin = postgresBin();
  private port = 0;

  /** `postgres` refuses to run as root: run its tools as the postgres user when we are root. */
  private run(tool: string, args: string[]): string {
    const cmd = path.join(this.bin, tool);
    const asRoot = process.getuid?.() === 0;
    const r = asRoot ? spawnSync("runuser", ["-u", "postgres", "--", cmd, ...args], { encoding: "utf8" }) : spawnSync(cmd, args, { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`${tool} failed: ${r.stderr || r.stdout}`);
    return r.stdout;
  }

  get url(): string {
    return `postgresql://${this.role}:${this.password}@127.0.0.1:${this.port}/${this.database}`;
  }

  async start(): Promise<void> {
    this.port = await freePort();
    if (process.getuid?.() === 0) execFileSync("chown", ["postgres", this.dir]);
    const data = path.join(this.dir, "data");
    this.run("initdb", ["-D", data, "-A", "trust", "-U", "postgres", "--no-sync"]);
    this.run("pg_ctl", [
      "-D",
      data,
      "-l",
      path.join(this.dir, "log"),
      "-w",
      "-o",
      `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off`,
      "start",
    ]);
    this.sql("postgres", `CREATE ROLE ${this.role} LOGIN PASSWORD '${this.password}'`);
    this.sql("postgres", `CREATE DATABASE ${this.database} OWNER ${this.role}`);
  }

  /** Runs SQL as the superuser over the socket; several statements run as one transaction. */
  sql(database: string, statements: string): string {
    return this.run("psql", ["-h", this.dir, "-p", String(this.port), "-U", "postgres", "-d", database, "-v", "ON_ERROR_STOP=1", "-qAt", "-c", statements]);
  }

  async stop(): Promise<void> {
    try {
      this.run("pg_ctl", ["-D", path.join(this.dir, "data"), "-m", "fast", "-w", "stop"]);
    } catch {
      // already stopped
    }
    return Promise.resolve();
  }

  remove(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * Applies the committed migrations the way `prisma migrate deploy` does: each folder in
 * order, once, recorded in `_prisma_migrations` with the checksum of its SQL. Used because
 * the Prisma schema engine cannot be downloaded on this machine (see the README); the
 * image runs the real `prisma migrate deploy`.
 */
export function applyMigrations(pg: TestPostgres, migrationsDir: string): string[] {
  pg.sql(
    pg.database,
    `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
      "id" VARCHAR(36) PRIMARY KEY, "checksum" VARCHAR(64) NOT NULL, "finished_at" TIMESTAMPTZ,
      "migration_name" VARCHAR(255) NOT NULL, "logs" TEXT, "rolled_back_at" TIMESTAMPTZ,
      "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(), "applied_steps_count" INTEGER NOT NULL DEFAULT 0);
     ALTER TABLE "_prisma_migrations" OWNER TO ${pg.role};`,
  );
  const applied = new Set(pg.sql(pg.database, `SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL`).split("\n").filter(Boolean));
  const ran: string[] = [];
  for (const name of fs
    .readdirSync(migrationsDir)
    .filter((d) => fs.statSync(path.join(migrationsDir, d)).isDirectory())
    .sort()) {
    if (applied.has(name)) continue;
    const sql = fs.readFileSync(path.join(migrationsDir, name, "migration.sql"), "utf8");
    const checksum = createHash("sha256").update(sql).digest("hex");
    // One psql -c call is one transaction: the migration and its record land together.
    pg.sql(
      pg.database,
      `SET ROLE ${pg.role}; ${sql}; INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, applied_steps_count) VALUES ('${randomBytes(16).toString("hex")}', '${checksum}', now(), '${name}', 1);`,
    );
    ran.push(name);
  }
  return ran;
}
