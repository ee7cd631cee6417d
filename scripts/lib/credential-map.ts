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
import { ACCESS_ORDER, AccessModel, Credential, environmentContracts, EnvironmentContract, Grant, reachOf, workflowToken } from "../../stacks/access";
import { projectConfigOf, readProjectFiles } from "../../stacks/files";
import { accessModel } from "../../stacks/views";

type Job = {
  name?: string;
  if?: string;
  permissions?: Record<string, string>;
  environment?: string | { name: string };
  strategy?: { matrix?: { include?: Record<string, string>[] } };
  uses?: string;
  steps?: { env?: Record<string, string>; with?: Record<string, unknown> }[];
  env?: Record<string, string>;
};
type Workflow = { on: Record<string, unknown>; jobs: Record<string, Job> };

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

/** The environments a job runs in (a matrix job: one per entry). */
export function environmentsOf(job: Pick<Job, "environment" | "strategy">): string[] {
  const env = typeof job.environment === "string" ? job.environment : job.environment?.name;
  if (!env) return [];
  const m = /^\$\{\{\s*matrix\.(\w+)\s*\}\}$/.exec(env);
  return m ? (job.strategy?.matrix?.include ?? []).map((i) => i[m[1]]) : [env];
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

/** Every job's access. A workflow another calls (`workflow_call`) inherits its caller's triggers. */
export function credentialMap(root: string, project = "nextjs-infra"): JobAccess[] {
  const { model, contracts } = committedContracts(root, project);
  const workflows = readWorkflows(root);
  const callers = new Map<string, string[]>();
  for (const w of Object.values(workflows)) {
    for (const job of Object.values(w.jobs)) {
      const called = job.uses?.match(/^\.\/\.github\/workflows\/(.+)$/)?.[1];
      // The calling job's condition narrows the events it runs on (`github.event_name == 'push'`).
      const named = [...(job.if ?? "").matchAll(/github\.event_name == '(\w+)'/g)].map((x) => x[1]);
      const events = Object.keys(w.on).filter((e) => named.length === 0 || named.includes(e));
      if (called) callers.set(called, [...(callers.get(called) ?? []), ...events]);
    }
  }
  const secure = secureKeys(root);
  const out: JobAccess[] = [];
  for (const [file, w] of Object.entries(workflows)) {
    const triggers = [...new Set(Object.keys(w.on).flatMap((t) => (t === "workflow_call" ? (callers.get(file) ?? []) : [t])))].sort();
    for (const [id, job] of Object.entries(w.jobs)) {
      if (job.uses) continue;
      const secrets = secretsOf(job);
      const envs = environmentsOf(job);
      const writes = Object.entries(job.permissions ?? {}).filter(([p, a]) => a === "write" && p !== "id-token").map(([p]) => p);
      for (const environment of envs.length > 0 ? envs : [undefined]) {
        const contract = contracts.find((c) => c.name === environment);
        const used = (contract?.credentials ?? []).filter((c) => c.kind === "oidc" || secrets.includes(c.name));
        const credentials = [...used, workflowToken(model, writes)];
        const reach = reachOf(contracts, credentials, (stack) => secure[stack] ?? []);
        out.push({ workflow: file.replace(/\.yml$/, ""), job: envs.length > 1 ? `${id} (${environment})` : id, triggers, environment, secrets, credentials, reach });
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
      const parts = ACCESS_ORDER.map((a) => [a, [...(levels.get(a) ?? [])].filter((svc) => !stronger(a).includes(svc)).sort()] as const).filter(([, svcs]) => svcs.length > 0);
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
    rows.push(`| \`${j.workflow} ${j.job}\` | ${j.triggers.map((t) => RUNS_ON[t] ?? t).join(", ")} | ${env} | ${creds} | ${reach || "nothing beyond its own branch"} |`);
  }
  return rows.join("\n");
}

/** The environments' table: each credential, what it must be, what it reaches. */
export function environmentTable(contracts: EnvironmentContract[]): string {
  const rows = ["| environment | who may use it | credential | what it must be |", "|---|---|---|---|"];
  for (const c of contracts) {
    const who = `${c.branches === "main" ? "main only" : "any branch"}${c.reviewed ? ", a reviewer approves (admins cannot bypass)" : ""}`;
    for (const cred of c.credentials) rows.push(`| \`${c.name}\` | ${who} | \`${cred.name}\`${cred.kind === "oidc" ? " (OIDC, nothing stored)" : cred.optional ? " (self-managed backend only)" : ""} | ${cred.is} |`);
  }
  return rows.join("\n");
}
