/**
 * A fake of the Neon API on loopback for the provider contract tests. Every request is
 * matched against the OpenAPI spec shipped in @neondatabase/api-client and its body
 * validated against the spec's schema; every response the fake sends is validated too,
 * so the fake cannot drift from the real API's shapes. Operations take a configurable
 * number of polls to finish, and faults can be scripted per operation id.
 */
import * as fs from "fs";
import * as http from "http";
import { AddressInfo } from "net";
import * as yaml from "js-yaml";
import Ajv, { ValidateFunction } from "ajv";

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
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
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
  return routes;
}

let cachedRoutes: Route[] | undefined;
const now = () => new Date().toISOString();
let seq = 0;
const nextId = (prefix: string) => `${prefix}-${(++seq).toString(36).padStart(6, "0")}`;

/** The fake server and its state, which tests read and change directly. */
export class FakeNeon {
  readonly projects = new Map<string, Json>();
  readonly branches = new Map<string, Json>();
  readonly endpoints = new Map<string, Json>();
  readonly roles = new Map<string, Json>(); // key: branchId/name
  readonly databases = new Map<string, Json>(); // key: branchId/name
  readonly operations = new Map<string, Json & { pollsLeft: number }>();
  /** Every request: operation id and status sent. */
  readonly log: { operationId: string; status: number }[] = [];
  /** Polls an operation takes before it finishes. */
  pollsPerOperation = 2;
  /** Problems found in requests or in the fake's own responses; tests assert it stays empty. */
  readonly violations: string[] = [];
  readonly apiKey = "neon-test-key-7c1e";
  private readonly faults = new Map<string, number[]>();
  private server?: http.Server;
  private readonly routes = (cachedRoutes ??= loadRoutes());

  /** Makes the next requests to `operationId` answer these statuses, in order, before working normally. */
  fail(operationId: string, ...statuses: number[]): void {
    this.faults.set(operationId, [...(this.faults.get(operationId) ?? []), ...statuses]);
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

  /** Seeds a project with its default branch and endpoint, as Neon creates them. */
  seedProject(name = "acme"): { projectId: string; branchId: string; endpointId: string } {
    const [, body] = this.createProject({}, { project: { name, region_id: "aws-eu-central-1", pg_version: 17 } });
    for (const op of body.operations as Json[]) this.operations.get(op.id as string)!.pollsLeft = 0;
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
    const fault = this.faults.get(route.operationId)?.shift();
    if (fault !== undefined) return send(fault, { code: "", message: `scripted ${fault}` });

    const body = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString("utf8")) as Json) : {};
    if (route.request && !route.request(body)) {
      this.violations.push(`${route.operationId} request: ${JSON.stringify(route.request.errors)}`);
      return send(400, { code: "", message: `request does not match the spec: ${JSON.stringify(route.request.errors)}` });
    }
    const params = Object.fromEntries(route.params.map((name, i) => [name, decodeURIComponent(route.pattern.exec(path)![i + 1])]));
    const handler = (this as unknown as Record<string, Handler | undefined>)[route.operationId];
    if (typeof handler !== "function") return send(501, { message: `the fake does not implement ${route.operationId}` });
    const [status, out] = handler.call(this, { ...params, ...Object.fromEntries(url.searchParams) }, body);
    const check = route.responses.get(status);
    if (check && !check(out)) this.violations.push(`${route.operationId} response ${status}: ${JSON.stringify(check.errors)}`);
    send(status, out);
  }

  // ---- objects as the spec describes them ----

  private operation(projectId: string, action: string, ids: { branch_id?: string; endpoint_id?: string }): Json {
    const op = { id: nextId("op"), project_id: projectId, ...ids, action, status: "running", failures_count: 0, created_at: now(), updated_at: now(), total_duration_ms: 0 };
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
      ...(b.expires_at ? { expires_at: b.expires_at } : {}),
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

  private copyBranchObjects(from: string, to: string): void {
    for (const [key, role] of [...this.roles]) if (key.startsWith(`${from}/`)) this.roles.set(`${to}/${role.name}`, { ...role, branch_id: to });
    for (const [key, db] of [...this.databases]) if (key.startsWith(`${from}/`)) this.databases.set(`${to}/${db.name}`, { ...db, branch_id: to });
  }

  private projectOr404(id: string): Json | undefined {
    return this.projects.get(id);
  }

  // ---- handlers, named after the spec's operation ids ----

  createProject(_p: Record<string, string>, b: Json): [number, Json] {
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
    };
    this.projects.set(id, project);
    const branch = this.newBranch(id, { name: "main" }, true);
    const endpoint = this.newEndpoint(id, { branch_id: branch.id, type: "read_write" });
    const role = { branch_id: branch.id, name: "neondb_owner", password: "seed-password", created_at: now(), updated_at: now() };
    this.roles.set(`${branch.id}/neondb_owner`, role);
    const database = { id: 1, branch_id: branch.id, name: "neondb", owner_name: "neondb_owner", created_at: now(), updated_at: now() };
    this.databases.set(`${branch.id}/neondb`, database);
    const op = this.operation(id, "start_compute", { branch_id: branch.id, endpoint_id: endpoint.id });
    return [201, { project, connection_uris: [], roles: [role], databases: [database], operations: [op], branch, endpoints: [endpoint] }];
  }

  getProject(p: Record<string, string>): [number, Json] {
    const project = this.projectOr404(p.project_id);
    return project ? [200, { project }] : [404, { code: "", message: "project not found" }];
  }

  updateProject(p: Record<string, string>, body: Json): [number, Json] {
    const project = this.projectOr404(p.project_id);
    if (!project) return [404, { code: "", message: "project not found" }];
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
    if (op.status === "running") {
      if (op.pollsLeft <= 0) op.status = "finished";
      else op.pollsLeft--;
    }
    const { pollsLeft: _polls, ...operation } = op;
    return [200, { operation }];
  }

  listProjectBranches(p: Record<string, string>): [number, Json] {
    if (!this.projects.has(p.project_id)) return [404, { code: "", message: "project not found" }];
    const branches = [...this.branches.values()].filter((b) => b.project_id === p.project_id && (!p.search || (b.name as string).includes(p.search)));
    return [200, { branches, annotations: {}, pagination: {} }];
  }

  createProjectBranch(p: Record<string, string>, body: Json): [number, Json] {
    if (!this.projects.has(p.project_id)) return [404, { code: "", message: "project not found" }];
    const parent = body.branch?.parent_id ?? [...this.branches.values()].find((b) => b.project_id === p.project_id && b.default)?.id;
    if (!this.branches.has(parent as string)) return [404, { code: "", message: "parent branch not found" }];
    const branch = this.newBranch(p.project_id, { ...body.branch, parent_id: parent }, false);
    this.copyBranchObjects(parent as string, branch.id);
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
    for (const [k, v] of Object.entries(body.branch as Json)) {
      if (v === null) delete branch[k];
      else branch[k] = v;
    }
    branch.updated_at = now();
    return [200, { branch, operations: [] }];
  }

  deleteProjectBranch(p: Record<string, string>): [number, Json] {
    const branch = this.branches.get(p.branch_id);
    if (!branch) return [404, { code: "", message: "branch not found" }];
    if (branch.protected) return [422, { code: "", message: "protected branch cannot be deleted" }];
    this.branches.delete(p.branch_id);
    return [200, { branch, operations: [this.operation(p.project_id, "delete_timeline", { branch_id: branch.id })] }];
  }

  listProjectBranchEndpoints(p: Record<string, string>): [number, Json] {
    return [200, { endpoints: [...this.endpoints.values()].filter((e) => e.branch_id === p.branch_id) }];
  }

  createProjectEndpoint(p: Record<string, string>, body: Json): [number, Json] {
    const e = body.endpoint as Json;
    if (!this.branches.has(e.branch_id as string)) return [404, { code: "", message: "branch not found" }];
    if ([...this.endpoints.values()].some((x) => x.branch_id === e.branch_id && x.type === "read_write")) return [409, { code: "", message: "read_write endpoint already exists" }];
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
    Object.assign(endpoint, body.endpoint, { updated_at: now() });
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
    const database = { id: ++seq, branch_id: p.branch_id, name: body.database.name, owner_name: body.database.owner_name, created_at: now(), updated_at: now() };
    this.databases.set(key, database);
    return [201, { database, operations: [this.operation(p.project_id, "apply_config", { branch_id: p.branch_id })] }];
  }

  updateProjectBranchDatabase(p: Record<string, string>, body: Json): [number, Json] {
    const database = this.databases.get(`${p.branch_id}/${p.database_name}`);
    if (!database) return [404, { code: "", message: "database not found" }];
    Object.assign(database, body.database, { updated_at: now() });
    return [200, { database, operations: [] }];
  }

  deleteProjectBranchDatabase(p: Record<string, string>): [number, Json] {
    const database = this.databases.get(`${p.branch_id}/${p.database_name}`);
    if (!database) return [404, { code: "", message: "database not found" }];
    this.databases.delete(`${p.branch_id}/${p.database_name}`);
    return [200, { database, operations: [] }];
  }
}
