/**
 * Contract tests: the Neon dynamic providers' methods against the spec-checked fake
 * Neon API on loopback.
 */
import { strict as assert } from "assert";
import { randomUUID } from "crypto";
import * as pulumi from "@pulumi/pulumi";
import { FakeNeon } from "./fake-neon";
import {
  BranchProvider,
  DatabaseProvider,
  EndpointProvider,
  NEON_PROVIDER_VERSION,
  NeonProviderBase,
  ProjectProvider,
  RetryPolicy,
  RoleProvider,
} from "../../components/neon";

/** Calls a provider's create and insists on outputs. */
async function create<I, O>(p: { create(inputs: I): Promise<pulumi.dynamic.CreateResult<O>> }, inputs: I): Promise<{ id: string; outs: O }> {
  const result = await p.create(inputs);
  assert.ok(result.outs, "create returns outputs");
  return { id: result.id, outs: result.outs };
}

const FAST: RetryPolicy = { attempts: 3, busyBudgetMs: 2_000, baseDelayMs: 1, maxDelayMs: 5, pollIntervalMs: 1, operationTimeoutMs: 5_000 };
const v = NEON_PROVIDER_VERSION;

describe("Neon providers against the fake Neon API", function () {
  let fake: FakeNeon;
  let url: string;

  async function provider<T extends NeonProviderBase>(p: T, key?: string): Promise<T> {
    p.retry = FAST;
    const values: Record<string, string> = { neonApiKey: key ?? fake.apiKey, neonApiUrl: url };
    await p.configure({ config: { get: (k: string) => values[k] } });
    return p;
  }
  const polls = () => fake.log.filter((l) => l.operationId === "getProjectOperation").length;

  beforeEach(async () => {
    fake = new FakeNeon();
    url = await fake.start();
  });
  afterEach(async () => {
    await fake.stop();
    assert.deepEqual(fake.violations, [], "requests and responses follow the Neon OpenAPI spec");
  });

  describe("Branch", () => {
    it("creates, reads, updates and deletes, waiting for each operation", async () => {
      const { projectId, branchId: main } = fake.seedProject();
      const p = await provider(new BranchProvider());
      const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
      const created = await create(p, { projectId, name: "preview/pr-42", parentId: main, protected: false, expiresAt, providerVersion: v });
      assert.ok(polls() >= 2, "the create operation took several polls");
      assert.equal(fake.operations.get([...fake.operations.keys()].pop()!)?.status, "finished");
      assert.equal(created.outs.name, "preview/pr-42");
      const noExpiry = await create(p, { projectId, name: "dev", protected: false, providerVersion: v });
      assert.ok(!Object.values(noExpiry.outs).includes(undefined), "no undefined outputs: the engine cannot encode them");
      assert.equal(created.outs.actualParentId, main);
      assert.equal(fake.branches.get(created.id)?.expires_at, expiresAt.replace(/\.\d{3}Z$/, "Z"), "Neon keeps expiries to the second");
      assert.equal(created.outs.expiresAt, expiresAt.replace(/\.\d{3}Z$/, "Z"));

      const read = await p.read(created.id, created.outs);
      assert.deepEqual(read.props, created.outs);

      const updated = await p.update(created.id, created.outs, { ...created.outs, name: "preview/pr-42-renamed", expiresAt: undefined });
      assert.equal(updated.outs?.name, "preview/pr-42-renamed");
      assert.equal(fake.branches.get(created.id)?.expires_at, undefined, "a dropped expiry is cleared in Neon");

      await p.delete(created.id, updated.outs);
      assert.equal(fake.branches.has(created.id), false);
      await p.delete(created.id, updated.outs); // already gone: still fine
    });

    it("adopts the default branch, protects it, and never deletes it", async () => {
      const { projectId, branchId } = fake.seedProject();
      const p = await provider(new BranchProvider());
      const created = await create(p, { projectId, name: "main", adoptDefault: true, protected: true, providerVersion: v });
      assert.equal(created.id, branchId);
      assert.equal(created.outs.adopted, true);
      assert.equal(fake.branches.get(branchId)?.protected, true);
      await p.delete(created.id, created.outs);
      assert.ok(fake.branches.has(branchId));
    });

    it("sees a change made behind Pulumi's back, and reports a deleted branch as gone", async () => {
      const { projectId } = fake.seedProject();
      const p = await provider(new BranchProvider());
      const created = await create(p, { projectId, name: "dev", protected: true, providerVersion: v });
      fake.branches.get(created.id)!.protected = false;
      assert.equal((await p.read(created.id, created.outs)).props?.protected, false);
      fake.branches.delete(created.id);
      assert.deepEqual(await p.read(created.id, created.outs), {});
    });

    it("retries a 429 and then succeeds", async () => {
      const { projectId } = fake.seedProject();
      fake.fail("createProjectBranch", 429);
      const p = await provider(new BranchProvider());
      const created = await create(p, { projectId, name: "dev", protected: false, providerVersion: v });
      assert.ok(fake.branches.has(created.id));
      assert.deepEqual(
        fake.log.filter((l) => l.operationId === "createProjectBranch").map((l) => l.status),
        [429, 201],
      );
    });

    it("gives up after repeated 500s with a message that says so", async () => {
      const { projectId, branchId } = fake.seedProject();
      fake.fail("getProjectBranch", 500, 500, 500);
      const p = await provider(new BranchProvider());
      await assert.rejects(
        p.read(branchId, { projectId, name: "main", protected: false, providerVersion: v, branchId, adopted: true }),
        /Neon kept failing \(500\) while reading branch .* gave up after 3 attempts/,
      );
      assert.equal(fake.log.filter((l) => l.operationId === "getProjectBranch").length, 3);
    });

    it("says which credential is wrong on 401, without retrying", async () => {
      const { projectId } = fake.seedProject();
      const p = await provider(new BranchProvider(), "wrong-key");
      await assert.rejects(
        create(p, { projectId, name: "dev", protected: false, providerVersion: v }),
        /Neon rejected the API key \(401\) while listing branches of proj-[0-9a-z]+: check nextjs-infra:neonApiKey or NEON_API_KEY/,
      );
      assert.equal(fake.log.length, 1);
    });

    it("fails an operation that Neon reports failed", async () => {
      const { projectId } = fake.seedProject();
      const p = await provider(new BranchProvider());
      const original = fake.createProjectBranch.bind(fake);
      fake.createProjectBranch = (params, body) => {
        const [status, out] = original(params, body);
        const op = fake.operations.get(out.operations[0].id)!;
        op.status = "failed";
        op.error = "storage quota exceeded";
        return [status, out];
      };
      await assert.rejects(create(p, { projectId, name: "dev", protected: false, providerVersion: v }), /ended failed: storage quota exceeded/);
    });

    it("waits through an operation Neon reports in error (Neon retries those), and fails only on failed or cancelled", async () => {
      const { projectId } = fake.seedProject();
      const p = await provider(new BranchProvider());
      const original = fake.createProjectBranch.bind(fake);
      const next: { status?: string } = {};
      fake.createProjectBranch = (params, body) => {
        const [status, out] = original(params, body);
        const op = fake.operations.get(out.operations[0].id)!;
        op.status = next.status ?? "error";
        return [status, out];
      };
      const made = await create(p, { projectId, name: "dev", protected: false, providerVersion: v });
      assert.ok(made.id);
      assert.ok(
        [...fake.operations.values()].some((o) => Number(o.failures_count) > 0),
        "the operation was retried by Neon, and awaited",
      );
      next.status = "cancelled";
      await assert.rejects(create(p, { projectId, name: "qa", protected: false, providerVersion: v }), /ended cancelled/);
    });

    it("checks inputs before anything is sent", async () => {
      const p = new BranchProvider();
      const { failures } = await p.check({} as never, { projectId: "", name: "x", protected: false, expiresAt: "2001-01-01T00:00:00Z", providerVersion: v });
      assert.deepEqual(
        failures?.map((f) => f.property),
        ["projectId", "expiresAt"],
      );
      const adopt = await p.check({} as never, { projectId: "p", name: "main", adoptDefault: true, parentId: "br-1", protected: true, providerVersion: v });
      assert.deepEqual(
        adopt.failures?.map((f) => f.property),
        ["parentId"],
      );
    });

    it("replaces on a new parent, updates in place on a rename or expiry", async () => {
      const p = new BranchProvider();
      const olds = { projectId: "p", name: "a", parentId: "br-1", protected: false, providerVersion: v, branchId: "b", adopted: false };
      assert.deepEqual(
        await p.diff("b", olds, { ...olds, parentId: "br-2" }),
        { changes: true, replaces: ["parentId"], deleteBeforeReplace: true },
        "names are unique: the old branch goes first",
      );
      assert.deepEqual(await p.diff("b", olds, { ...olds, name: "b", expiresAt: "2030-01-01T00:00:00Z" }), { changes: true, replaces: [] });
      assert.deepEqual(await p.diff("b", olds, { ...olds }), { changes: false, replaces: [] });
      assert.deepEqual(await p.diff("b", olds, { ...olds, providerVersion: "0" }), { changes: true, replaces: [] }, "new provider code runs through update");
    });

    it("never replaces on a value a preview does not know yet", async () => {
      const { UNKNOWN } = await import("../../components/neon/checks");
      const endpoint = new EndpointProvider();
      const olds = {
        projectId: "p",
        branchId: "br-1",
        minCu: 0.25,
        maxCu: 1,
        suspendTimeoutSeconds: 300,
        providerVersion: v,
        endpointId: "ep-1",
        host: "h",
        adopted: false,
      };
      assert.deepEqual(
        await endpoint.diff("ep-1", olds, { ...olds, branchId: UNKNOWN }),
        { changes: true, replaces: [] },
        "shown as a possible update, not a replacement",
      );
      assert.deepEqual(
        await endpoint.diff("ep-1", olds, { ...olds, branchId: "br-2" }),
        { changes: true, replaces: ["branchId"] },
        "a known change still replaces",
      );
    });
  });

  describe("Endpoint", () => {
    it("creates on a new branch, updates, deletes", async () => {
      const { projectId } = fake.seedProject();
      const branch = await create(await provider(new BranchProvider()), { projectId, name: "dev", protected: false, providerVersion: v });
      const p = await provider(new EndpointProvider());
      const created = await create(p, { projectId, branchId: branch.id, minCu: 0.25, maxCu: 1, suspendTimeoutSeconds: 300, providerVersion: v });
      assert.equal(created.outs.adopted, false);
      assert.match(created.outs.host, /^ep-.*\.neon\.tech$/);
      const updated = await p.update(created.id, created.outs, { ...created.outs, maxCu: 2 });
      assert.equal(fake.endpoints.get(created.id)?.autoscaling_limit_max_cu, 2);
      assert.equal(updated.outs?.maxCu, 2);
      fake.endpoints.get(created.id)!.suspend_timeout_seconds = 60;
      assert.equal((await p.read(created.id, updated.outs)).props?.suspendTimeoutSeconds, 60);
      await p.delete(created.id, updated.outs);
      assert.equal(fake.endpoints.has(created.id), false);
    });

    it("adopts the endpoint a branch already has and leaves it on delete", async () => {
      const { projectId, branchId, endpointId } = fake.seedProject();
      const p = await provider(new EndpointProvider());
      const created = await create(p, { projectId, branchId, minCu: 0.5, maxCu: 4, suspendTimeoutSeconds: 0, providerVersion: v });
      assert.equal(created.id, endpointId);
      assert.equal(created.outs.adopted, true);
      assert.equal(fake.endpoints.get(endpointId)?.autoscaling_limit_max_cu, 4);
      await p.delete(created.id, created.outs);
      assert.ok(fake.endpoints.has(endpointId));
    });

    it("rejects impossible compute sizes", async () => {
      const { failures } = await new EndpointProvider().check({} as never, {
        projectId: "p",
        branchId: "b",
        minCu: 3,
        maxCu: 0.3,
        suspendTimeoutSeconds: 5,
        providerVersion: v,
      });
      assert.deepEqual(
        failures?.map((f) => f.property),
        ["maxCu", "minCu", "suspendTimeoutSeconds"],
      );
      const odd = await new EndpointProvider().check({} as never, {
        projectId: "p",
        branchId: "b",
        minCu: 17,
        maxCu: 17,
        suspendTimeoutSeconds: 0,
        providerVersion: v,
      });
      assert.match(odd.failures?.map((f) => f.reason).join() ?? "", /expected an even fixed size above 16 CU/);
      assert.deepEqual(
        (await new EndpointProvider().check({} as never, { projectId: "p", branchId: "b", minCu: 18, maxCu: 18, suspendTimeoutSeconds: 0, providerVersion: v }))
          .failures,
        [],
      );
    });

    it("is refused by the fake as by Neon: no odd fixed size above 16 CU", async () => {
      const { projectId, branchId } = fake.seedProject();
      const p = await provider(new EndpointProvider());
      await assert.rejects(
        create(p, { projectId, branchId, minCu: 17, maxCu: 17, suspendTimeoutSeconds: 0, providerVersion: v }),
        /sizes above 16 CU are even/,
      );
    });
  });

  describe("Role and Database", () => {
    it("creates a role with a secret password, and a database it owns", async () => {
      const { projectId, branchId } = fake.seedProject();
      const roles = await provider(new RoleProvider());
      const role = await create(roles, { projectId, branchId, name: "app", providerVersion: v });
      assert.equal(role.outs.adopted, false);
      assert.equal(role.outs.password, fake.roles.get(`${branchId}/app`)?.password);
      const dbs = await provider(new DatabaseProvider());
      const db = await create(dbs, { projectId, branchId, name: "app", ownerName: "app", providerVersion: v });
      assert.equal(fake.databases.get(`${branchId}/app`)?.owner_name, "app");
      fake.databases.get(`${branchId}/app`)!.owner_name = "neondb_owner";
      const drifted = await dbs.read(db.id, db.outs);
      assert.equal(drifted.props?.ownerName, "neondb_owner");
      await dbs.update(db.id, drifted.props, db.outs);
      assert.equal(fake.databases.get(`${branchId}/app`)?.owner_name, "app");
      await dbs.delete(db.id, db.outs);
      await roles.delete(role.id, role.outs);
      assert.equal(fake.roles.has(`${branchId}/app`), false);
      assert.equal(fake.databases.has(`${branchId}/app`), false);
      assert.deepEqual(await roles.read(role.id, role.outs), {});
    });

    it("adopts a role inherited from the parent and gives it a new password", async () => {
      const { projectId, branchId: main } = fake.seedProject();
      const roles = await provider(new RoleProvider());
      const parentRole = await create(roles, { projectId, branchId: main, name: "app", providerVersion: v });
      const child = await create(await provider(new BranchProvider()), { projectId, name: "dev", parentId: main, protected: false, providerVersion: v });
      const inherited = await create(roles, { projectId, branchId: child.id, name: "app", providerVersion: v });
      assert.equal(inherited.outs.adopted, true);
      assert.notEqual(inherited.outs.password, parentRole.outs.password, "a child branch never shares its parent's password");
      assert.equal(fake.roles.get(`${main}/app`)?.password, parentRole.outs.password, "the parent keeps its password");
      await roles.delete(inherited.id, inherited.outs);
      assert.ok(fake.roles.has(`${child.id}/app`), "an inherited role goes with its branch");
      const dbs = await provider(new DatabaseProvider());
      const db = await create(dbs, { projectId, branchId: child.id, name: "neondb", ownerName: "neondb_owner", providerVersion: v });
      assert.equal(db.outs.adopted, true);
    });

    it("validates Postgres names", async () => {
      const role = await new RoleProvider().check({} as never, { projectId: "p", branchId: "b", name: "1bad name", providerVersion: v });
      assert.deepEqual(
        role.failures?.map((f) => f.property),
        ["name"],
      );
      const db = await new DatabaseProvider().check({} as never, { projectId: "p", branchId: "b", name: "ok", ownerName: "", providerVersion: v });
      assert.deepEqual(
        db.failures?.map((f) => f.property),
        ["ownerName"],
      );
    });
  });

  describe("Project", () => {
    it("creates, reads, updates and deletes", async () => {
      const p = await provider(new ProjectProvider());
      const created = await create(p, { name: "acme", regionId: "aws-eu-central-1", pgVersion: 17, historyRetentionSeconds: 86400, providerVersion: v });
      assert.equal(created.outs.projectId, created.id);
      fake.projects.get(created.id)!.history_retention_seconds = 3600;
      const read = await p.read(created.id, created.outs);
      assert.equal(read.props?.historyRetentionSeconds, 3600);
      const diff = await p.diff(created.id, read.props, created.outs);
      assert.deepEqual(diff, { changes: true, replaces: [] });
      await p.update(created.id, read.props, created.outs);
      assert.equal(fake.projects.get(created.id)?.history_retention_seconds, 86400);
      assert.deepEqual(await p.diff(created.id, created.outs, { ...created.outs, regionId: "aws-us-east-2" }), { changes: true, replaces: ["regionId"] });
      await p.delete(created.id, created.outs);
      assert.equal(fake.projects.has(created.id), false);
    });
  });

  describe("as Neon really behaves", () => {
    it("fits the Free plan: no protected branch, a six-hour restore window, small computes; organisation accounts need org_id", async () => {
      fake.plan = "free";
      const projects = await provider(new ProjectProvider());
      // What the old defaults asked for is refused, as Neon refuses it.
      await assert.rejects(
        create(projects, { name: "acme", regionId: "aws-eu-central-1", pgVersion: 17, historyRetentionSeconds: 86400, providerVersion: v }),
        /exceeds the free plan's limit/,
      );
      const { NeonProject } = await import("../../components/neon/project");
      assert.ok(NeonProject, "the component's own default is the free plan's limit (21600), see below");
      const created = await create(projects, { name: "acme", regionId: "aws-eu-central-1", pgVersion: 17, historyRetentionSeconds: 21600, providerVersion: v });
      const branches = await provider(new BranchProvider());
      await assert.rejects(
        create(branches, { projectId: created.id, name: "main", adoptDefault: true, protected: true, providerVersion: v }),
        /protected branches are not available on the free plan/,
      );
      // And the provider refuses it before any request when told the plan has none.
      const { failures } = await branches.check({} as never, {
        projectId: created.id,
        name: "main",
        adoptDefault: true,
        protected: true,
        protectable: false,
        providerVersion: v,
      });
      assert.match(failures?.map((f) => f.reason).join() ?? "", /plan without protected branches/);
      const main = await create(branches, { projectId: created.id, name: "main", adoptDefault: true, protected: false, providerVersion: v });
      const endpoints = await provider(new EndpointProvider());
      await assert.rejects(
        create(endpoints, { projectId: created.id, branchId: main.id, minCu: 0.5, maxCu: 4, suspendTimeoutSeconds: 0, providerVersion: v }),
        /exceeds the free plan's limit of 2 CU/,
      );
      await create(endpoints, { projectId: created.id, branchId: main.id, minCu: 0.5, maxCu: 2, suspendTimeoutSeconds: 0, providerVersion: v });

      fake.requireOrgId = true;
      await assert.rejects(
        create(projects, { name: "org-app", regionId: "aws-eu-central-1", pgVersion: 17, historyRetentionSeconds: 0, providerVersion: v }),
        /org_id is required/,
      );
      const inOrg = await create(projects, {
        name: "org-app",
        regionId: "aws-eu-central-1",
        pgVersion: 17,
        historyRetentionSeconds: 0,
        orgId: "org-acme-1234",
        providerVersion: v,
      });
      assert.equal(fake.projects.get(inOrg.id)?.org_id, "org-acme-1234");
    });

    it("counts branches before creating one: past the plan's limit it fails first, naming the plan, and the fake refuses as Neon does", async () => {
      fake.plan = "free";
      const { projectId } = fake.seedProject();
      const p = await provider(new BranchProvider());
      const limit = { plan: "free", max: 10 };
      for (let pr = 1; pr <= 9; pr++) await create(p, { projectId, name: `preview/pr-${pr}`, protected: false, branchLimit: limit, providerVersion: v });
      const creates = () => fake.log.filter((l) => l.operationId === "createProjectBranch").length;
      const before = creates();
      await assert.rejects(
        create(p, { projectId, name: "preview/pr-10", protected: false, branchLimit: limit, providerVersion: v }),
        /has 10 branches, the free plan's limit of 10 \(the default branch included\): close or merge pull requests/,
      );
      assert.equal(creates(), before, "nothing was sent: the count came first");
      await assert.rejects(
        create(p, { projectId, name: "preview/pr-10", protected: false, providerVersion: v }),
        /branches limit exceeded: the free plan allows 10 branches per project/,
      );
      fake.plan = "launch";
      await create(p, { projectId, name: "preview/pr-10", protected: false, branchLimit: { plan: "launch", max: 5000 }, providerVersion: v });
    });

    it("reads every page of a branch list: the default branch and a child are found past the first page", async () => {
      const { projectId, branchId } = fake.seedProject();
      const p = await provider(new BranchProvider());
      const dev = await create(p, { projectId, name: "dev", protected: false, providerVersion: v });
      await create(p, { projectId, name: "preview/pr-1", parentName: "dev", protected: false, providerVersion: v });
      for (let i = 0; i < 24; i++) await create(p, { projectId, name: `other-${i}`, protected: false, providerVersion: v });
      // Newest first, ten to a page: the default branch and the child are on later pages.
      const adopted = await create(p, { projectId, name: "main", adoptDefault: true, protected: true, providerVersion: v });
      assert.equal(adopted.id, branchId);
      await assert.rejects(p.delete(dev.id, dev.outs), /has child branches: preview\/pr-1/);
    });

    it("creates a branch once: a retry after the response was lost takes over the branch it made", async () => {
      const { projectId } = fake.seedProject();
      const p = await provider(new BranchProvider());
      fake.failAfterCommit("createProjectBranch", 500);
      await assert.rejects(create(p, { projectId, name: "preview/pr-9", protected: false, providerVersion: v }), /not retried: it may have happened/);
      assert.equal([...fake.branches.values()].filter((b) => b.name === "preview/pr-9").length, 1, "not retried: one branch");
      const again = await create(p, { projectId, name: "preview/pr-9", protected: false, providerVersion: v });
      assert.equal([...fake.branches.values()].filter((b) => b.name === "preview/pr-9").length, 1, "the next up takes it over");
      assert.equal(again.outs.adopted, false, "it is this stack's: destroy deletes it");
    });

    it("never sends a create twice after a server error, and refuses to make a second project", async () => {
      const p = await provider(new ProjectProvider());
      fake.failAfterCommit("createProject", 500);
      await assert.rejects(create(p, { name: "acme", regionId: "aws-eu-central-1", pgVersion: 17, historyRetentionSeconds: 0, providerVersion: v }));
      assert.equal(fake.projects.size, 1);
      await assert.rejects(
        create(p, { name: "acme", regionId: "aws-eu-central-1", pgVersion: 17, historyRetentionSeconds: 0, providerVersion: v }),
        /already exists .*Adopt it: pulumi config set --path neon.projectId proj-/,
      );
      assert.equal(fake.projects.size, 1, "no duplicate project");
      // In an organization too: the search for the first one names the organization.
      fake.requireOrgId = true;
      const org = { name: "shop", regionId: "aws-eu-central-1", pgVersion: 17, historyRetentionSeconds: 0, orgId: "org-acme-1234", providerVersion: v };
      fake.failAfterCommit("createProject", 500);
      await assert.rejects(create(p, org));
      await assert.rejects(create(p, org), /already exists/);
      assert.equal([...fake.projects.values()].filter((x) => x.name === "shop").length, 1, "no duplicate in the organization");
    });

    it("waits for every operation a request starts, a delete's included, and takes a branch over with the expiry asked now", async () => {
      const { projectId } = fake.seedProject();
      fake.operationMs = 10_000;
      fake.pollsPerOperation = 1;
      const p = await provider(new BranchProvider());
      // Neon may answer one request with several operations; the later ones take longer.
      const original = fake.createProjectBranch.bind(fake);
      fake.createProjectBranch = (params, body) => {
        const [status, out] = original(params, body);
        const second = { ...out.operations[0], id: randomUUID(), action: "start_compute" };
        fake.operations.set(second.id, { ...second, pollsLeft: 4 });
        return [status, { ...out, operations: [...out.operations, second] }];
      };
      const running = () =>
        [...fake.operations.values()].filter((o) => o.project_id === projectId && !["finished", "failed", "cancelled"].includes(String(o.status))).length;
      const made = await create(p, { projectId, name: "preview/pr-3", protected: false, providerVersion: v });
      assert.equal(running(), 0, "both operations finished before create returned");
      await p.delete(made.id, made.outs);
      assert.equal(running(), 0, "the delete's operation finished before delete returned");
      // A branch left by a lost answer is taken over with the expiry this up asks for.
      fake.createProjectBranch = original;
      fake.operationMs = 1;
      const soon = new Date(Date.now() + 86_400_000).toISOString().replace(/\.\d{3}Z$/, "Z");
      const later = new Date(Date.now() + 7 * 86_400_000).toISOString().replace(/\.\d{3}Z$/, "Z");
      fake.createProjectBranch({ project_id: projectId }, { branch: { name: "preview/pr-4", expires_at: soon } });
      const taken = await create(p, { projectId, name: "preview/pr-4", protected: false, expiresAt: later, providerVersion: v });
      assert.equal(taken.outs.expiresAt, later);
      assert.equal([...fake.branches.values()].find((b) => b.name === "preview/pr-4")?.expires_at, later);
    });

    it("retries writes only when Neon says it did nothing (423, 429, 503), honouring Retry-After", async () => {
      const { projectId } = fake.seedProject();
      const p = await provider(new BranchProvider());
      fake.rateLimited = 2;
      fake.fail("createProjectBranch", 503, 423);
      const created = await create(p, { projectId, name: "dev", protected: false, providerVersion: v });
      assert.ok(fake.branches.has(created.id));
      assert.deepEqual(
        fake.log.filter((l) => l.operationId === "createProjectBranch").map((l) => l.status),
        [503, 423, 201],
      );
      fake.fail("deleteProjectBranch", 500);
      await assert.rejects(p.delete(created.id, created.outs), /Neon failed \(500\) while deleting branch .*not retried/);
      const client = await import("../../components/neon/client");
      assert.deepEqual(
        [500, 502, undefined].map((s) => client.isRetryable(s, "write")),
        [false, false, false],
      );
      assert.deepEqual(
        [500, 502, undefined, 423, 429, 503].map((s) => client.isRetryable(s, "read")),
        [true, true, true, true, true, true],
      );
      assert.equal(client.backoffMs(0, client.DEFAULT_RETRY, "7"), 7000, "Retry-After wins");
      assert.equal(client.backoffMs(0, client.DEFAULT_RETRY, "3600"), 60_000, "but never more than a minute: a wrong header cannot stall a deploy for an hour");
      assert.ok(client.DEFAULT_RETRY.busyBudgetMs > 60_000, "longer than Neon's one-minute rate-limit window");
    });

    it("waits as long as a 429's Retry-After says, not its own shorter backoff", async () => {
      const { projectId } = fake.seedProject();
      const p = await provider(new BranchProvider());
      fake.rateLimited = 1;
      fake.retryAfterSeconds = 1;
      const started = Date.now();
      await create(p, { projectId, name: "dev", protected: false, providerVersion: v });
      // The retry policy here backs off at most 5 ms: only the header can make it wait a second.
      assert.ok(Date.now() - started >= 950, `waited ${Date.now() - started} ms`);
    });

    it("waits out a branch another operation holds (423), until the operation finishes", async () => {
      const { projectId } = fake.seedProject();
      fake.operationMs = 150;
      fake.pollsPerOperation = 1_000; // only time finishes it
      // Another client just made the branch: its create operation is still running.
      const [, made] = fake.createProjectBranch({ project_id: projectId }, { branch: { name: "dev" } });
      const branch = made.branch as { id: string };
      const roles = await provider(new RoleProvider());
      const role = await create(roles, { projectId, branchId: branch.id, name: "app", providerVersion: v });
      assert.ok(role.outs.password);
      assert.ok(
        fake.log.some((l) => l.operationId === "createProjectBranchRole" && l.status === 423),
        "Neon answered 423 first",
      );
    });

    it("waits out another branch's operation too: Neon runs one operation per project at a time", async () => {
      const { projectId } = fake.seedProject();
      fake.operationMs = 150;
      fake.pollsPerOperation = 1_000;
      // Another preview's branch is being created in the same project.
      fake.createProjectBranch({ project_id: projectId }, { branch: { name: "preview/pr-1" } });
      const p = await provider(new BranchProvider());
      await create(p, { projectId, name: "preview/pr-2", protected: false, providerVersion: v });
      assert.deepEqual(
        fake.log
          .filter((l) => l.operationId === "createProjectBranch")
          .map((l) => l.status)
          .slice(0, 1),
        [423],
        "refused while the other branch's operation ran",
      );
    });

    it("replaces a branch delete-first (names are unique), and says which children block a delete", async () => {
      const { projectId, branchId: main } = fake.seedProject();
      const p = await provider(new BranchProvider());
      const dev = await create(p, { projectId, name: "dev", parentId: main, protected: false, providerVersion: v });
      assert.deepEqual(
        fake.createProjectBranch({ project_id: projectId }, { branch: { name: "dev" } })[0],
        409,
        "the fake refuses a second branch of the same name",
      );
      await create(p, { projectId, name: "preview/pr-1", parentName: "dev", protected: false, providerVersion: v });
      await assert.rejects(p.delete(dev.id, dev.outs), /branch "dev" .* has child branches: preview\/pr-1\. Destroy the stacks that own them first/);
      assert.ok(fake.branches.has(dev.id));
      const d = await p.diff(dev.id, dev.outs, { ...dev.outs, parentId: "br-other" });
      assert.equal(d.deleteBeforeReplace, true);
    });

    it("renames a database in place; every other field Neon can update is an update", async () => {
      const { projectId, branchId } = fake.seedProject();
      const dbs = await provider(new DatabaseProvider());
      await create(await provider(new RoleProvider()), { projectId, branchId, name: "app", providerVersion: v });
      const db = await create(dbs, { projectId, branchId, name: "app", ownerName: "app", providerVersion: v });
      fake.databases.get(`${branchId}/app`)!.id = 4242;
      assert.deepEqual(await dbs.diff(db.id, db.outs, { ...db.outs, name: "shop" }), { changes: true, replaces: [] });
      await dbs.update(db.id, db.outs, { ...db.outs, name: "shop" });
      assert.equal(fake.databases.get(`${branchId}/shop`)?.id, 4242, "the same database, renamed: no data lost");
      assert.equal(fake.databases.has(`${branchId}/app`), false);
      const b = new BranchProvider();
      const bOld = { projectId, name: "a", protected: false, providerVersion: v, branchId: "b", adopted: false };
      assert.deepEqual((await b.diff("b", bOld, { ...bOld, name: "c", protected: true })).replaces, []);
      const pr = new ProjectProvider();
      const pOld = { name: "a", regionId: "aws-eu-central-1", pgVersion: 17, historyRetentionSeconds: 0, providerVersion: v, projectId: "p-1", adopted: false };
      assert.deepEqual((await pr.diff("p-1", pOld, { ...pOld, name: "b", historyRetentionSeconds: 3600 })).replaces, []);
    });

    it("sends an endpoint only what changed, and nothing when nothing did", async () => {
      const { projectId } = fake.seedProject();
      const branch = await create(await provider(new BranchProvider()), { projectId, name: "dev", protected: false, providerVersion: v });
      const p = await provider(new EndpointProvider());
      const ep = await create(p, { projectId, branchId: branch.id, minCu: 0.25, maxCu: 1, suspendTimeoutSeconds: 300, providerVersion: v });
      const sent: unknown[] = [];
      const original = fake.updateProjectEndpoint.bind(fake);
      fake.updateProjectEndpoint = (params, body) => (sent.push(body.endpoint), original(params, body));
      await p.update(ep.id, ep.outs, { ...ep.outs, suspendTimeoutSeconds: 600 });
      assert.deepEqual(sent, [{ suspend_timeout_seconds: 600 }], "autoscaling untouched: the compute is not restarted");
      await p.update(ep.id, { ...ep.outs, suspendTimeoutSeconds: 600 }, { ...ep.outs, suspendTimeoutSeconds: 600, providerVersion: "next" });
      assert.equal(sent.length, 1, "no call when nothing Neon holds changed");
    });

    it("refuses inputs Neon would refuse, before any request", async () => {
      const e = new EndpointProvider();
      const base = { projectId: "p", branchId: "b", providerVersion: v };
      const fails = async (i: object) =>
        (await e.check({} as never, { ...base, minCu: 0.25, maxCu: 1, suspendTimeoutSeconds: 0, ...i })).failures?.map((f) => f.property);
      assert.deepEqual(await fails({ minCu: 0.3 }), ["minCu"]);
      assert.deepEqual(await fails({ minCu: 1, maxCu: 20 }), ["maxCu"], "autoscaling above 16");
      assert.deepEqual(await fails({ minCu: 0.25, maxCu: 10 }), ["maxCu"], "a span over 8");
      assert.deepEqual(await fails({ suspendTimeoutSeconds: 30 }), ["suspendTimeoutSeconds"]);
      const b = new BranchProvider();
      const far = new Date(Date.now() + 40 * 86_400_000).toISOString();
      assert.deepEqual(
        (await b.check({} as never, { projectId: "p", name: "x", protected: false, expiresAt: far, providerVersion: v })).failures?.map((f) => f.reason),
        [`got ${far.replace(/\.\d{3}Z$/, "Z")}, expected at most 30 days from now (Neon's limit)`],
      );
      const soon = new Date(Date.now() + 86_400_000).toISOString();
      assert.match(
        (await b.check({} as never, { projectId: "p", name: "x", protected: true, expiresAt: soon, providerVersion: v })).failures?.[0].reason ?? "",
        /a protected branch cannot expire/,
      );
    });

    it("keeps a created project when its id is written into config (adopting itself is no change)", async () => {
      const p = await provider(new ProjectProvider());
      const created = await create(p, { name: "acme", regionId: "aws-eu-central-1", pgVersion: 17, historyRetentionSeconds: 0, providerVersion: v });
      assert.deepEqual(await p.diff(created.id, created.outs, { ...created.outs, adoptId: created.id }), { changes: false, replaces: [] });
      assert.deepEqual(
        (await p.diff(created.id, created.outs, { ...created.outs, adoptId: "proj-other" })).replaces,
        ["adoptId"],
        "pointing at another project would replace (and protect refuses)",
      );
      const other = fake.seedProject("other");
      const adopted = await create(p, {
        name: "other",
        regionId: "aws-eu-central-1",
        pgVersion: 17,
        historyRetentionSeconds: 0,
        adoptId: other.projectId,
        providerVersion: v,
      });
      assert.equal(adopted.outs.adopted, true);
      await p.delete(adopted.id, adopted.outs);
      assert.ok(fake.projects.has(other.projectId), "an adopted project outlives the stack");
    });

    it("rotates a role's password when its keeper changes", async () => {
      const { projectId, branchId } = fake.seedProject();
      const roles = await provider(new RoleProvider());
      const role = await create(roles, { projectId, branchId, name: "app", rotation: "1", providerVersion: v });
      assert.deepEqual(await roles.diff(role.id, role.outs, { ...role.outs, rotation: "2" }), { changes: true, replaces: [] });
      const rotated = await roles.update(role.id, role.outs, { projectId, branchId, name: "app", rotation: "2", providerVersion: v });
      assert.notEqual(rotated.outs?.password, role.outs.password);
      assert.equal(rotated.outs?.password, fake.roles.get(`${branchId}/app`)?.password);
      const same = await roles.update(role.id, rotated.outs!, { projectId, branchId, name: "app", rotation: "2", providerVersion: "next" });
      assert.equal(same.outs?.password, rotated.outs?.password, "no new password without a new keeper");
    });

    it("replaces a role on a new name: Neon cannot rename one, and the connection strings must name a role that exists", async () => {
      const { projectId, branchId } = fake.seedProject();
      const roles = await provider(new RoleProvider());
      const role = await create(roles, { projectId, branchId, name: "app", providerVersion: v });
      assert.deepEqual(await roles.diff(role.id, role.outs, { ...role.outs, name: "shop" }), { changes: true, replaces: ["name"] });
      const renamed = await create(roles, { projectId, branchId, name: "shop", providerVersion: v });
      assert.ok(fake.roles.has(`${branchId}/shop`) && renamed.outs.password, "the new role exists, with its own password");
    });
  });

  describe("where a branch's data comes from", () => {
    it("makes a schema-only branch a root branch with the source's schema and none of its rows, and counts root branches first", async () => {
      fake.plan = "free";
      const { projectId, branchId: main } = fake.seedProject();
      fake.write(main, "neondb", { schema: ["TABLE users (id, email)"], rows: 42 });
      const p = await provider(new BranchProvider());
      const limit = { plan: "free", max: 10, maxRoots: 3 };
      const a = await create(p, { projectId, name: "preview/pr-1", protected: false, initSource: "schema-only", branchLimit: limit, providerVersion: v });
      assert.equal(fake.branches.get(a.id)?.parent_id, undefined, "no parent: a root branch");
      assert.equal(a.outs.sourceBranchId, main, "the source is kept: the base of the schema diff");
      assert.deepEqual(fake.contents.get(`${a.id}/neondb`), { schema: ["TABLE users (id, email)"], rows: 0 }, "the schema, not one row");
      const copy = await create(p, { projectId, name: "preview/pr-2", protected: false, branchLimit: limit, providerVersion: v });
      assert.equal(fake.contents.get(`${copy.id}/neondb`)?.rows, 42, "a parent-data branch holds the parent's rows");
      await create(p, { projectId, name: "preview/pr-3", protected: false, initSource: "schema-only", branchLimit: limit, providerVersion: v });
      const creates = () => fake.log.filter((l) => l.operationId === "createProjectBranch").length;
      const before = creates();
      await assert.rejects(
        create(p, { projectId, name: "preview/pr-4", protected: false, initSource: "schema-only", branchLimit: limit, providerVersion: v }),
        /has 3 root branches, the free plan's limit of 3 \(the default branch and every schema-only branch count\)/,
      );
      assert.equal(creates(), before, "nothing was sent");
      await assert.rejects(
        create(p, { projectId, name: "preview/pr-4", protected: false, initSource: "schema-only", providerVersion: v }),
        /root branches limit exceeded/,
        "and the fake refuses as Neon does",
      );
      await create(p, { projectId, name: "preview/pr-4", protected: false, branchLimit: limit, providerVersion: v });
      assert.deepEqual(await p.diff(a.id, a.outs, { ...a.outs, initSource: "parent-data" }), {
        changes: true,
        replaces: ["initSource"],
        deleteBeforeReplace: true,
      });
    });

    it("never takes over a same-named branch made from another branch, or made another way", async () => {
      const { projectId } = fake.seedProject();
      const p = await provider(new BranchProvider());
      const dev = await create(p, { projectId, name: "dev", protected: false, providerVersion: v });
      await create(p, { projectId, name: "preview/pr-5", parentId: dev.id, protected: false, providerVersion: v });
      await assert.rejects(
        create(p, { projectId, name: "preview/pr-5", protected: false, providerVersion: v }),
        /already has a branch named "preview\/pr-5" .* made from branch br-[\w-]+, not from br-[\w-]+: it is not this stack's/,
      );
      await assert.rejects(
        create(p, { projectId, name: "preview/pr-5", parentId: dev.id, protected: false, initSource: "schema-only", providerVersion: v }),
        /not as a schema-only copy/,
      );
      const again = await create(p, { projectId, name: "preview/pr-5", parentName: "dev", protected: false, providerVersion: v });
      assert.equal(again.outs.adopted, false, "made from the same branch: this stack's own, taken over");
    });

    it("resets a branch from its parent on a new reset key; the role and database are made again, with a new password", async () => {
      const { projectId, branchId: main } = fake.seedProject();
      fake.write(main, "neondb", { schema: ["TABLE users"], rows: 3 });
      const branches = await provider(new BranchProvider());
      const roles = await provider(new RoleProvider());
      const dbs = await provider(new DatabaseProvider());
      const b = await create(branches, { projectId, name: "preview/pr-6", protected: false, resetKey: "sha-1", providerVersion: v });
      const role = await create(roles, { projectId, branchId: b.id, name: "app", branchState: "sha-1", providerVersion: v });
      const db = await create(dbs, { projectId, branchId: b.id, name: "app", ownerName: "app", branchState: "sha-1", providerVersion: v });
      fake.write(b.id, "neondb", { schema: ["TABLE orders"], rows: 100 });
      assert.deepEqual(await branches.diff(b.id, b.outs, { ...b.outs, resetKey: "sha-1" }), { changes: false, replaces: [] }, "the same key: nothing to do");
      assert.deepEqual(
        await branches.diff(b.id, b.outs, { ...b.outs, resetKey: "sha-2" }),
        { changes: true, replaces: [] },
        "a new key: an update, not a new branch",
      );
      const reset = await branches.update(b.id, b.outs, { ...b.outs, resetKey: "sha-2" });
      assert.equal(reset.outs?.resetKey, "sha-2");
      assert.deepEqual(fake.contents.get(`${b.id}/neondb`), { schema: ["TABLE users"], rows: 3 }, "the parent's latest state, the branch's own changes gone");
      assert.equal(fake.roles.has(`${b.id}/app`), false, "the reset took the role the parent does not have");
      const role2 = await roles.update(role.id, role.outs, { ...role.outs, branchState: "sha-2" });
      assert.ok(fake.roles.has(`${b.id}/app`), "made again");
      assert.notEqual(role2.outs?.password, role.outs.password);
      assert.equal(fake.roles.get(`${b.id}/app`)?.password, role2.outs?.password);
      await dbs.update(db.id, db.outs, { ...db.outs, branchState: "sha-2" });
      assert.equal(fake.databases.get(`${b.id}/app`)?.owner_name, "app");
      for (const bad of [{ initSource: "schema-only" as const }, { protected: true }, { adoptDefault: true }]) {
        const { failures } = await branches.check({} as never, { projectId, name: "x", protected: false, resetKey: "k", providerVersion: v, ...bad });
        assert.ok(
          failures?.some((f) => f.property === "resetKey"),
          JSON.stringify(bad),
        );
      }
    });

    it("creates a project whose default branch holds the stack's database and role, not neondb and neondb_owner", async () => {
      const p = await provider(new ProjectProvider());
      const created = await create(p, {
        name: "acme",
        regionId: "aws-eu-central-1",
        pgVersion: 17,
        historyRetentionSeconds: 86400,
        defaultBranchName: "main",
        defaultDatabase: { name: "app", ownerName: "app" },
        providerVersion: v,
      });
      const main = [...fake.branches.values()].find((b) => b.project_id === created.id)!;
      assert.deepEqual(
        [...fake.databases.keys()].filter((k) => k.startsWith(`${main.id}/`)),
        [`${main.id}/app`],
      );
      assert.deepEqual(
        [...fake.roles.keys()].filter((k) => k.startsWith(`${main.id}/`)),
        [`${main.id}/app`],
      );
      const role = await create(await provider(new RoleProvider()), { projectId: created.id, branchId: main.id as string, name: "app", providerVersion: v });
      assert.notEqual(role.outs.password, "seed-password", "the role Neon made gets a password only Pulumi knows");
    });
  });

  describe("serialization (what the engine stores and runs)", () => {
    // What the dynamic-provider host does with the text stored in state.
    async function revive<T extends NeonProviderBase>(original: T): Promise<{ text: string; provider: T }> {
      original.retry = FAST;
      const serialized = await pulumi.runtime.serializeFunction(() => original, { allowSecrets: false });
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const requireFromString = require("require-from-string") as (code: string) => Record<string, () => T>;
      const provider = requireFromString(serialized.text)[serialized.exportName]();
      const values: Record<string, string> = { neonApiKey: fake.apiKey, neonApiUrl: url };
      await provider.configure({ config: { get: (k: string) => values[k] } });
      return { text: serialized.text, provider };
    }

    beforeEach(() => {
      process.env.NEON_API_KEY = fake.apiKey;
    });
    afterEach(() => {
      delete process.env.NEON_API_KEY;
    });

    it("carries no API key, and every revived provider checks, creates and waits", async () => {
      const project = await revive(new ProjectProvider());
      assert.ok(!project.text.includes(fake.apiKey), "the API key is not in the closure");
      assert.deepEqual(
        (await project.provider.check({} as never, { name: "x", regionId: "Bad", pgVersion: 9, historyRetentionSeconds: 0, providerVersion: v })).failures?.map(
          (f) => f.property,
        ),
        ["regionId", "pgVersion"],
      );
      const projectId = (
        await create(project.provider, { name: "acme", regionId: "aws-eu-central-1", pgVersion: 17, historyRetentionSeconds: 0, providerVersion: v })
      ).id;
      fake.pollsPerOperation = 3;

      const branches = (await revive(new BranchProvider())).provider;
      const branch = await create(branches, { projectId, name: "dev", protected: false, providerVersion: v });
      const endpoints = (await revive(new EndpointProvider())).provider;
      assert.deepEqual(
        (
          await endpoints.check({} as never, { projectId, branchId: branch.id, minCu: 0.3, maxCu: 1, suspendTimeoutSeconds: 0, providerVersion: v })
        ).failures?.map((f) => f.property),
        ["minCu"],
      );
      await create(endpoints, { projectId, branchId: branch.id, minCu: 0.25, maxCu: 1, suspendTimeoutSeconds: 0, providerVersion: v });
      const roles = (await revive(new RoleProvider())).provider;
      const role = await create(roles, { projectId, branchId: branch.id, name: "app", providerVersion: v });
      const dbs = (await revive(new DatabaseProvider())).provider;
      await create(dbs, { projectId, branchId: branch.id, name: "app", ownerName: role.outs.name, providerVersion: v });
      assert.ok(fake.databases.has(`${branch.id}/app`));
      assert.ok(polls() >= 3);
      // Errors thrown by revived code are still Errors the engine can print.
      fake.fail("deleteProjectBranch", 422);
      const failure = await branches.delete(branch.id, { ...branch.outs }).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(failure instanceof Error, "a real Error");
      assert.match(failure.message, /Neon refused the request \(422\) while deleting branch/);
    });
  });
});
