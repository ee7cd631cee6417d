/**
 * A database on a branch, owned by a role. Like roles, a database inherited from the
 * parent branch is adopted (and its owner set) rather than created twice. A branch reset
 * replaces its databases with the parent's: a new `branchState` makes it again.
 */
import * as pulumi from "@pulumi/pulumi";
import type { Database } from "@neondatabase/api-client";
import { awaitOperations, deleteIfPresent, getIfPresent, Neon, NEON_PROVIDER_VERSION, NeonProviderBase, request } from "./client";
import { CheckFailure, defined, diffFields, required, stateOf } from "./checks";
import { isPgName } from "./role";

/** Inputs of a database. */
export interface DatabaseInputs {
  projectId: string;
  branchId: string;
  name: string;
  ownerName: string;
  /** The branch's reset key: a new value means the branch was reset, and the database is made again where it is missing. */
  branchState?: string;
  providerVersion: string;
}

/** State of a database. */
export interface DatabaseOutputs extends DatabaseInputs {
  adopted: boolean;
}

/** Input validation shared by `check` and tests. */
export function checkDatabase(news: Partial<DatabaseInputs>): CheckFailure[] {
  const failures = required(news, ["projectId", "branchId", "name", "ownerName"]);
  for (const k of ["name", "ownerName"] as const) {
    if (news[k] && !isPgName(news[k])) failures.push({ property: k, reason: `got "${news[k]}", expected a Postgres name` });
  }
  return failures;
}

async function find(neon: Neon, i: DatabaseInputs): Promise<Database | undefined> {
  return (await getIfPresent(neon, `reading database ${i.name}`, () => neon.api.getProjectBranchDatabase(i.projectId, i.branchId, i.name)))?.database;
}

/** The dynamic provider for databases. */
export class DatabaseProvider extends NeonProviderBase implements pulumi.dynamic.ResourceProvider<DatabaseInputs, DatabaseOutputs> {
  async check(_olds: DatabaseInputs, news: DatabaseInputs): Promise<pulumi.dynamic.CheckResult<DatabaseInputs>> {
    return Promise.resolve({ inputs: news, failures: checkDatabase(news) });
  }

  async create(inputs: DatabaseInputs): Promise<pulumi.dynamic.CreateResult<DatabaseOutputs>> {
    return { id: `${inputs.branchId}/${inputs.name}`, outs: defined({ ...inputs, adopted: await this.ensure(inputs) }) };
  }

  /** The database with its owner, made where missing; whether it was there already. */
  private async ensure(inputs: DatabaseInputs): Promise<boolean> {
    const neon = this.client();
    const existing = await find(neon, inputs);
    if (existing && existing.owner_name === inputs.ownerName) return true;
    const res = existing
      ? await request(neon, `setting the owner of ${inputs.name}`, () =>
          neon.api.updateProjectBranchDatabase(inputs.projectId, inputs.branchId, inputs.name, { database: { owner_name: inputs.ownerName } }),
        )
      : await request(neon, `creating database ${inputs.name}`, () =>
          neon.api.createProjectBranchDatabase(inputs.projectId, inputs.branchId, { database: { name: inputs.name, owner_name: inputs.ownerName } }),
        );
    await awaitOperations(neon, inputs.projectId, res.operations);
    return existing !== undefined;
  }

  async read(id: string, stored?: DatabaseOutputs): Promise<pulumi.dynamic.ReadResult<DatabaseOutputs>> {
    const props = stateOf(stored, "Database");
    const found = await find(this.client(), props);
    return found ? { id, props: defined({ ...props, ownerName: found.owner_name }) } : {};
  }

  async diff(_id: string, olds: DatabaseOutputs, news: DatabaseInputs): Promise<pulumi.dynamic.DiffResult> {
    // Neon renames a database in place: a new name is an update, never a drop.
    return Promise.resolve(diffFields(olds, news, { replace: ["projectId", "branchId"], update: ["name", "ownerName", "branchState", "providerVersion"] }));
  }

  async update(_id: string, olds: DatabaseOutputs, news: DatabaseInputs): Promise<pulumi.dynamic.UpdateResult<DatabaseOutputs>> {
    if ((olds.branchState ?? "") !== (news.branchState ?? "")) {
      await this.ensure(news);
      return { outs: defined({ ...news, adopted: olds.adopted }) };
    }
    const changes = { ...(olds.name !== news.name ? { name: news.name } : {}), ...(olds.ownerName !== news.ownerName ? { owner_name: news.ownerName } : {}) };
    if (Object.keys(changes).length > 0) {
      const neon = this.client();
      const res = await request(neon, `updating database ${olds.name}`, () =>
        neon.api.updateProjectBranchDatabase(news.projectId, news.branchId, olds.name, { database: changes }),
      );
      await awaitOperations(neon, news.projectId, res.operations);
    }
    return { outs: defined({ ...news, adopted: olds.adopted }) };
  }

  async delete(_id: string, props: DatabaseOutputs): Promise<void> {
    if (props.adopted) return;
    const neon = this.client();
    await deleteIfPresent(neon, props.projectId, `deleting database ${props.name}`, () =>
      neon.api.deleteProjectBranchDatabase(props.projectId, props.branchId, props.name),
    );
  }
}

/** Arguments of `NeonDatabase`. */
export interface NeonDatabaseArgs {
  readonly projectId: pulumi.Input<string>;
  readonly branchId: pulumi.Input<string>;
  /** @example "app" */
  readonly name: pulumi.Input<string>;
  readonly ownerName: pulumi.Input<string>;
  /** The branch's reset key (`NeonBranch.resetKey`): after a reset the database is made again. @default none */
  readonly branchState?: pulumi.Input<string | undefined>;
}

/** A Neon database (`pulumi-nodejs:dynamic/neon:Database`). */
export class NeonDatabase extends pulumi.dynamic.Resource {
  declare readonly name: pulumi.Output<string>;

  constructor(name: string, args: NeonDatabaseArgs, opts?: pulumi.CustomResourceOptions) {
    super(new DatabaseProvider(), name, { ...args, providerVersion: NEON_PROVIDER_VERSION, adopted: undefined }, opts, "neon", "Database");
  }
}
