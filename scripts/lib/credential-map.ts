/**
 * The credential map: for every workflow job, the refs it can run on, its environment,
 * every credential it holds (secrets and OIDC identities) and everything those reach,
 * transitively through the stacks they can read. Built from the workflows as committed and
 * the environment contracts (stacks/access.ts) of the committed stacks; the README's table
 * is generated from it and the tests hold it against the rule that a pull request reaches
 * only what previews own.
 */
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { ACCESS_ORDER, AccessModel, Credential, PREVIEWS, environmentContracts, EnvironmentContract, Grant, reachOf, workflowToken } from "../../stacks/access";
import { projectConfigOf, readProjectFiles } from "../../stacks/files";
import { accessModel } from "../../stacks/views";
import { deliveryPlan, planOutputs } from "./environments";

type Job = {
  name?: string;
  if?: string;
  permissions?: Record<string, string>;
  environment?: string | { name: string };
  strategy?: { matrix?: { include?: Record<string, unknown>[] | string } };
  uses?: string;
  with?: Record<string, unknown>;
  secrets?: Record<string, string> | string;
  steps?: { env?: Record<string, string>; with?: Record<string, unknown> }[];
  env?: Record<string, string>;
};
export type Workflow = { on: Record<string, unknown>; jobs: Record<string, Job> };

/** One job (one matrix entry) and what it can reach. */
export interface JobAccess {
  workflow: string;
  job: string;
  /** Events that start it. */
  triggers: string[];
  environment?: string;
  /** Secret names it reads. */
  secrets: string[];
  /** Its environment's credentials it uses (secrets it reads, and the environment's OIDC identities). */
  credentials: Credential[];
  /** Everything reachable, transitively. */
  reach: Grant[];
}

/** Secret names a job reads (`secrets.NAME` anywhere in its env, steps' env and inputs). */
export function secretsOf(job: Pick<Job, "env" | "steps">): string[] {
  const text = JSON.stringify([job.env, (job.steps ?? []).map((s) => [s.env, s.with])]);
  return [...new Set([...text.matchAll(/secrets\.([A-Z0-9_]+)/g)].map((m) => m[1]))].sort();
}

/**
 * What the expressions an environment name can be built from may evaluate to: the delivery
 * plan's outputs (`needs.environments.outputs.KEY`: the job that runs `npm run environments`
 * is called `environments` in every workflow), a called workflow's inputs (every value
 * its callers pass) and the job's matrix entries.
 */
export interface Scope {
  outputs?: Record<string, unknown>;
  inputs?: (name: string) => string[];
  matrix?: Record<string, unknown>[];
}

const outputOf = (scope: Scope, key: string): unknown => {
  if (!scope.outputs || !(key in scope.outputs))
    throw new Error(`needs.environments.outputs.${key}: not an output of the delivery plan (npm run environments)`);
  return scope.outputs[key];
};

/** Every value an expression (a literal, or one `${{ … }}` of the forms the workflows use) can take. Throws on any other form, so a new one is taught here rather than missed. */
export function valuesOf(expr: string, scope: Scope): string[] {
  const m = /^\$\{\{\s*(.+?)\s*\}\}$/.exec(expr.trim());
  if (!m) {
    if (expr.includes("${{")) throw new Error(`cannot tell what ${JSON.stringify(expr)} evaluates to`);
    return [expr];
  }
  const e = m[1];
  let x: RegExpExecArray | null;
  if ((x = /^matrix\.([\w-]+)$/.exec(e))) return [...new Set((scope.matrix ?? []).map((entry) => String(entry[x![1]])))];
  if ((x = /^inputs\.([\w-]+)$/.exec(e))) return scope.inputs ? scope.inputs(x[1]) : [];
  if ((x = /^fromJSON\(needs\.environments\.outputs\.(\w+)\)\.(\w+)$/.exec(e))) return [String((outputOf(scope, x[1]) as Record<string, unknown>)[x[2]])];
  throw new Error(`cannot tell what \${{ ${e} }} evaluates to`);
}

/** A job's matrix entries: a literal list, or every entry of every plan output its expression names. */
export function matrixOf(job: Pick<Job, "strategy">, scope: Scope): Record<string, unknown>[] | undefined {
  const include = job.strategy?.matrix?.include;
  if (include === undefined) return undefined;
  if (Array.isArray(include)) return include;
  const keys = [...include.matchAll(/needs\.environments\.outputs\.(\w+)/g)].map((k) => k[1]);
  if (keys.length === 0) throw new Error(`cannot tell what matrix ${JSON.stringify(include)} holds`);
  const entries = keys.flatMap((k) => outputOf(scope, k) as Record<string, unknown>[]);
  return [...new Map(entries.map((e) => [JSON.stringify(e), e])).values()];
}

/** The environments a job runs in (a matrix job or a called workflow's: one per value it can take). */
export function environmentsOf(job: Pick<Job, "environment" | "strategy">, scope: Scope = {}): string[] {
  const env = typeof job.environment === "string" ? job.environment : job.environment?.name;
  if (!env) return [];
  return valuesOf(env, { ...scope, matrix: matrixOf(job, scope) });
}

/** The workflows committed under `.github/workflows`, by file name. */
export function readWorkflows(root: string): Record<string, Workflow> {
  const dir = path.join(root, ".github", "workflows");
  return Object.fromEntries(
    fs
      .readdirSync(dir)
      .filter((f) => f.endsWith(".yml"))
      .sort()
      .map((f) => [f, yaml.load(fs.readFileSync(path.join(dir, f), "utf8")) as Workflow]),
  );
}

/** Each job that calls a workflow of this repository, by the file it calls. */
export function callersOf(workflows: Record<string, Workflow>): Map<string, { file: string; id: string; job: Job }[]> {
  const out = new Map<string, { file: string; id: string; job: Job }[]>();
  for (const [file, w] of Object.entries(workflows)) {
    for (const [id, job] of Object.entries(w.jobs)) {
      const called = job.uses?.match(/^\.\/\.github\/workflows\/(.+)$/)?.[1];
      if (called) out.set(called, [...(out.get(called) ?? []), { file, id, job }]);
    }
  }
  return out;
}

/** The secure (encrypted) keys committed in each stack file. */
export function secureKeys(root: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const f of fs.readdirSync(root).filter((n) => /^Pulumi\.[^.]+\.yaml$/.test(n))) {
    const doc = yaml.load(fs.readFileSync(path.join(root, f), "utf8")) as { config?: Record<string, unknown> } | undefined;
    const stack = f.slice("Pulumi.".length, -".yaml".length);
    out[stack] = Object.entries(doc?.config ?? {})
      .filter(([, v]) => v !== null && typeof v === "object" && ("secure" in v || JSON.stringify(v).includes('"secure"')))
      .map(([k]) => k);
  }
  return out;
}

/** The access model and contracts of the committed stacks in `root`. */
export function committedContracts(root: string, project = "nextjs-infra"): { model: AccessModel; contracts: EnvironmentContract[] } {
  const projectConfig = projectConfigOf(root, project);
  const { siblings } = readProjectFiles(root, project, "");
  const model = accessModel(project, projectConfig, siblings);
  return { model, contracts: environmentContracts(model) };
}

/**
 * Every job's access, in every environment it can run in: environments named by the delivery
 * plan of the committed stack files are resolved through it, and a workflow another calls
 * (`workflow_call`) takes its callers' triggers and inputs, transitively.
 */
export function credentialMap(root: string, project = "nextjs-infra"): JobAccess[] {
  const { model, contracts } = committedContracts(root, project);
  const workflows = readWorkflows(root);
  const callers = callersOf(workflows);
  const outputs = planOutputs(deliveryPlan(root, project));

  const triggersOf = (file: string, seen: string[] = []): string[] => {
    if (seen.includes(file)) throw new Error(`workflows call each other in a loop: ${[...seen, file].join(" → ")}`);
    return [
      ...new Set(
        Object.keys(workflows[file].on).flatMap((t) =>
          t !== "workflow_call"
            ? [t]
            : (callers.get(file) ?? []).flatMap((c) => {
                // The calling job's condition narrows the events it runs on (`github.event_name == 'push'`).
                const named = [...(c.job.if ?? "").matchAll(/github\.event_name == '(\w+)'/g)].map((x) => x[1]);
                return triggersOf(c.file, [...seen, file]).filter((e) => named.length === 0 || named.includes(e));
              }),
        ),
      ),
    ].sort();
  };
  const scopeOf = (file: string, seen: string[] = []): Scope => ({
    outputs,
    // An input takes every value any caller passes it, in each of the caller's matrix entries.
    inputs: (name) =>
      [
        ...new Set(
          (callers.get(file) ?? []).flatMap((c) => {
            const value = c.job.with?.[name];
            if (value === undefined) return [];
            if (typeof value !== "string") return [JSON.stringify(value)];
            const scope = scopeOf(c.file, [...seen, file]);
            const entries = matrixOf(c.job, scope);
            return (entries ?? [undefined]).flatMap((entry) => valuesOf(value, { ...scope, matrix: entry ? [entry] : undefined }));
          }),
        ),
      ].sort(),
  });

  const secure = secureKeys(root);
  const out: JobAccess[] = [];
  for (const [file, w] of Object.entries(workflows)) {
    const triggers = triggersOf(file);
    const scope = scopeOf(file);
    for (const [id, job] of Object.entries(w.jobs)) {
      if (job.uses) continue;
      const secrets = secretsOf(job);
      const envs = environmentsOf(job, scope);
      // A matrix over no environments (no second dev-profile stack, say) never runs.
      if (job.environment !== undefined && envs.length === 0) continue;
      const writes = Object.entries(job.permissions ?? {})
        .filter(([p, a]) => a === "write" && p !== "id-token")
        .map(([p]) => p);
      for (const environment of envs.length > 0 ? envs : [undefined]) {
        const contract = contracts.find((c) => c.name === environment);
        const used = (contract?.credentials ?? []).filter((c) => c.kind === "oidc" || secrets.includes(c.name));
        const credentials = [...used, workflowToken(model, writes)];
        const reach = reachOf(contracts, credentials, (stack) => secure[stack] ?? []);
        out.push({
          workflow: file.replace(/\.yml$/, ""),
          job: envs.length > 1 ? `${id} (${environment})` : id,
          triggers,
          environment,
          secrets,
          credentials,
          reach,
        });
      }
    }
  }
  return out;
}

/** The strongest access per owner, e.g. `dev: write`. */
export function ownersOf(grants: Grant[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const g of grants) {
    for (const o of g.owners) if (!out[o] || ACCESS_ORDER.indexOf(g.access) > ACCESS_ORDER.indexOf(out[o] as Grant["access"])) out[o] = g.access;
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

/** Per owner, each access level with the services that give it: `prod: read (pulumi, kubernetes), write (neon)`. */
export function describeReach(grants: Grant[]): string {
  const byOwner = new Map<string, Map<string, Set<string>>>();
  for (const g of grants) {
    for (const o of g.owners) {
      const levels = byOwner.get(o) ?? new Map<string, Set<string>>();
      levels.set(g.access, (levels.get(g.access) ?? new Set<string>()).add(g.service));
      byOwner.set(o, levels);
    }
  }
  return [...byOwner.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([o, levels]) => {
      // A service is named once, at the strongest access it gives.
      const stronger = (a: Grant["access"]) => ACCESS_ORDER.slice(ACCESS_ORDER.indexOf(a) + 1).flatMap((h) => [...(levels.get(h) ?? [])]);
      const parts = ACCESS_ORDER.map((a) => [a, [...(levels.get(a) ?? [])].filter((svc) => !stronger(a).includes(svc)).sort()] as const).filter(
        ([, svcs]) => svcs.length > 0,
      );
      return `${o}: ${parts.map(([a, svcs]) => `${a} (${svcs.join(", ")})`).join(", ")}`;
    })
    .join("; ");
}

const RUNS_ON: Record<string, string> = {
  pull_request: "pull requests",
  push: "main",
  schedule: "main (schedule)",
  workflow_dispatch: "by hand",
};

/** The README's table: one row per job. */
export function credentialTable(map: JobAccess[], contracts: EnvironmentContract[]): string {
  const rows = ["| job | runs on | environment | credentials | reaches (owner: access (through)) |", "|---|---|---|---|---|"];
  for (const j of map) {
    const contract = contracts.find((c) => c.name === j.environment);
    const env = contract ? `\`${contract.name}\` (${contract.branches === "main" ? "main only" : "any branch"}${contract.reviewed ? ", reviewed" : ""})` : "—";
    const creds = j.credentials.map((c) => `\`${c.name}\``).join(", ");
    const reach = describeReach(j.reach);
    rows.push(
      `| \`${j.workflow} ${j.job}\` | ${j.triggers.map((t) => RUNS_ON[t] ?? t).join(", ")} | ${env} | ${creds} | ${reach || "nothing beyond its own branch"} |`,
    );
  }
  return rows.join("\n");
}

/** The environments' table: each credential, what it must be, what it reaches. */
export function environmentTable(contracts: EnvironmentContract[]): string {
  const rows = ["| environment | who may use it | credential | what it must be |", "|---|---|---|---|"];
  for (const c of contracts) {
    const who = `${c.branches === "main" ? "main only" : "any branch"}${c.reviewed ? ", a reviewer approves (admins cannot bypass)" : ""}`;
    for (const cred of c.credentials)
      rows.push(
        `| \`${c.name}\` | ${who} | \`${cred.name}\`${cred.kind === "oidc" ? " (OIDC, nothing stored)" : cred.optional ? ` (${cred.optional})` : ""} | ${cred.is} |`,
      );
  }
  return rows.join("\n");
}

/**
 * What each environment's cloud identity (or, on any cluster, its kubeconfig and registry
 * token) must be allowed, and the OIDC subject a cloud trusts it by: the table a platform
 * team follows to create the identities.
 */
export function identityTable(model: AccessModel, contracts: EnvironmentContract[]): string {
  const rows = ["| environment | OIDC subject its jobs present | identity (setting) | must be allowed to, and nothing more |", "|---|---|---|---|"];
  for (const c of contracts.filter((x) => x.stack !== "github")) {
    const preview = c.stack === PREVIEWS;
    const key = preview
      ? "`cloud.deployIdentity` in `Pulumi.yaml`"
      : `\`cloud.${c.name.endsWith("-read") ? "readIdentity" : "deployIdentity"}\` in \`Pulumi.${c.stack}.yaml\``;
    // Previews reach the cluster as their pull request (the API server's own OIDC), never through the cloud.
    const grants = c.credentials.flatMap((x) => x.grants).filter((g) => (g.service === "registry" || g.service === "kubernetes") && !preview);
    const may = preview
      ? [`push to ${model.images.previewRepository ?? "?"} (on any cluster the job's own token does it)`]
      : grants.map((g) =>
          g.service === "registry" ? `push to ${g.resource.replace(/^repository /, "")}` : `${g.access === "write" ? "deploy into" : "read"} ${g.resource}`,
        );
    rows.push(`| \`${c.name}\` | \`repo:${model.repository}:environment:${c.name}\` | ${key} | ${may.join("; ") || "—"} |`);
  }
  return rows.join("\n");
}
