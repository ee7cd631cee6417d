/**
 * A fake of the Neon API on loopback for the provider contract tests, as strict as Neon.
 * Every request is matched against the OpenAPI spec shipped in @neondatabase/api-client
 * and validated against its schema (formats included); every response is validated too,
 * so the fake cannot drift from the real API's shapes. It refuses what Neon refuses:
 * duplicate branch names, deleting the default branch or a branch with children, changes
 * to a branch while an operation on it runs (423), what the chosen plan does not allow
 * (protected branches, restore window, scale-to-zero changes, compute sizes), expiries
 * Neon would not take, and projects without an organization where one is required.
 * Operations move from `scheduling` through `running` to `finished` as they are polled.
 * Faults can be scripted per operation id, before the work (nothing happened) or after it
 * (committed, then the response was lost).
 */
import { randomUUID } from "crypto";
import * as fs from "fs";
import * as http from "http";
import { AddressInfo } from "net";
import * as yaml from "js-yaml";
import Ajv, { ValidateFunction } from "ajv";
import addFormats from "ajv-formats";

const SPEC_PATH = require.resolve("@neondatabase/api-client/public-v2-for-users.gen.yaml");

interface Route {
  method: string;
  pattern: RegExp;
  params: string[];
  operationId: string;
  request?: ValidateFunction;
  responses: Map<number, ValidateFunction>;
}

type Json = Record<string, any>;
type Handler = (p: Record<string, string>, body: Json) => [number, Json];

/** Rewrites local `#/components/...` references so sub-schemas compile on their own. */
function rebase(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(rebase);
  if (node && typeof node === "object") {
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, k === "$ref" && typeof v === "string" ? v.replace(/^#/, "neon#") : rebase(v)]));
  }
  return node;
}

function loadRoutes(): Route[] {
  const spec = rebase(yaml.load(fs.readFileSync(SPEC_PATH, "utf8"))) as Json;
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
  addFormats(ajv);
  // Integer formats the spec uses that JSON Schema does not define: checked as what they say.
  for (const [name, min] of [
    ["int", -(2 ** 53)],
    ["uint64", 0],
    ["int64", -(2 ** 53)],
    ["int32", -(2 ** 31)],
  ] as const) {
    ajv.addFormat(name, { type: "number", validate: (n: number) => Number.isInteger(n) && n >= min });
  }
  ajv.addSchema({ $id: "neon", components: spec.components });
  const routes: Route[] = [];
  for (const [path, item] of Object.entries(spec.paths as Json)) {
    for (const [method, op] of Object.entries(item as Json)) {
      if (!op || typeof op !== "object" || !op.operationId) continue;
      const params: string[] = [];
      const pattern = new RegExp(`^${path.replace(/\{(\w+)\}/g, (_m, name: string) => (params.push(name), "([^/]+)"))}$`);
      const body = op.requestBody?.content?.["application/json"]?.schema;
      const responses = new Map<number, ValidateFunction>();
      for (const [code, r] of Object.entries((op.responses ?? {}) as Json)) {
        const schema = r?.content?.["application/json"]?.schema;
        if (/^\d+$/.test(code) && schema) responses.set(Number(code), ajv.compile(schema));
      }
      routes.push({ method: method.toUpperCase(), pattern, params, operationId: op.operationId, request: body ? ajv.compile(body) : undefined, responses });
    }
  }
  // A literal segment wins over a parameter (`branches/count` is not a branch id), as in Neon's router.
  return routes.sort((a, b) => a.params.length - b.params.length);
}

let cachedRoutes: Route[] | undefined;
const now = () => new Date().toISOString();
let seq = 0;
const nextId = (prefix: string) => `${prefix}-${(++seq).toString(36).padStart(6, "0")}`;

/** Neon's plans, as the fake enforces them. */
export type FakePlan = "free" | "launch" | "scale";
// Branches per project, the default one included: Free has no extra branches; paid plans bill those past their allowance, up to 5,000.
// Root branches: the default one, schema-only branches and restore backups count (Neon's schema-only page).
const PLAN: Record<
  FakePlan,
  { maxCu: number; retention: number; protectedBranches: boolean; maxBranches: number; maxRootBranches: number; suspend: (s: number) => boolean }
> = {
  free: { maxCu: 2, retention: 21_600, protectedBranches: false, maxBranches: 10, maxRootBranches: 3, suspend: (s) => s === 0 || s === 300 },
  launch: { maxCu: 16, retention: 604_800, protectedBranches: true, maxBranches: 5_000, maxRootBranches: 5, suspend: (s) => s === 0 || s === 300 || s === -1 },
  scale: {
    maxCu: 56,
    retention: 2_592_000,
    protectedBranches: true,
    maxBranches: 5_000,
    maxRootBranches: 10,
    suspend: (s) => s === -1 || s === 0 || (s >= 60 && s <= 604_800),
  },
};
/** Branches a list returns when the request names no `limit`: a client must follow `pagination.next`. */
const DEFAULT_PAGE = 10;
const MUTATING = new Set(["POST", "PATCH", "DELETE", "PUT"]);

/** The fake server and its state, which tests read and change directly. */
export class FakeNeon {
  readonly projects = new Map<string, Json>();
  readonly branches = new Map<string, Json>();
  readonly endpoints = new Map<string, Json>();
  readonly roles = new Map<string, Json>(); // key: branchId/name
  readonly databases = new Map<string, Json>(); // key: branchId/name
  /** What a database holds, as far as tests need: its schema (one line per object) and its rows. key: branchId/name */
  readonly contents = new Map<string, { schema: string[]; rows: number }>();
  readonly operations = new Map<string, Json & { pollsLeft: number }>();
  /** Every request: operation id and status sent. */
  readonly log: { operationId: string; status: number }[] = [];
  /** Polls an operation takes before it finishes. */
  pollsPerOperation = 2;
  /** An operation also finishes on its own after this long, as Neon's do, polled or not. */
  operationMs = 300;
  /** Problems found in requests or in the fake's own responses; tests assert it stays empty. */
  readonly violations: string[] = [];
  readonly apiKey = "neon-test-key-7c1e";
  /** The account's plan: what it refuses follows it. */
  plan: FakePlan = "scale";
  /** An organization account: creating a project without `org_id` is refused. */
  requireOrgId = false;
  /** Requests refused 429 from now on, to exercise rate limits. */
  rateLimited = 0;
  /** The Retry-After (seconds) a 429 carries: how long Neon asks a client to wait. */
  retryAfterSeconds = 0;
  private readonly faults = new Map<string, number[]>();
  private readonly lostResponses = new Map<string, number[]>();
  private server?: http.Server;
  private readonly routes = (cachedRoutes ??= loadRoutes());

  /** Makes the next requests to `operationId` answer these statuses, in order, without doing anything. */
  fail(operationId: string, ...statuses: number[]): void {
    this.faults.set(operationId, [...(this.faults.get(operationId) ?? []), ...statuses]);
  }

  /** Makes the next requests to `operationId` do their work, then answer these statuses: committed, then the response failed. */
  failAfterCommit(operationId: string, ...statuses: number[]): void {
    this.lostResponses.set(operationId, [...(this.lostResponses.get(operationId) ?? []), ...statuses]);
  }

  /** Starts listening on 127.0.0.1; returns the API base URL. */
  async start(): Promise<string> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server?.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/api/v2`;
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => this.server?.close(resolve));
  }

  /** Seeds a project with its default branch and endpoint, as Neon creates them (in the console: its default branch is `production`). */
  seedProject(name = "acme", opts: { console?: boolean } = {}): { projectId: string; branchId: string; endpointId: string } {
    const [, body] = this.createProject(
      {},
      {
        project: {
          name,
          region_id: "aws-eu-central-1",
          pg_version: 17,
          history_retention_seconds: 0,
          ...(this.requireOrgId ? { org_id: "org-seed" } : {}),
          ...(opts.console ? { branch: { name: "production" } } : {}),
        },
      },
    );
    for (const op of body.operations as Json[]) this.operations.get(op.id as string)!.status = "finished";
    return { projectId: body.project.id, branchId: body.branch.id, endpointId: body.endpoints[0].id };
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const url = new URL(req.url ?? "/", "http://x");
    const path = url.pathname.replace(/^\/api\/v2/, "");
    const route = this.routes.find((r) => r.method === req.method && r.pattern.test(path));
    const send = (status: number, body: Json, operationId = route?.operationId ?? "unknown") => {
      this.log.push({ operationId, status });
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (!route) return send(404, { message: `no such route in the Neon spec: ${req.method} ${path}` });
    if (req.headers.authorization !== `Bearer ${this.apiKey}`) return send(401, { code: "", message: "authentication required" });
    if (this.rateLimited > 0) {
      this.rateLimited--;
      this.log.push({ operationId: route.operationId, status: 429 });
      res.writeHead(429, { "content-type": "application/json", "retry-after": String(this.retryAfterSeconds) });
      res.end(JSON.stringify({ code: "", message: "rate limit exceeded" }));
      return;
    }
    const fault = this.faults.get(route.operationId)?.shift();
    if (fault !== undefined) return send(fault, { code: "", message: `scripted ${fault}` });

    const body = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString("utf8")) as Json) : {};
    if (route.request && !route.request(body)) {
      this.violations.push(`${route.operationId} request: ${JSON.stringify(route.request.errors)}`);
      return send(400, { code: "", message: `request does not match the spec: ${JSON.stringify(route.request.errors)}` });
    }
    const params = Object.fromEntries(route.params.map((name, i) => [name, decodeURIComponent(route.pattern.exec(path)![i + 1])]));
    const locked = MUTATING.has(req.method ?? "") ? this.lockedProject(params, body) : undefined;
    if (locked) return send(423, { code: "", message: `project ${locked} already has running conflicting operations, scheduling of new ones is prohibited` });
    const handler = (this as unknown as Record<string, Handler | undefined>)[route.operationId];
    if (typeof handler !== "function") return send(501, { message: `the fake does not implement ${route.operationId}` });
    const [status, out] = handler.call(this, { ...params, ...Object.fromEntries(url.searchParams) }, body);
    const check = route.responses.get(status);
    if (check && !check(out)) this.violations.push(`${route.operationId} response ${status}: ${JSON.stringify(check.errors)}`);
    const lost = status < 300 ? this.lostResponses.get(route.operationId)?.shift() : undefined;
    if (lost !== undefined) return send(lost, { code: "", message: `scripted ${lost} after the work was done` });
    send(status, out);
  }

  /**
   * The project a mutating request touches, if an operation in it is still running: Neon
   * runs one operation per project at a time and refuses the next with 423, whichever
   * branch it is for.
   */
  private lockedProject(params: Record<string, string>, _body: Json): string | undefined {
    const projectId = params.project_id;
    if (!projectId) return undefined;
    return [...this.operations.values()].some((op) => op.project_id === projectId && !["finished", "skipped", "failed", "cancelled"].includes(this.age(op)))
      ? projectId
      : undefined;
  }

  /** An operation's status, moved on by the time it has run (Neon's operations run whether or not anyone polls). */
  private age(op: Json & { pollsLeft: number }): string {
    if (!["finished", "failed", "cancelled"].includes(op.status as string) && Date.now() - Date.parse(op.created_at as string) > this.operationMs)
      op.status = "finished";
    return op.status as string;
  }

  /** The reason a plan refuses a request, if it does. */
  private planRefuses(what: { protected?: boolean; retention?: number; minCu?: number; maxCu?: number; suspend?: number }): string | undefined {
    const plan = PLAN[this.plan];
    if (what.protected && !plan.protectedBranches) return `protected branches are not available on the ${this.plan} plan`;
    if (what.retention !== undefined && what.retention > plan.retention)
      return `history_retention_seconds ${what.retention} exceeds the ${this.plan} plan's limit of ${plan.retention}`;
    for (const cu of [what.minCu, what.maxCu])
      if (cu !== undefined && cu > plan.maxCu) return `compute size ${cu} CU exceeds the ${this.plan} plan's limit of ${plan.maxCu} CU`;
    for (const cu of [what.minCu, what.maxCu])
      if (cu !== undefined && cu > 16 && cu % 2 !== 0) return `compute size ${cu} CU is not offered: sizes above 16 CU are even`;
    if (what.suspend !== undefined && !plan.suspend(what.suspend))
      return `suspend_timeout_seconds cannot be changed to ${what.suspend} on the ${this.plan} plan`;
    return undefined;
  }

  /** Neon's rules for a branch expiry: second precision, in the future, at most 30 days out, never on a protected branch. */
  private expiryRefused(expiresAt: unknown, isProtected: boolean): string | undefined {
    if (typeof expiresAt !== "string") return undefined;
    const at = Date.parse(expiresAt);
    if (at <= Date.now()) return "expires_at must be in the future";
    if (at - Date.now() > 30 * 86_400_000) return "expires_at must be at most 30 days from now";
    if (isProtected) return "a protected branch cannot have an expiration";
    return undefined;
  }

  // ---- objects as the spec describes them ----

  private operation(projectId: string, action: string, ids: { branch_id?: string; endpoint_id?: string }): Json {
    const op = {
      id: randomUUID(),
      project_id: projectId,
      ...ids,
      action,
      status: "scheduling",
      failures_count: 0,
      created_at: now(),
      updated_at: now(),
      total_duration_ms: 0,
    };
    this.operations.set(op.id, { ...op, pollsLeft: this.pollsPerOperation });
    return op;
  }

  private newBranch(projectId: string, b: Json, isDefault: boolean): Json {
    const branch = {
      id: nextId("br"),
      project_id: projectId,
      ...(b.parent_id ? { parent_id: b.parent_id } : {}),
      name: b.name ?? nextId("branch"),
      current_state: "ready",
      state_changed_at: now(),
      creation_source: "console",
      created_at: now(),
      updated_at: now(),
      default: isDefault,
      primary: isDefault,
      protected: b.protected ?? false,
      // Neon keeps expiries to the second.
      ...(b.expires_at ? { expires_at: new Date(Date.parse(b.expires_at as string)).toISOString().replace(/\.\d{3}Z$/, "Z") } : {}),
      cpu_used_sec: 0,
      active_time_seconds: 0,
      compute_time_seconds: 0,
      written_data_bytes: 0,
      data_transfer_bytes: 0,
    };
    this.branches.set(branch.id, branch);
    return branch;
  }

  private newEndpoint(projectId: string, e: Json): Json {
    const id = nextId("ep");
    const endpoint = {
      host: `${id}.eu-central-1.aws.neon.tech`,
      id,
      project_id: projectId,
      branch_id: e.branch_id,
      region_id: "aws-eu-central-1",
      autoscaling_limit_min_cu: e.autoscaling_limit_min_cu ?? 0.25,
      autoscaling_limit_max_cu: e.autoscaling_limit_max_cu ?? 0.25,
      type: e.type,
      current_state: "idle",
      pooler_enabled: false,
      pooler_mode: "transaction",
      disabled: false,
      passwordless_access: true,
      creation_source: "console",
      created_at: now(),
      updated_at: now(),
      settings: {},
      proxy_host: "eu-central-1.aws.neon.tech",
      suspend_timeout_seconds: e.suspend_timeout_seconds ?? 0,
      provisioner: "k8s-neonvm",
    };
    this.endpoints.set(id, endpoint);
    return endpoint;
  }

  /** A branch's roles, databases and what they hold, copied from another: as a child branch, a schema-only branch (no rows) or a restore sees them. */
  private copyBranchObjects(from: string, to: string, data = true): void {
    for (const map of [this.roles, this.databases, this.contents]) for (const key of [...map.keys()]) if (key.startsWith(`${to}/`)) map.delete(key);
    for (const [key, role] of [...this.roles]) if (key.startsWith(`${from}/`)) this.roles.set(`${to}/${role.name}`, { ...role, branch_id: to });
    for (const [key, db] of [...this.databases]) if (key.startsWith(`${from}/`)) this.databases.set(`${to}/${db.name}`, { ...db, branch_id: to });
    for (const [key, c] of [...this.contents])
      if (key.startsWith(`${from}/`)) this.contents.set(`${to}/${key.slice(from.length + 1)}`, { schema: [...c.schema], rows: data ? c.rows : 0 });
  }

  /** What a test's migrations and inserts did to a database. */
  write(branchId: string, database: string, change: { schema?: string[]; rows?: number }): void {
    const c = this.contents.get(`${branchId}/${database}`) ?? { schema: [], rows: 0 };
    this.contents.set(`${branchId}/${database}`, { schema: [...c.schema, ...(change.schema ?? [])], rows: c.rows + (change.rows ?? 0) });
  }

  private projectOr404(id: string): Json | undefined {
    return this.projects.get(id);
  }

  // ---- handlers, named after the spec's operation ids ----

  createProject(_p: Record<string, string>, b: Json): [number, Json] {
    if (this.requireOrgId && !b.project.org_id) return [400, { code: "", message: "org_id is required" }];
    const refused = this.planRefuses({ retention: b.project.history_retention_seconds ?? 86400 });
    if (refused) return [400, { code: "", message: refused }];
    const id = nextId("proj");
    const project = {
      consumption_period_end: now(),
      consumption_period_start: now(),
      active_time_seconds: 0,
      compute_time_seconds: 0,
      written_data_bytes: 0,
      data_transfer_bytes: 0,
      data_storage_bytes_hour: 0,
      id,
      platform_id: "aws",
      region_id: b.project.region_id ?? "aws-us-east-2",
      name: b.project.name ?? id,
      pg_version: b.project.pg_version ?? 17,
      proxy_host: "neon.tech",
      branch_logical_size_limit: 0,
      branch_logical_size_limit_bytes: 0,
      store_passwords: true,
      cpu_used_sec: 0,
      provisioner: "k8s-neonvm",
      creation_source: "console",
      history_retention_seconds: b.project.history_retention_seconds ?? 86400,
      created_at: now(),
      updated_at: now(),
      owner_id: "owner-1",
      ...(b.project.org_id ? { org_id: b.project.org_id } : {}),
    };
    this.projects.set(id, project);
    // Projects made through the API get a default branch named `main` unless the request names it.
    const branch = this.newBranch(id, { name: b.project.branch?.name ?? "main" }, true);
    const endpoint = this.newEndpoint(id, { branch_id: branch.id, type: "read_write" });
    // Neon names the first database `neondb` and its owner `<database>_owner` unless the request names them.
    const dbName = (b.project.branch?.database_name as string | undefined) ?? "neondb";
    const roleName = (b.project.branch?.role_name as string | undefined) ?? `${dbName}_owner`;
    const role = { branch_id: branch.id, name: roleName, password: "seed-password", created_at: now(), updated_at: now() };
    this.roles.set(`${branch.id}/${roleName}`, role);
    const database = { id: 1, branch_id: branch.id, name: dbName, owner_name: roleName, created_at: now(), updated_at: now() };
    this.databases.set(`${branch.id}/${dbName}`, database);
    const op = this.operation(id, "start_compute", { branch_id: branch.id, endpoint_id: endpoint.id });
    return [201, { project, connection_uris: [], roles: [role], databases: [database], operations: [op], branch, endpoints: [endpoint] }];
  }

  listProjects(p: Record<string, string>): [number, Json] {
    const projects = [...this.projects.values()]
      // Without org_id Neon lists the key owner's personal projects only.
      .filter((x) => (!p.search || (x.name as string).includes(p.search) || x.id === p.search) && (p.org_id ? x.org_id === p.org_id : !x.org_id))
      .map(
        ({
          consumption_period_end: _e,
          consumption_period_start: _s,
          data_storage_bytes_hour: _d,
          data_transfer_bytes: _t,
          written_data_bytes: _w,
          compute_time_seconds: _c,
          active_time_seconds: active,
          ...item
        }) => ({ ...item, active_time: active }),
      );
    return [200, { projects, applications: {}, integrations: {} }];
  }

  getProject(p: Record<string, string>): [number, Json] {
    const project = this.projectOr404(p.project_id);
    return project ? [200, { project }] : [404, { code: "", message: "project not found" }];
  }

  updateProject(p: Record<string, string>, body: Json): [number, Json] {
    const project = this.projectOr404(p.project_id);
    if (!project) return [404, { code: "", message: "project not found" }];
    const refused = this.planRefuses({ retention: body.project.history_retention_seconds });
    if (refused) return [400, { code: "", message: refused }];
    Object.assign(project, body.project, { updated_at: now() });
    return [200, { project, operations: [] }];
  }

  deleteProject(p: Record<string, string>): [number, Json] {
    const project = this.projectOr404(p.project_id);
    if (!project) return [404, { code: "", message: "project not found" }];
    this.projects.delete(p.project_id);
    return [200, { project }];
  }

  getProjectOperation(p: Record<string, string>): [number, Json] {
    const op = this.operations.get(p.operation_id);
    if (!op) return [404, { code: "", message: "operation not found" }];
    // Neon retries an operation in error: it runs again.
    if (op.status === "error") {
      op.status = "running";
      op.failures_count = Number(op.failures_count) + 1;
    } else if (op.status === "failed" || op.status === "cancelled") {
      // final
    } else if (this.age(op) !== "finished") {
      // scheduling → running → finished, one step per poll once the polls it takes are used up.
      if (op.pollsLeft > 0) op.pollsLeft--;
      else op.status = op.status === "scheduling" ? "running" : "finished";
      if (op.status === "scheduling" && op.pollsLeft === 0) op.status = "running";
    }
    const { pollsLeft: _polls, ...operation } = op;
    return [200, { operation }];
  }

  private branchesOf(p: Record<string, string>): Json[] {
    return [...this.branches.values()].filter(
      (b) => b.project_id === p.project_id && (!p.search || (b.name as string).includes(p.search) || b.id === p.search),
    );
  }

  listProjectBranches(p: Record<string, string>): [number, Json] {
    if (!this.projects.has(p.project_id)) return [404, { code: "", message: "project not found" }];
    // Newest first, one page at a time, as Neon lists them: the default branch is often on the last page.
    const all = this.branchesOf(p).sort((a, b) => String(b.updated_at).localeCompare(String(a.updated_at)) || String(b.id).localeCompare(String(a.id)));
    const from = p.cursor ? Number(Buffer.from(p.cursor, "base64url").toString()) : 0;
    const limit = p.limit ? Number(p.limit) : DEFAULT_PAGE;
    const page = all.slice(from, from + limit);
    const next = from + limit < all.length ? Buffer.from(String(from + limit)).toString("base64url") : undefined;
    return [200, { branches: page, annotations: {}, pagination: next ? { next } : {} }];
  }

  countProjectBranches(p: Record<string, string>): [number, Json] {
    if (!this.projects.has(p.project_id)) return [404, { code: "", message: "project not found" }];
    return [200, { count: this.branchesOf(p).length }];
  }

  createProjectBranch(p: Record<string, string>, body: Json): [number, Json] {
    if (!this.projects.has(p.project_id)) return [404, { code: "", message: "project not found" }];
    const parent = body.branch?.parent_id ?? [...this.branches.values()].find((b) => b.project_id === p.project_id && b.default)?.id;
    if (!this.branches.has(parent as string)) return [404, { code: "", message: "parent branch not found" }];
    const name = body.branch?.name as string | undefined;
    if (name && [...this.branches.values()].some((b) => b.project_id === p.project_id && b.name === name))
      return [409, { code: "", message: `branch with name "${name}" already exists` }];
    const refused = this.planRefuses({ protected: body.branch?.protected }) ?? this.expiryRefused(body.branch?.expires_at, Boolean(body.branch?.protected));
    if (refused) return [400, { code: "", message: refused }];
    const cap = PLAN[this.plan].maxBranches;
    if (this.branchesOf({ project_id: p.project_id }).length >= cap)
      return [422, { code: "", message: `branches limit exceeded: the ${this.plan} plan allows ${cap} branches per project` }];
    const init = (body.branch?.init_source as string | undefined) ?? "parent-data";
    if (init !== "parent-data" && init !== "schema-only") return [400, { code: "", message: `init_source must be schema-only or parent-data, got ${init}` }];
    const roots = this.branchesOf({ project_id: p.project_id }).filter((b) => !b.parent_id).length;
    const rootCap = PLAN[this.plan].maxRootBranches;
    if (init === "schema-only" && roots >= rootCap)
      return [422, { code: "", message: `root branches limit exceeded: the ${this.plan} plan allows ${rootCap} root branches per project` }];
    // A schema-only branch is a root branch: the source gives its schema, not a parent.
    const branch = this.newBranch(p.project_id, { ...body.branch, parent_id: init === "schema-only" ? undefined : parent }, false);
    branch.init_source = init;
    this.copyBranchObjects(parent as string, branch.id, init === "parent-data");
    const op = this.operation(p.project_id, "create_branch", { branch_id: branch.id });
    return [201, { branch, endpoints: [], operations: [op], roles: [], databases: [] }];
  }

  getProjectBranch(p: Record<string, string>): [number, Json] {
    const branch = this.branches.get(p.branch_id);
    return branch ? [200, { branch, annotation: { object: { type: "branch", id: branch.id }, value: {} } }] : [404, { code: "", message: "branch not found" }];
  }

  updateProjectBranch(p: Record<string, string>, body: Json): [number, Json] {
    const branch = this.branches.get(p.branch_id);
    if (!branch) return [404, { code: "", message: "branch not found" }];
    const b = body.branch as Json;
    if (b.name && b.name !== branch.name && [...this.branches.values()].some((x) => x.project_id === branch.project_id && x.name === b.name)) {
      return [409, { code: "", message: `branch with name "${b.name as string}" already exists` }];
    }
    const willProtect = (b.protected ?? branch.protected) as boolean;
    const refused =
      this.planRefuses({ protected: b.protected }) ??
      this.expiryRefused(b.expires_at === undefined ? undefined : b.expires_at, willProtect) ??
      (willProtect && b.expires_at === undefined && branch.expires_at ? "a protected branch cannot have an expiration" : undefined);
    if (refused) return [400, { code: "", message: refused }];
    for (const [k, v] of Object.entries(b)) {
      if (v === null) delete branch[k];
      else branch[k] = k === "expires_at" ? new Date(Date.parse(v as string)).toISOString().replace(/\.\d{3}Z$/, "Z") : v;
    }
    branch.updated_at = now();
    return [200, { branch, operations: [] }];
  }

  deleteProjectBranch(p: Record<string, string>): [number, Json] {
    const branch = this.branches.get(p.branch_id);
    if (!branch) return [404, { code: "", message: "branch not found" }];
    if (branch.protected) return [422, { code: "", message: "protected branch cannot be deleted" }];
    if (branch.default) return [422, { code: "", message: "the default branch cannot be deleted" }];
    if ([...this.branches.values()].some((b) => b.parent_id === branch.id)) return [422, { code: "", message: "branch has children and cannot be deleted" }];
    this.branches.delete(p.branch_id);
    for (const [id, e] of [...this.endpoints]) if (e.branch_id === branch.id) this.endpoints.delete(id);
    return [200, { branch, operations: [this.operation(p.project_id, "delete_timeline", { branch_id: branch.id })] }];
  }

  restoreProjectBranch(p: Record<string, string>, body: Json): [number, Json] {
    const branch = this.branches.get(p.branch_id);
    const source = this.branches.get(body.source_branch_id as string);
    if (!branch || branch.project_id !== p.project_id) return [404, { code: "", message: "branch not found" }];
    if (!source || source.project_id !== p.project_id) return [404, { code: "", message: "source branch not found" }];
    const self = source.id === branch.id;
    if (self && !body.source_timestamp && !body.source_lsn)
      return [400, { code: "", message: "restoring a branch from itself needs source_timestamp or source_lsn" }];
    const hasChildren = [...this.branches.values()].some((b) => b.parent_id === branch.id);
    if ((self || hasChildren) && !body.preserve_under_name)
      return [400, { code: "", message: "preserve_under_name is required when the branch has children or restores from itself" }];
    if (branch.protected) return [422, { code: "", message: "protected branch cannot be restored" }];
    // Everything the branch holds is replaced by the source's: roles and databases are in the data.
    if (!self) this.copyBranchObjects(source.id, branch.id);
    branch.last_reset_at = now();
    branch.updated_at = now();
    return [200, { branch, operations: [this.operation(p.project_id, "create_timeline", { branch_id: branch.id })] }];
  }

  getProjectBranchSchemaComparison(p: Record<string, string>): [number, Json] {
    const branch = this.branches.get(p.branch_id);
    if (!branch || branch.project_id !== p.project_id) return [404, { code: "", message: "branch not found" }];
    const baseId = p.base_branch_id ?? (branch.parent_id as string | undefined);
    if (!baseId || !this.branches.has(baseId)) return [400, { code: "", message: "base_branch_id is required for a branch without a parent" }];
    const schemaOf = (id: string) => {
      if (!this.databases.has(`${id}/${p.db_name}`)) return undefined;
      return this.contents.get(`${id}/${p.db_name}`)?.schema ?? [];
    };
    const [base, mine] = [schemaOf(baseId), schemaOf(branch.id)];
    if (base === undefined || mine === undefined) return [404, { code: "", message: `database ${p.db_name} not found` }];
    const removed = base.filter((l) => !mine.includes(l)).map((l) => `-${l}`);
    const added = mine.filter((l) => !base.includes(l)).map((l) => `+${l}`);
    const diff = removed.length + added.length === 0 ? "" : [`--- a/${p.db_name}`, `+++ b/${p.db_name}`, ...removed, ...added].join("\n");
    return [200, { diff }];
  }

  listProjectBranchEndpoints(p: Record<string, string>): [number, Json] {
    return [200, { endpoints: [...this.endpoints.values()].filter((e) => e.branch_id === p.branch_id) }];
  }

  createProjectEndpoint(p: Record<string, string>, body: Json): [number, Json] {
    const e = body.endpoint as Json;
    if (!this.branches.has(e.branch_id as string)) return [404, { code: "", message: "branch not found" }];
    const refused = this.planRefuses({ minCu: e.autoscaling_limit_min_cu, maxCu: e.autoscaling_limit_max_cu, suspend: e.suspend_timeout_seconds });
    if (refused) return [400, { code: "", message: refused }];
    if ([...this.endpoints.values()].some((x) => x.branch_id === e.branch_id && x.type === "read_write"))
      return [409, { code: "", message: "read_write endpoint already exists" }];
    const endpoint = this.newEndpoint(p.project_id, e);
    return [201, { endpoint, operations: [this.operation(p.project_id, "start_compute", { branch_id: e.branch_id, endpoint_id: endpoint.id })] }];
  }

  getProjectEndpoint(p: Record<string, string>): [number, Json] {
    const endpoint = this.endpoints.get(p.endpoint_id);
    return endpoint ? [200, { endpoint }] : [404, { code: "", message: "endpoint not found" }];
  }

  updateProjectEndpoint(p: Record<string, string>, body: Json): [number, Json] {
    const endpoint = this.endpoints.get(p.endpoint_id);
    if (!endpoint) return [404, { code: "", message: "endpoint not found" }];
    const e = body.endpoint as Json;
    const refused = this.planRefuses({ minCu: e.autoscaling_limit_min_cu, maxCu: e.autoscaling_limit_max_cu, suspend: e.suspend_timeout_seconds });
    if (refused) return [400, { code: "", message: refused }];
    Object.assign(endpoint, e, { updated_at: now() });
    return [200, { endpoint, operations: [this.operation(p.project_id, "apply_config", { endpoint_id: endpoint.id })] }];
  }

  deleteProjectEndpoint(p: Record<string, string>): [number, Json] {
    const endpoint = this.endpoints.get(p.endpoint_id);
    if (!endpoint) return [404, { code: "", message: "endpoint not found" }];
    this.endpoints.delete(p.endpoint_id);
    return [200, { endpoint, operations: [] }];
  }

  getProjectBranchRole(p: Record<string, string>): [number, Json] {
    const role = this.roles.get(`${p.branch_id}/${p.role_name}`);
    if (!role) return [404, { code: "", message: "role not found" }];
    const { password: _pw, ...visible } = role;
    return [200, { role: visible }];
  }

  createProjectBranchRole(p: Record<string, string>, body: Json): [number, Json] {
    const key = `${p.branch_id}/${body.role.name}`;
    if (this.roles.has(key)) return [409, { code: "", message: "role already exists" }];
    const role = { branch_id: p.branch_id, name: body.role.name, password: `pw-${nextId("secret")}`, created_at: now(), updated_at: now() };
    this.roles.set(key, role);
    return [201, { role, operations: [this.operation(p.project_id, "apply_config", { branch_id: p.branch_id })] }];
  }

  resetProjectBranchRolePassword(p: Record<string, string>): [number, Json] {
    const role = this.roles.get(`${p.branch_id}/${p.role_name}`);
    if (!role) return [404, { code: "", message: "role not found" }];
    role.password = `pw-${nextId("reset")}`;
    return [200, { role, operations: [this.operation(p.project_id, "apply_config", { branch_id: p.branch_id })] }];
  }

  deleteProjectBranchRole(p: Record<string, string>): [number, Json] {
    const role = this.roles.get(`${p.branch_id}/${p.role_name}`);
    if (!role) return [404, { code: "", message: "role not found" }];
    this.roles.delete(`${p.branch_id}/${p.role_name}`);
    return [200, { role, operations: [] }];
  }

  getProjectBranchDatabase(p: Record<string, string>): [number, Json] {
    const database = this.databases.get(`${p.branch_id}/${p.database_name}`);
    return database ? [200, { database }] : [404, { code: "", message: "database not found" }];
  }

  createProjectBranchDatabase(p: Record<string, string>, body: Json): [number, Json] {
    const key = `${p.branch_id}/${body.database.name}`;
    if (this.databases.has(key)) return [409, { code: "", message: "database already exists" }];
    const database = {
      id: ++seq,
      branch_id: p.branch_id,
      name: body.database.name,
      owner_name: body.database.owner_name,
      created_at: now(),
      updated_at: now(),
    };
    this.databases.set(key, database);
    return [201, { database, operations: [this.operation(p.project_id, "apply_config", { branch_id: p.branch_id })] }];
  }

  updateProjectBranchDatabase(p: Record<string, string>, body: Json): [number, Json] {
    const database = this.databases.get(`${p.branch_id}/${p.database_name}`);
    if (!database) return [404, { code: "", message: "database not found" }];
    const rename = body.database.name as string | undefined;
    if (rename && rename !== database.name) {
      if (this.databases.has(`${p.branch_id}/${rename}`)) return [409, { code: "", message: "database already exists" }];
      this.databases.delete(`${p.branch_id}/${database.name as string}`);
      this.databases.set(`${p.branch_id}/${rename}`, database);
    }
    Object.assign(database, body.database, { updated_at: now() });
    return [200, { database, operations: [this.operation(p.project_id, "apply_config", { branch_id: p.branch_id })] }];
  }

  deleteProjectBranchDatabase(p: Record<string, string>): [number, Json] {
    const database = this.databases.get(`${p.branch_id}/${p.database_name}`);
    if (!database) return [404, { code: "", message: "database not found" }];
    this.databases.delete(`${p.branch_id}/${p.database_name}`);
    return [200, { database, operations: [] }];
  }
}
