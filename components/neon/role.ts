/**
 * A Postgres role on a branch, with its password as a secret output. A child branch
 * inherits its parent's roles and passwords; an inherited role is adopted and its
 * password reset, so a preview never holds the credentials of the branch it came from.
 * A branch reset replaces its roles with the parent's: a new `branchState` makes the role
 * this stack's again (created if the reset removed it), with a new password.
 */
import * as pulumi from "@pulumi/pulumi";
import { awaitOperations, deleteIfPresent, getIfPresent, Neon, NEON_PROVIDER_VERSION, NeonProviderBase, request } from "./client";
import { PG_NAME } from "./rules";
import { CheckFailure, defined, diffFields, required, stateOf } from "./checks";

/** Inputs of a role. */
export interface RoleInputs {
  projectId: string;
  branchId: string;
  name: string;
  /** Keeper: a new value resets the password (rotation). */
  rotation?: string;
  /** The branch's reset key: a new value means the branch was reset, and the role is made again. */
  branchState?: string;
  providerVersion: string;
}

/** State of a role. */
export interface RoleOutputs extends RoleInputs {
  /** Secret (listed in `additionalSecretOutputs`). */
  password: string;
  adopted: boolean;
}

/** Whether a name is a Postgres identifier Neon accepts for roles and databases. */
export function isPgName(name: string): boolean {
  return PG_NAME.test(name);
}

/** Input validation shared by `check` and tests. */
export function checkRole(news: Partial<RoleInputs>): CheckFailure[] {
  const failures = required(news, ["projectId", "branchId", "name"]);
  if (news.name && !isPgName(news.name))
    failures.push({ property: "name", reason: `got "${news.name}", expected a Postgres name: a letter or _, then letters, digits, _ or -, at most 63` });
  return failures;
}

async function exists(neon: Neon, i: RoleInputs): Promise<boolean> {
  return (await getIfPresent(neon, `reading role ${i.name}`, () => neon.api.getProjectBranchRole(i.projectId, i.branchId, i.name))) !== undefined;
}

/** The dynamic provider for roles. */
export class RoleProvider extends NeonProviderBase implements pulumi.dynamic.ResourceProvider<RoleInputs, RoleOutputs> {
  async check(_olds: RoleInputs, news: RoleInputs): Promise<pulumi.dynamic.CheckResult<RoleInputs>> {
    return Promise.resolve({ inputs: news, failures: checkRole(news) });
  }

  async create(inputs: RoleInputs): Promise<pulumi.dynamic.CreateResult<RoleOutputs>> {
    const { password, existed } = await this.ensure(inputs);
    return { id: `${inputs.branchId}/${inputs.name}`, outs: defined({ ...inputs, password, adopted: existed }) };
  }

  /** The role with a password of its own: an existing one (inherited, or left by a lost answer) gets a new password. */
  private async ensure(inputs: RoleInputs): Promise<{ password: string; existed: boolean }> {
    const neon = this.client();
    const existed = await exists(neon, inputs);
    const res = existed
      ? await request(neon, `resetting the password of ${inputs.name}`, () =>
          neon.api.resetProjectBranchRolePassword(inputs.projectId, inputs.branchId, inputs.name),
        )
      : await request(neon, `creating role ${inputs.name}`, () =>
          neon.api.createProjectBranchRole(inputs.projectId, inputs.branchId, { role: { name: inputs.name } }),
        );
    await awaitOperations(neon, inputs.projectId, res.operations);
    if (!res.role.password) throw new Error(`Neon returned no password for role ${inputs.name}`);
    return { password: res.role.password, existed };
  }

  async read(id: string, stored?: RoleOutputs): Promise<pulumi.dynamic.ReadResult<RoleOutputs>> {
    const props = stateOf(stored, "Role");
    // The password is not re-read: refresh must not fetch a credential it already holds.
    return (await exists(this.client(), props)) ? { id, props } : {};
  }

  async diff(_id: string, olds: RoleOutputs, news: RoleInputs): Promise<pulumi.dynamic.DiffResult> {
    // Neon cannot rename a role: a new name is a new role (and password).
    return Promise.resolve(diffFields(olds, news, { replace: ["projectId", "branchId", "name"], update: ["rotation", "branchState", "providerVersion"] }));
  }

  async update(_id: string, olds: RoleOutputs, news: RoleInputs): Promise<pulumi.dynamic.UpdateResult<RoleOutputs>> {
    if ((olds.rotation ?? "") === (news.rotation ?? "") && (olds.branchState ?? "") === (news.branchState ?? ""))
      return { outs: defined({ ...olds, ...news }) };
    // Rotation, or a reset branch: a new password (the role made again if the reset took it);
    // the connection strings change, which rolls the app's pods.
    const { password } = await this.ensure(news);
    return { outs: defined({ ...olds, ...news, password }) };
  }

  async delete(_id: string, props: RoleOutputs): Promise<void> {
    if (props.adopted) return; // inherited from the parent: it goes with the branch
    const neon = this.client();
    await deleteIfPresent(neon, props.projectId, `deleting role ${props.name}`, () =>
      neon.api.deleteProjectBranchRole(props.projectId, props.branchId, props.name),
    );
  }
}

/** Arguments of `NeonRole`. */
export interface NeonRoleArgs {
  readonly projectId: pulumi.Input<string>;
  readonly branchId: pulumi.Input<string>;
  /** **Changing it replaces the role** (Neon cannot rename roles). @example "app" */
  readonly name: pulumi.Input<string>;
  /** Keeper: a new value gives the role a new password. @default none */
  readonly rotation?: pulumi.Input<string>;
  /** The branch's reset key (`NeonBranch.resetKey`): after a reset the role is made again. @default none */
  readonly branchState?: pulumi.Input<string | undefined>;
}

/** A Neon role (`pulumi-nodejs:dynamic/neon:Role`); `password` is a secret. */
export class NeonRole extends pulumi.dynamic.Resource {
  declare readonly name: pulumi.Output<string>;
  declare readonly password: pulumi.Output<string>;

  constructor(name: string, args: NeonRoleArgs, opts?: pulumi.CustomResourceOptions) {
    const props = { ...args, providerVersion: NEON_PROVIDER_VERSION, password: undefined, adopted: undefined };
    super(new RoleProvider(), name, props, pulumi.mergeOptions(opts, { additionalSecretOutputs: ["password"] }), "neon", "Role");
  }
}
