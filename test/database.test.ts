import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { isSecretValue, RecordingMocks, secretOf, useMocks, valueOf } from "./mocks";

describe("AppDatabase", () => {
  let mocks: RecordingMocks;
  let mod: typeof import("../components/database");

  beforeEach(async () => {
    mocks = await useMocks("dev");
    mod = await import("../components/database");
  });

  const neon = {
    projectId: "cool-pond-12345678",
    branch: { name: "dev", adoptDefault: false, protected: false },
    compute: { minCu: 0.25, maxCu: 1, suspendTimeoutSeconds: 300 },
  };

  it("derives the pooler host Neon documents", () => {
    assert.equal(mod.poolerHost("ep-cool-a1b2.eu-central-1.aws.neon.tech"), "ep-cool-a1b2-pooler.eu-central-1.aws.neon.tech");
  });

  it("rounds a preview's expiry up to the UTC day: a same-day `up` changes nothing, and it never lives shorter than its TTL", () => {
    const morning = mod.previewExpiry(7, new Date("2026-11-26T01:00:00Z"));
    const evening = mod.previewExpiry(7, new Date("2026-11-26T23:59:00Z"));
    assert.equal(morning, "2026-12-04T00:00:00Z");
    assert.equal(evening, morning);
    assert.equal(mod.previewExpiry(7, new Date("2026-11-27T00:00:01Z")), "2026-12-05T00:00:00Z");
    assert.equal(mod.previewExpiry(7, new Date("2026-11-27T00:00:00Z")), "2026-12-04T00:00:00Z", "exactly midnight stays");
    // Every minute of a day, for every TTL Neon allows: at least ttl days, less than ttl + 1.
    for (let ttl = 1; ttl <= 29; ttl++) {
      for (let minute = 0; minute < 24 * 60; minute += 37) {
        const now = new Date(Date.UTC(2026, 10, 26) + minute * 60_000);
        const days = (Date.parse(mod.previewExpiry(ttl, now)) - now.getTime()) / 86_400_000;
        assert.ok(days >= ttl && days < ttl + 1, `ttl ${ttl} at ${now.toISOString()}: ${days} days`);
        assert.ok(days <= 30, "within Neon's 30-day limit");
      }
    }
  });

  it("builds secret connection strings from the role's secret password", async () => {
    const db = new mod.AppDatabase("db", { neon });
    assert.equal(await secretOf(db.databaseUrl), true);
    assert.equal(await secretOf(db.directUrl), true);
    assert.match(await valueOf(db.databaseUrl), /^postgresql:\/\/app:npg_R0lePassw0rd@ep-quiet-sun-a1b2c3d4-pooler\./);
    await mocks.settle();
    assert.deepEqual(
      mocks.registrations
        .filter((r) => r.type.startsWith("pulumi-nodejs:dynamic/neon:"))
        .map((r) => r.type.split(":").pop())
        .sort(),
      ["Branch", "Database", "Endpoint", "Role"],
    );
    assert.ok(
      typeof mocks.one("pulumi-nodejs:dynamic/neon:Branch").inputs.providerVersion === "string",
      "a provider version input lets code changes reach state",
    );
  });

  it("makes the connection strings depend on the database itself: what reads them waits until it exists", async () => {
    const db = new mod.AppDatabase("db", { neon });
    for (const url of [db.databaseUrl, db.directUrl]) {
      const deps = [...(await (url as unknown as { allResources(): Promise<Set<pulumi.Resource>> }).allResources())];
      const names = await Promise.all(deps.filter((r) => r instanceof pulumi.CustomResource).map((r) => valueOf(r.urn)));
      assert.ok(
        names.some((urn) => urn.endsWith("::db-database")),
        `depends on the database: ${names.join(", ")}`,
      );
    }
  });

  it("keeps everything that holds data when asked to retain (prod)", async () => {
    new mod.AppDatabase("db", { neon: { ...neon, branch: { name: "main", adoptDefault: true, protected: true } }, retain: true });
    await mocks.settle();
    for (const kind of ["Branch", "Database"]) {
      const r = mocks.one(`pulumi-nodejs:dynamic/neon:${kind}`);
      assert.deepEqual([r.options.protect, r.options.retainOnDelete], [true, true], kind);
    }
    assert.equal(mocks.one("pulumi-nodejs:dynamic/neon:Endpoint").options.retainOnDelete, true);
  });

  it("runs Postgres in the namespace with a generated, secret password", async () => {
    const db = new mod.AppDatabase("db", { local: { namespace: "web-local", appName: "web", image: `postgres@sha256:${"e".repeat(64)}` } });
    assert.equal(await secretOf(db.databaseUrl), true);
    assert.match(
      await valueOf(db.databaseUrl),
      /^postgresql:\/\/app:[A-Za-z0-9]+@postgres\.web-local\.svc\.cluster\.local:5432\/app$/,
      "letters and digits: safe in a URL",
    );
    await mocks.settle();
    const creds = mocks.registrations.find((r) => r.name === "db-postgres-credentials")!;
    assert.ok(isSecretValue(creds.raw.stringData));
    const policy = mocks.one("kubernetes:networking.k8s.io/v1:NetworkPolicy").inputs;
    assert.deepEqual(
      policy.spec.ingress,
      [{ from: [{ podSelector: { matchLabels: { "app.kubernetes.io/name": "web" } } }], ports: [{ protocol: "TCP", port: 5432 }] }],
      "only the app's pods reach Postgres",
    );
  });

  it("needs exactly one backend, and one way to find the Neon project", () => {
    assert.throws(() => new mod.AppDatabase("a", {}), /exactly one of `neon` and `local`/);
    assert.throws(() => new mod.AppDatabase("b", { neon: { ...neon, projectId: undefined } }), /exactly one of `projectId` and `manageProject`/);
  });
});
