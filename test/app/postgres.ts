/**
 * A throwaway PostgreSQL server on loopback for the app tests: Debian's binaries, a data
 * directory in a temp dir, a random port; stopped and removed by `stop()`.
 */
import { execFileSync, spawn, spawnSync } from "child_process";
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { ensureInstalled } from "./install";

/** The reference app. */
const APP_DIR = path.join(__dirname, "..", "..", "app");

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

/** What one run of the app's migrator (app/migrator/migrate.mjs) did. */
export interface MigratorRun {
  status: number | null;
  /** Its JSON log lines, parsed. */
  lines: { level: string; msg: string; migration?: string; error?: string }[];
}

/** The migrator's directory, its dependencies installed. */
export function installMigrator(): string {
  const dir = path.join(APP_DIR, "migrator");
  ensureInstalled(dir, "@prisma/schema-engine-wasm", "the app tier runs the app's migrator");
  return dir;
}

/**
 * Runs the app's migrator, the program the migrator image runs: Prisma's schema engine
 * (WebAssembly) over the pg adapter. `migrations` points it at another migrations folder.
 */
export function runMigrator(url: string, args: string[], migrations?: string): Promise<MigratorRun> {
  const dir = installMigrator();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(dir, "migrate.mjs"), ...args], {
      cwd: APP_DIR,
      env: { PATH: process.env.PATH, DIRECT_URL: url, ...(migrations ? { PRISMA_MIGRATIONS: migrations } : {}) },
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    child.on("error", reject);
    child.on("close", (status) =>
      resolve({
        status,
        lines: out
          .split("\n")
          .filter(Boolean)
          .map((l) => JSON.parse(l) as MigratorRun["lines"][number]),
      }),
    );
  });
}
