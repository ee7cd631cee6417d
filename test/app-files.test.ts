/**
 * Static checks of the reference app's Dockerfile, compose file and port: what can be
 * verified without a Docker engine (the image itself is built by CI with network).
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { ROOT } from "./mocks";
import { resolveSettings } from "../stacks";
import { APP_DEFAULTS } from "../components/app-contract";

const dockerfile = fs.readFileSync(path.join(ROOT, "app", "Dockerfile"), "utf8");
/** Instructions with continuation lines joined, comments dropped. */
const instructions = dockerfile
  .replace(/\\\n/g, " ")
  .split("\n")
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith("#"));
const stages = instructions.reduce<string[][]>((acc, line) => {
  if (/^FROM\s/i.test(line)) acc.push([line]);
  else if (acc.length) acc[acc.length - 1].push(line);
  return acc;
}, []);
const runtime = stages[stages.length - 1];

type ComposeService = {
  image?: string;
  build?: unknown;
  healthcheck?: unknown;
  depends_on?: Record<string, { condition: string }>;
  env_file?: string;
  volumes?: string[];
  read_only?: boolean;
  ports?: string[];
  command?: string[];
};
const compose = yaml.load(fs.readFileSync(path.join(ROOT, "docker-compose.yml"), "utf8")) as {
  services: Record<string, ComposeService>;
  volumes: Record<string, unknown>;
};

/** The port the Dockerfile declares: the one source. */
function dockerfilePort(): number {
  const m = /^ENV\s.*\bPORT=(\d+)/m.exec(instructions.join("\n"));
  assert.ok(m, "the Dockerfile sets ENV PORT");
  return Number(m[1]);
}

describe("app image and compose (static checks)", () => {
  it("is multi-stage: dependencies, build, a migrator and a small runtime", () => {
    const names = stages.map((s) => /\sAS\s+(\S+)/i.exec(s[0])?.[1]);
    assert.deepEqual(names, ["base", "deps", "build", "migrator-deps", "migrator", "runner"]);
    assert.match(stages[1].join("\n"), /COPY package\.json package-lock\.json/, "dependencies come from the lockfile, in their own layer");
    assert.match(
      instructions.join("\n"),
      /RUN --mount=type=cache,target=\/root\/\.npm --mount=type=secret,id=npm_ca\s+NODE_EXTRA_CA_CERTS=\/run\/secrets\/npm_ca npm ci/,
      "BuildKit cache mount for npm, and the build machine's CA as a secret (never a layer)",
    );
    assert.ok(!/^#\s*syntax=/m.test(dockerfile), "no syntax line: BuildKit's built-in frontend reads it, nothing is pulled");
  });

  it("pins its base image by digest", () => {
    assert.match(dockerfile, /ARG NODE_IMAGE=node:24-[\w.-]+@sha256:[a-f0-9]{64}/);
  });

  it("copies only the standalone server and its assets into the app image, dependencies first", () => {
    const copies = runtime.filter((l) => /^COPY\s/i.test(l)).map((l) => l.replace(/^COPY\s+(--from=\S+\s+)?/, ""));
    assert.deepEqual(copies, [
      "/app/.next/standalone/node_modules ./node_modules",
      "/app/.next/standalone/package.json /app/.next/standalone/server.js ./",
      "/app/.next/standalone/.next ./.next",
      "/app/public ./public",
    ]);
    assert.ok(!runtime.join("\n").includes("prisma"), "no migration tooling in the app image");
  });

  it("builds the migrator as its own image: Prisma's schema engine from its own lockfile, then the program, then the migrations", () => {
    const deps = stages.find((s) => /\sAS\s+migrator-deps$/i.test(s[0]))!;
    assert.ok(deps.includes("COPY migrator/package.json migrator/package-lock.json ./"));
    assert.ok(deps.some((l) => /npm ci --omit=dev/.test(l)));
    const migrator = stages.find((s) => /\sAS\s+migrator$/i.test(s[0]))!;
    const at = (re: RegExp) => migrator.findIndex((l) => re.test(l));
    assert.ok(at(/^COPY --from=migrator-deps \/app\/node_modules/) > 0);
    assert.ok(at(/^COPY migrator\/migrate\.mjs/) > at(/^COPY --from=migrator-deps/));
    assert.ok(at(/^COPY prisma /) > at(/^COPY migrator\/migrate\.mjs/), "the migrations, which change most, come last");
    assert.equal(at(/prisma@|apt-get/), -1, "no CLI, no native engine, no system packages");
    assert.ok(migrator.includes(`CMD ${JSON.stringify(APP_DEFAULTS.migrationCommand).replace(/,/g, ", ")}`), "the program's default command");
    assert.ok(migrator.includes("USER 1001:1001"));
    const build = stages.find((s) => /\sAS\s+build$/i.test(s[0]))!.join("\n");
    assert.match(build, /PRISMA_SCHEMA_ENGINE_BINARY=\/bin\/true npm run build/, "prisma generate fetches no engine");
    assert.match(fs.readFileSync(path.join(ROOT, "app", ".dockerignore"), "utf8"), /^migrator\/node_modules$/m);
  });

  it("keeps the migrator's Prisma in step with the app's: the same adapter, the schema engine of the same engines release", () => {
    const lock = (dir: string) =>
      (JSON.parse(fs.readFileSync(path.join(ROOT, "app", dir, "package-lock.json"), "utf8")) as { packages: Record<string, { version: string }> }).packages;
    const app = lock(".");
    const migrator = lock("migrator");
    assert.equal(migrator["node_modules/@prisma/adapter-pg"].version, app["node_modules/@prisma/adapter-pg"].version);
    assert.equal(migrator["node_modules/@prisma/driver-adapter-utils"].version, app["node_modules/@prisma/driver-adapter-utils"].version);
    // Engines versions read "<release>-<build>.<commit>": the wasm engine must come from the app's engines release.
    const release = (v: string) => v.split("-")[0];
    assert.equal(release(migrator["node_modules/@prisma/schema-engine-wasm"].version), release(app["node_modules/@prisma/engines-version"].version));
    const declared = (JSON.parse(fs.readFileSync(path.join(ROOT, "app", "migrator", "package.json"), "utf8")) as { dependencies: Record<string, string> })
      .dependencies;
    for (const [name, range] of Object.entries(declared)) assert.match(range, /^\d+\.\d+\.\d+(-[\w.]+)?$/, `${name} is pinned exactly`);
  });

  it("runs as a non-root user, with a healthcheck and declared writable dirs", () => {
    const user = runtime.filter((l) => /^USER\s/i.test(l));
    assert.deepEqual(user, ["USER 1001:1001"], "numeric non-root user, so runAsNonRoot can verify it");
    assert.ok(runtime.some((l) => /^HEALTHCHECK\s/.test(l) && /api\/health/.test(l)));
    assert.ok(runtime.includes('VOLUME ["/tmp", "/app/.next/cache"]'));
    assert.ok(runtime.includes('CMD ["node", "server.js"]'));
  });

  it("keeps secrets out of ARG and ENV", () => {
    const declared = instructions
      .filter((l) => /^(ARG|ENV)\s/.test(l))
      .flatMap((l) =>
        l
          .replace(/^(ARG|ENV)\s+/, "")
          .split(/\s+/)
          .map((kv) => kv.split("=")[0]),
      );
    assert.deepEqual(
      declared.filter((n) => /SECRET|TOKEN|PASSWORD|API_?KEY|DATABASE_URL|DSN/i.test(n)),
      [],
    );
  });

  it("sets PORT and HOSTNAME once, and exposes the same port", () => {
    assert.equal(instructions.filter((l) => /\bPORT=/.test(l)).length, 1);
    assert.equal(instructions.filter((l) => /\bHOSTNAME=/.test(l)).length, 1);
    assert.ok(runtime.includes("EXPOSE ${PORT}"));
  });

  it("uses one port everywhere: Dockerfile, program default, compose, .env.example, Lighthouse", () => {
    const port = dockerfilePort();
    const s = resolveSettings({ project: "nextjs-infra", stack: "local", config: {}, secretKeys: new Set(), env: {} });
    assert.ok(s.role === "app");
    assert.equal(s.app.port, port, "the Kubernetes ConfigMap and probes use the program's default");
    assert.match(fs.readFileSync(path.join(ROOT, ".env.example"), "utf8"), new RegExp(`^PORT=${port}$`, "m"));
    assert.deepEqual(compose.services.app.ports, ["${PORT:?set PORT in .env}:${PORT}"]);
    assert.match(fs.readFileSync(path.join(ROOT, "app", "lighthouserc.cjs"), "utf8"), /process\.env\.PORT/);
    for (const f of ["app/lighthouserc.cjs", "docker-compose.yml", ".github/workflows/ci.yml"]) {
      assert.ok(!/\b300[0-9]\b/.test(fs.readFileSync(path.join(ROOT, f), "utf8")), `${f} has no literal port`);
    }
  });

  it("ignores what must not reach the build context", () => {
    const ignore = fs.readFileSync(path.join(ROOT, "app", ".dockerignore"), "utf8").split("\n");
    for (const p of ["node_modules", ".next", ".env", ".git"]) assert.ok(ignore.includes(p), p);
  });

  it("compose: Postgres with a named volume and healthcheck, migrations before the app", () => {
    const { postgres, migrate, app } = compose.services;
    assert.match(postgres.image ?? "", /^postgres:[\w.-]+@sha256:[a-f0-9]{64}$/);
    assert.deepEqual(postgres.volumes, ["postgres-data:/var/lib/postgresql/data"]);
    assert.ok("postgres-data" in compose.volumes);
    assert.ok(postgres.healthcheck && app.healthcheck);
    assert.deepEqual(migrate.build, { context: "app", target: "migrator" }, "the migrator image");
    assert.deepEqual(migrate.depends_on, { postgres: { condition: "service_healthy" } });
    assert.deepEqual(app.depends_on, { migrate: { condition: "service_completed_successfully" } });
    for (const s of [migrate, app]) {
      assert.equal(s.env_file, ".env");
      assert.equal(s.read_only, true);
    }
  });

  it("commits .env.example and ignores .env", () => {
    assert.ok(fs.existsSync(path.join(ROOT, ".env.example")));
    assert.ok(fs.readFileSync(path.join(ROOT, ".gitignore"), "utf8").split("\n").includes(".env"));
  });
});
