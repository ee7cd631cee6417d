/**
 * A Neon project: the container of every stack's branch, managed by the production stack.
 * It either creates the project (protected, retained on delete) or adopts one by id —
 * and the two are the same resource, so a stack that created its project can later write
 * the id into its config (as the other stacks need it) without the program losing the
 * project, which `protect` would then refuse to delete. An adopted project is never
 * deleted by Pulumi. `pulumi import` cannot adopt a dynamic resource; `adoptId` does.
 */
import * as pulumi from "@pulumi/pulumi";
import type { Project } from "@neondatabase/api-client";
import { awaitOperations, deleteIfPresent, getIfPresent, NEON_PROVIDER_VERSION, NeonProviderBase, request } from "./client";
import { PLAN_LIMITS } from "./plans";
import { NEON_ORG_ID, NEON_REGION } from "./rules";
import { CheckFailure, defined, diffFields, required, stateOf } from "./checks";

/** A new project's region and Postgres, and a restore window every plan allows. */
export const NEON_PROJECT_DEFAULTS = {
  regionId: "aws-us-east-2",
  pgVersion: 17,
  historyRetentionSeconds: PLAN_LIMITS.free.maxHistoryRetentionSeconds,
} as const;

/** Inputs of a project. */
export interface ProjectInputs {
  name: string;
  /** @example "aws-eu-central-1" */
  regionId: string;
  pgVersion: number;
  /** Point-in-time restore window (Free plan: at most 21600). */
  historyRetentionSeconds: number;
  /** The organization that owns the project (organization accounts require it). */
  orgId?: string;
  /** The name the default branch gets when the project is created. */
  defaultBranchName?: string;
  /** The database and its owner the default branch gets when the project is created, instead of Neon's `neondb` and `neondb_owner`. */
  defaultDatabase?: { name: string; ownerName: string };
  /** Adopt this existing project instead of creating one. */
  adoptId?: string;
  providerVersion: string;
}

/** State of a project. */
export interface ProjectOutputs extends ProjectInputs {
  projectId: string;
  /** Whether Pulumi found the project rather than creating it (then `delete` leaves it). */
  adopted: boolean;
}

/** Input validation shared by `check` and tests. */
export function checkProject(news: Partial<ProjectInputs>): CheckFailure[] {
  const failures = required(news, ["name", "regionId"]);
  if (news.regionId && !NEON_REGION.test(news.regionId))
    failures.push({ property: "regionId", reason: `got "${news.regionId}", expected a Neon region such as aws-eu-central-1` });
  if (!Number.isInteger(news.pgVersion) || (news.pgVersion ?? 0) < 14 || (news.pgVersion ?? 0) > 18)
    failures.push({ property: "pgVersion", reason: `got ${String(news.pgVersion)}, expected a Postgres major version from 14 to 18` });
  const h = news.historyRetentionSeconds;
  if (!Number.isInteger(h) || (h ?? -1) < 0 || (h ?? 0) > 2592000)
    failures.push({ property: "historyRetentionSeconds", reason: `got ${String(h)}, expected 0 to 2592000 seconds (30 days)` });
  if (news.orgId !== undefined && !NEON_ORG_ID.test(news.orgId))
    failures.push({ property: "orgId", reason: `got "${news.orgId}", expected a Neon organization id such as org-morning-bread-81040908` });
  return failures;
}

function outputsOf(inputs: ProjectInputs, p: Project, adopted: boolean): ProjectOutputs {
  return {
    ...inputs,
    projectId: p.id,
    name: p.name,
    regionId: p.region_id,
    pgVersion: p.pg_version,
    historyRetentionSeconds: p.history_retention_seconds,
    adopted,
  };
}

/** The dynamic provider for projects. */
export class ProjectProvider extends NeonProviderBase implements pulumi.dynamic.ResourceProvider<ProjectInputs, ProjectOutputs> {
  async check(_olds: ProjectInputs, news: ProjectInputs): Promise<pulumi.dynamic.CheckResult<ProjectInputs>> {
    return Promise.resolve({ inputs: news, failures: checkProject(news) });
  }

  async create(inputs: ProjectInputs): Promise<pulumi.dynamic.CreateResult<ProjectOutputs>> {
    const neon = this.client();
    if (inputs.adoptId) {
      const found = await getIfPresent(neon, `reading project ${inputs.adoptId}`, () => neon.api.getProject(inputs.adoptId!));
      if (!found) throw new Error(`Neon has no project ${inputs.adoptId} this API key can see (nextjs-infra:neon.projectId)`);
      return { id: found.project.id, outs: defined(outputsOf(inputs, found.project, true)) };
    }
    // Project names are not unique in Neon, so a create whose answer was lost cannot be
    // recognised for sure: refuse to make a second one, and say how to adopt the first.
    const { projects } = await request(
      neon,
      "listing projects",
      () => neon.api.listProjects({ search: inputs.name, org_id: inputs.orgId, limit: 400 }),
      "read",
    );
    const same = projects.filter((p) => p.name === inputs.name);
    if (same.length > 0) {
      throw new Error(
        `a Neon project named "${inputs.name}" already exists (${same.map((p) => p.id).join(", ")}), perhaps from a create whose answer was lost. ` +
          `Adopt it: pulumi config set --path neon.projectId ${same[0].id}; or choose another neon.projectName`,
      );
    }
    const res = await request(neon, `creating project ${inputs.name}`, () =>
      neon.api.createProject({
        project: {
          name: inputs.name,
          region_id: inputs.regionId,
          pg_version: inputs.pgVersion,
          history_retention_seconds: inputs.historyRetentionSeconds,
          org_id: inputs.orgId,
          // Named like the stack's own, so no unused `neondb` and `neondb_owner` (with a password nobody rotates) are left behind.
          branch:
            inputs.defaultBranchName || inputs.defaultDatabase
              ? { name: inputs.defaultBranchName, database_name: inputs.defaultDatabase?.name, role_name: inputs.defaultDatabase?.ownerName }
              : undefined,
        },
      }),
    );
    await awaitOperations(neon, res.project.id, res.operations);
    return { id: res.project.id, outs: defined(outputsOf(inputs, res.project, false)) };
  }

  async read(id: string, stored?: ProjectOutputs): Promise<pulumi.dynamic.ReadResult<ProjectOutputs>> {
    const props = stateOf(stored, "Project");
    const neon = this.client();
    const found = await getIfPresent(neon, `reading project ${id}`, () => neon.api.getProject(id));
    return found ? { id, props: defined(outputsOf(props, found.project, props.adopted)) } : {};
  }

  async diff(_id: string, olds: ProjectOutputs, news: ProjectInputs): Promise<pulumi.dynamic.DiffResult> {
    // Naming the project it already manages is no change of project: the created one is kept.
    const adoptsItself = news.adoptId === undefined || news.adoptId === olds.projectId;
    const result = diffFields(
      olds,
      { ...news, adoptId: adoptsItself ? olds.adoptId : news.adoptId },
      { replace: ["regionId", "pgVersion", "orgId", "adoptId"], update: ["name", "historyRetentionSeconds", "providerVersion"] },
    );
    return Promise.resolve(result);
  }

  async update(id: string, olds: ProjectOutputs, news: ProjectInputs): Promise<pulumi.dynamic.UpdateResult<ProjectOutputs>> {
    const neon = this.client();
    const changes = {
      ...(olds.name !== news.name ? { name: news.name } : {}),
      ...(olds.historyRetentionSeconds !== news.historyRetentionSeconds ? { history_retention_seconds: news.historyRetentionSeconds } : {}),
    };
    if (Object.keys(changes).length === 0) return { outs: defined({ ...olds, ...news, projectId: olds.projectId, adopted: olds.adopted }) };
    const res = await request(neon, `updating project ${id}`, () => neon.api.updateProject(id, { project: changes }));
    await awaitOperations(neon, id, res.operations);
    return { outs: defined(outputsOf(news, res.project, olds.adopted)) };
  }

  async delete(id: string, props: ProjectOutputs): Promise<void> {
    if (props.adopted) return; // adopted: it was there before this stack, and outlives it
    const neon = this.client();
    await deleteIfPresent(neon, id, `deleting project ${id}`, () => neon.api.deleteProject(id));
  }
}

/** Arguments of `NeonProject`. */
export interface NeonProjectArgs {
  /** @example "web" */
  readonly name: pulumi.Input<string>;
  /** **Changing it replaces the project** (protected by the production stack). @default "aws-us-east-2" */
  readonly regionId?: pulumi.Input<string>;
  /** **Changing it replaces the project.** @default 17 */
  readonly pgVersion?: pulumi.Input<number>;
  /** @default 21600 (six hours of point-in-time restore: the Free plan's limit) */
  readonly historyRetentionSeconds?: pulumi.Input<number>;
  /** Organization id, for organization accounts. @default the key's own account */
  readonly orgId?: pulumi.Input<string>;
  /** The default branch's name at creation. @default Neon's (`main` for projects made through the API) */
  readonly defaultBranchName?: pulumi.Input<string>;
  /** The default branch's first database and owner at creation. @default Neon's (`neondb`, owned by `neondb_owner`) */
  readonly defaultDatabase?: pulumi.Input<{ name: string; ownerName: string }>;
  /** Adopt this project instead of creating one (never deleted by Pulumi). The id of the project this resource created is accepted too. */
  readonly adoptId?: pulumi.Input<string>;
}

/** A Neon project (`pulumi-nodejs:dynamic/neon:Project`). */
export class NeonProject extends pulumi.dynamic.Resource {
  declare readonly projectId: pulumi.Output<string>;

  constructor(name: string, args: NeonProjectArgs, opts?: pulumi.CustomResourceOptions) {
    const props = {
      name: args.name,
      regionId: args.regionId ?? NEON_PROJECT_DEFAULTS.regionId,
      pgVersion: args.pgVersion ?? NEON_PROJECT_DEFAULTS.pgVersion,
      historyRetentionSeconds: args.historyRetentionSeconds ?? NEON_PROJECT_DEFAULTS.historyRetentionSeconds,
      orgId: args.orgId,
      defaultBranchName: args.defaultBranchName,
      defaultDatabase: args.defaultDatabase,
      adoptId: args.adoptId,
      providerVersion: NEON_PROVIDER_VERSION,
      projectId: undefined,
      adopted: undefined,
    };
    super(new ProjectProvider(), name, props, opts, "neon", "Project");
  }
}
