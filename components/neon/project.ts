/**
 * A Neon project: the container of every stack's branch. Created once by the `prod`
 * stack (protected, retained on delete) unless settings adopt an existing one by id —
 * `pulumi import` cannot adopt a dynamic resource.
 */
import * as pulumi from "@pulumi/pulumi";
import type { Project } from "@neondatabase/api-client";
import { awaitOperations, deleteIfPresent, getIfPresent, NEON_PROVIDER_VERSION, NeonProviderBase, request } from "./client";
import { CheckFailure, defined, diffFields, required, stateOf } from "./checks";

/** Inputs of a project. */
export interface ProjectInputs {
  name: string;
  /** @example "aws-eu-central-1" */
  regionId: string;
  pgVersion: number;
  /** Point-in-time restore window. */
  historyRetentionSeconds: number;
  providerVersion: string;
}

/** State of a project. */
export interface ProjectOutputs extends ProjectInputs {
  projectId: string;
}

/** Input validation shared by `check` and tests. */
export function checkProject(news: Partial<ProjectInputs>): CheckFailure[] {
  const failures = required(news, ["name", "regionId"]);
  if (news.regionId && !/^[a-z]+-[a-z0-9-]+$/.test(news.regionId)) failures.push({ property: "regionId", reason: `got "${news.regionId}", expected a Neon region such as aws-eu-central-1` });
  if (!Number.isInteger(news.pgVersion) || (news.pgVersion ?? 0) < 14 || (news.pgVersion ?? 0) > 18) failures.push({ property: "pgVersion", reason: `got ${String(news.pgVersion)}, expected a Postgres major version from 14 to 18` });
  const h = news.historyRetentionSeconds;
  if (!Number.isInteger(h) || (h ?? -1) < 0 || (h ?? 0) > 2592000) failures.push({ property: "historyRetentionSeconds", reason: `got ${String(h)}, expected 0 to 2592000 seconds (30 days)` });
  return failures;
}

function outputsOf(inputs: ProjectInputs, p: Project): ProjectOutputs {
  return { ...inputs, projectId: p.id, name: p.name, regionId: p.region_id, pgVersion: p.pg_version, historyRetentionSeconds: p.history_retention_seconds };
}

/** The dynamic provider for projects. */
export class ProjectProvider extends NeonProviderBase implements pulumi.dynamic.ResourceProvider<ProjectInputs, ProjectOutputs> {
  async check(_olds: ProjectInputs, news: ProjectInputs): Promise<pulumi.dynamic.CheckResult<ProjectInputs>> {
    return Promise.resolve({ inputs: news, failures: checkProject(news) });
  }

  async create(inputs: ProjectInputs): Promise<pulumi.dynamic.CreateResult<ProjectOutputs>> {
    const neon = this.client();
    const res = await request(neon, `creating project ${inputs.name}`, () =>
      neon.api.createProject({
        project: { name: inputs.name, region_id: inputs.regionId, pg_version: inputs.pgVersion, history_retention_seconds: inputs.historyRetentionSeconds },
      }),
    );
    await awaitOperations(neon, res.project.id, res.operations);
    return { id: res.project.id, outs: defined(outputsOf(inputs, res.project)) };
  }

  async read(id: string, stored?: ProjectOutputs): Promise<pulumi.dynamic.ReadResult<ProjectOutputs>> {
    const props = stateOf(stored, "Project");
    const neon = this.client();
    const found = await getIfPresent(neon, `reading project ${id}`, () => neon.api.getProject(id));
    return found ? { id, props: defined(outputsOf(props, found.project)) } : {};
  }

  async diff(_id: string, olds: ProjectOutputs, news: ProjectInputs): Promise<pulumi.dynamic.DiffResult> {
    return Promise.resolve(diffFields(olds, news, { replace: ["regionId", "pgVersion"], update: ["name", "historyRetentionSeconds", "providerVersion"] }));
  }

  async update(id: string, _olds: ProjectOutputs, news: ProjectInputs): Promise<pulumi.dynamic.UpdateResult<ProjectOutputs>> {
    const neon = this.client();
    const res = await request(neon, `updating project ${id}`, () =>
      neon.api.updateProject(id, { project: { name: news.name, history_retention_seconds: news.historyRetentionSeconds } }),
    );
    await awaitOperations(neon, id, res.operations);
    return { outs: defined(outputsOf(news, res.project)) };
  }

  async delete(id: string): Promise<void> {
    const neon = this.client();
    await deleteIfPresent(neon, id, `deleting project ${id}`, () => neon.api.deleteProject(id));
  }
}

/** Arguments of `NeonProject`. */
export interface NeonProjectArgs {
  readonly name: pulumi.Input<string>;
  /** @default "aws-us-east-2" */
  readonly regionId?: pulumi.Input<string>;
  /** @default 17 */
  readonly pgVersion?: pulumi.Input<number>;
  /** @default 86400 (one day of point-in-time restore, the free plan's limit) */
  readonly historyRetentionSeconds?: pulumi.Input<number>;
}

/** A Neon project (`pulumi-nodejs:dynamic/neon:Project`). */
export class NeonProject extends pulumi.dynamic.Resource {
  declare readonly projectId: pulumi.Output<string>;

  constructor(name: string, args: NeonProjectArgs, opts?: pulumi.CustomResourceOptions) {
    const props = {
      name: args.name,
      regionId: args.regionId ?? "aws-us-east-2",
      pgVersion: args.pgVersion ?? 17,
      historyRetentionSeconds: args.historyRetentionSeconds ?? 86400,
      providerVersion: NEON_PROVIDER_VERSION,
      projectId: undefined,
    };
    super(new ProjectProvider(), name, props, opts, "neon", "Project");
  }
}
