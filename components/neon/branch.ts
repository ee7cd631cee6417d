/**
 * A Neon branch. Either a new branch from a parent (dev, previews), or the project's
 * default branch adopted as it is (prod): adopted branches are never deleted by Pulumi.
 *
 * Creates are idempotent: branch names are unique in a project and every name belongs to
 * one stack, so a branch that already carries the name, made from the same branch the same
 * way, is this stack's, left by a create whose response was lost; it is taken over, not
 * created twice. One made from another branch is somebody else's: the create fails.
 *
 * A branch holds its parent's data (`parent-data`) or only its schema (`schema-only`: a
 * root branch, with no parent and none of the source's rows). A new `resetKey` resets a
 * `parent-data` branch from its parent: everything in it (its roles and databases too) is
 * replaced by the parent's latest state.
 */
import * as pulumi from "@pulumi/pulumi";
import type { Branch } from "@neondatabase/api-client";
import { awaitOperations, deleteIfPresent, getIfPresent, NEON_PROVIDER_VERSION, NeonProviderBase, request } from "./client";
import { CheckFailure, defined, diffFields, required, stateOf } from "./checks";

/** Inputs of a branch, as the provider sees them. */
export interface BranchInputs {
  projectId: string;
  /** Branch name. @example "preview/pr-42" */
  name: string;
  /** Parent branch id; the project's default branch when neither this nor `parentName` is set. */
  parentId?: string;
  /** Parent branch by name, resolved to its id at creation (e.g. previews branch from `dev`). */
  parentName?: string;
  /** Adopt the project's default branch instead of creating one. */
  adoptDefault?: boolean;
  /** Neon's protected flag (blocks deletion and resets in Neon itself). */
  protected: boolean;
  /** Whether the project's plan offers protected branches (Free does not): `protected` is refused where it does not, before any request. @default true */
  protectable?: boolean;
  /** RFC 3339 time after which Neon deletes the branch. */
  expiresAt?: string;
  /** The plan's branches per project (the default branch counted), and its root branches (schema-only ones count): a create past either fails first, naming the plan. @default no check */
  branchLimit?: BranchLimit;
  /** What the branch starts with: its parent's data, or only its schema. **Changing it replaces the branch.** @default "parent-data" */
  initSource?: InitSource;
  /** A new value resets the branch from its parent (its data, roles and databases become the parent's). Only for `parent-data` branches. */
  resetKey?: string;
  providerVersion: string;
}

/** What a branch starts with (Neon's `init_source`). */
export type InitSource = "parent-data" | "schema-only";

/** A plan's caps on branches per project. */
export interface BranchLimit {
  plan: string;
  /** Branches per project, the default one counted. */
  max: number;
  /** Root branches per project: the default branch, schema-only branches and restore backups. */
  maxRoots?: number;
}

/** State of a branch. */
export interface BranchOutputs extends BranchInputs {
  branchId: string;
  /** The parent the branch actually has (none for a schema-only branch). */
  actualParentId?: string;
  /** The branch it was made from: its parent, or a schema-only branch's source. The base of its schema diff. */
  sourceBranchId?: string;
  /** Whether Pulumi found the branch rather than creating it (then `delete` leaves it). */
  adopted: boolean;
}

/** Neon's longest branch expiry. */
const MAX_EXPIRY_MS = 30 * 86_400_000;

/** Input validation shared by `check` and tests. */
export function checkBranch(news: Partial<BranchInputs>, now = Date.now()): CheckFailure[] {
  const failures = [...required(news, ["projectId", "name"])];
  if (news.name !== undefined && (news.name.length > 256 || news.name.trim() === "")) {
    failures.push({ property: "name", reason: `got "${news.name}", expected 1 to 256 characters` });
  }
  if (news.expiresAt !== undefined) {
    const at = Date.parse(news.expiresAt);
    if (Number.isNaN(at)) failures.push({ property: "expiresAt", reason: `got "${news.expiresAt}", expected an RFC 3339 time` });
    else if (at <= now) failures.push({ property: "expiresAt", reason: `got ${news.expiresAt}, expected a time in the future` });
    else if (at - now > MAX_EXPIRY_MS)
      failures.push({ property: "expiresAt", reason: `got ${news.expiresAt}, expected at most 30 days from now (Neon's limit)` });
    if (news.adoptDefault) failures.push({ property: "expiresAt", reason: "the default branch cannot expire; remove `expiresAt` or `adoptDefault`" });
    if (news.protected)
      failures.push({ property: "expiresAt", reason: "a protected branch cannot expire (Neon refuses it); remove `expiresAt` or `protected`" });
  }
  if (news.protected && news.protectable === false) {
    failures.push({
      property: "protected",
      reason: "got true on a plan without protected branches (Neon's Free plan refuses it); Pulumi's `protect` option guards the branch instead",
    });
  }
  if (news.adoptDefault && (news.parentId || news.parentName)) {
    failures.push({ property: news.parentId ? "parentId" : "parentName", reason: "conflicts with `adoptDefault`: the default branch has no parent to choose" });
  }
  if (news.parentId && news.parentName) {
    failures.push({ property: "parentName", reason: "conflicts with `parentId`: name the parent one way" });
  }
  if (news.initSource !== undefined && news.initSource !== "parent-data" && news.initSource !== "schema-only") {
    failures.push({ property: "initSource", reason: `got "${String(news.initSource)}", expected parent-data or schema-only` });
  }
  if (news.initSource === "schema-only" && news.adoptDefault)
    failures.push({ property: "initSource", reason: "conflicts with `adoptDefault`: the default branch is not created" });
  if (news.resetKey !== undefined) {
    // A schema-only branch has no parent to reset from (a restore from its source would copy the source's rows).
    if (news.initSource === "schema-only")
      failures.push({ property: "resetKey", reason: "a schema-only branch has no parent to reset from; reset needs initSource parent-data" });
    if (news.adoptDefault) failures.push({ property: "resetKey", reason: "the default branch has no parent to reset from" });
    if (news.protected) failures.push({ property: "resetKey", reason: "Neon refuses to reset a protected branch" });
  }
  return failures;
}

function outputsOf(inputs: BranchInputs, b: Branch, adopted: boolean, sourceBranchId: string | undefined): BranchOutputs {
  return { ...inputs, branchId: b.id, name: b.name, protected: b.protected, expiresAt: b.expires_at, actualParentId: b.parent_id, sourceBranchId, adopted };
}

/** The dynamic provider for branches. */
export class BranchProvider extends NeonProviderBase implements pulumi.dynamic.ResourceProvider<BranchInputs, BranchOutputs> {
  async check(_olds: BranchInputs, news: BranchInputs): Promise<pulumi.dynamic.CheckResult<BranchInputs>> {
    // Neon keeps expiries to the second: ask for exactly that, or every diff would see a change.
    const expiresAt =
      news.expiresAt && !Number.isNaN(Date.parse(news.expiresAt))
        ? new Date(Date.parse(news.expiresAt)).toISOString().replace(/\.\d{3}Z$/, "Z")
        : news.expiresAt;
    const inputs = expiresAt === undefined ? news : { ...news, expiresAt };
    return Promise.resolve({ inputs, failures: checkBranch(inputs) });
  }

  async create(inputs: BranchInputs): Promise<pulumi.dynamic.CreateResult<BranchOutputs>> {
    const neon = this.client();
    if (inputs.adoptDefault) {
      const found = (await this.listBranches(inputs.projectId)).find((b) => b.default);
      if (!found) throw new Error(`Neon project ${inputs.projectId} has no default branch to adopt`);
      const res = await request(neon, `updating branch ${found.id}`, () =>
        neon.api.updateProjectBranch(inputs.projectId, found.id, { branch: { name: inputs.name, protected: inputs.protected } }),
      );
      await awaitOperations(neon, inputs.projectId, res.operations);
      return { id: found.id, outs: defined(outputsOf(inputs, res.branch, true, undefined)) };
    }
    const init = inputs.initSource ?? "parent-data";
    // The project's branches, listed at most once per create, and only when needed: the
    // default branch's id (a takeover's check, a schema-only source) and the root count.
    let listed: Promise<Branch[]> | undefined;
    const branches = () => (listed ??= this.listBranches(inputs.projectId));
    const named = await this.namedSource(inputs);
    const defaultId = async () => {
      const found = (await branches()).find((b) => b.default);
      if (!found) throw new Error(`Neon project ${inputs.projectId} has no default branch to branch from`);
      return found.id;
    };
    // A branch with this name, made from the same branch the same way, is this stack's, from a
    // create whose answer was lost: take it over. Made otherwise, it is somebody else's.
    const existing = await this.branchByName(inputs.projectId, inputs.name);
    if (existing) {
      const sourceId = named ?? (await defaultId());
      const same = init === "schema-only" ? existing.parent_id === undefined && existing.init_source === "schema-only" : existing.parent_id === sourceId;
      if (!same) {
        const made = existing.parent_id ? `from branch ${existing.parent_id}` : "as a root branch";
        throw new Error(
          `Neon project ${inputs.projectId} already has a branch named "${inputs.name}" (${existing.id}), made ${made}, not ${init === "schema-only" ? "as a schema-only copy" : "from"} ${sourceId}: it is not this stack's, and taking it over would delete it on destroy. Rename or delete it in Neon, or point this stack at its own branch`,
        );
      }
      const res = await request(neon, `taking over branch ${existing.id}`, () =>
        neon.api.updateProjectBranch(inputs.projectId, existing.id, { branch: { protected: inputs.protected, expires_at: inputs.expiresAt } }),
      );
      await awaitOperations(neon, inputs.projectId, res.operations);
      return { id: existing.id, outs: defined(outputsOf(inputs, res.branch, false, sourceId)) };
    }
    if (inputs.branchLimit) await this.checkCapacity(inputs.projectId, inputs.branchLimit, init, branches);
    // A copy of the default branch needs no id (Neon's default, and the answer names the
    // parent); a schema-only branch has no parent to name its source, so it is sent.
    const sourceId = named ?? (init === "schema-only" ? await defaultId() : undefined);
    const res = await request(neon, `creating branch ${inputs.name}`, () =>
      neon.api.createProjectBranch(inputs.projectId, {
        branch: {
          name: inputs.name,
          parent_id: sourceId,
          protected: inputs.protected,
          expires_at: inputs.expiresAt,
          ...(init === "schema-only" ? { init_source: init } : {}),
        },
      }),
    );
    await awaitOperations(neon, inputs.projectId, res.operations);
    return { id: res.branch.id, outs: defined(outputsOf(inputs, res.branch, false, sourceId ?? res.branch.parent_id)) };
  }

  /** The id of the branch a new branch is made from when the inputs name one (by id or name); undefined for the project's default. */
  private async namedSource(inputs: BranchInputs): Promise<string | undefined> {
    if (inputs.parentId) return inputs.parentId;
    if (!inputs.parentName) return undefined;
    const parent = await this.branchByName(inputs.projectId, inputs.parentName);
    if (!parent)
      throw new Error(`Neon project ${inputs.projectId} has no branch named "${inputs.parentName}" to branch from; deploy the stack that owns it first`);
    return parent.id;
  }

  /** Fails, naming the plan, when one more branch (or root branch, for schema-only) would pass the plan's cap. */
  private async checkCapacity(projectId: string, limit: BranchLimit, init: InitSource, branches: () => Promise<Branch[]>): Promise<void> {
    const neon = this.client();
    const { count } = await request(neon, `counting branches of ${projectId}`, () => neon.api.countProjectBranches({ projectId }), "read");
    const { plan, max, maxRoots } = limit;
    if (count >= max) {
      throw new Error(
        `Neon project ${projectId} has ${count} branches, the ${plan} plan's limit of ${max} (the default branch included): close or merge pull requests whose previews can go (each destroys its branch), run the sweep, or move to a plan with more branches`,
      );
    }
    if (init === "schema-only" && maxRoots !== undefined) {
      const roots = (await branches()).filter((b) => !b.parent_id).length;
      if (roots >= maxRoots) {
        throw new Error(
          `Neon project ${projectId} has ${roots} root branches, the ${plan} plan's limit of ${maxRoots} (the default branch and every schema-only branch count): close pull requests whose previews can go, run the sweep, use neon.data copy (child branches do not count), or move to a plan with more root branches`,
        );
      }
    }
  }

  private async branchByName(projectId: string, name: string): Promise<Branch | undefined> {
    return (await this.listBranches(projectId, name)).find((b) => b.name === name);
  }

  /** Every branch of a project (matching `search`), page by page: Neon lists them newest first, a page at a time. */
  private async listBranches(projectId: string, search?: string): Promise<Branch[]> {
    const neon = this.client();
    const out: Branch[] = [];
    let cursor: string | undefined;
    do {
      const page = await request(
        neon,
        `listing branches of ${projectId}`,
        () => neon.api.listProjectBranches({ projectId, search, limit: 100, cursor }),
        "read",
      );
      out.push(...page.branches);
      cursor = page.branches.length > 0 ? page.pagination?.next : undefined;
    } while (cursor);
    return out;
  }

  async read(id: string, stored?: BranchOutputs): Promise<pulumi.dynamic.ReadResult<BranchOutputs>> {
    const props = stateOf(stored, "Branch");
    const neon = this.client();
    const found = await getIfPresent(neon, `reading branch ${id}`, () => neon.api.getProjectBranch(props.projectId, id));
    // Gone: an empty result makes refresh drop it from state.
    return found ? { id, props: defined(outputsOf(props, found.branch, props.adopted, props.sourceBranchId)) } : {};
  }

  async diff(_id: string, olds: BranchOutputs, news: BranchInputs): Promise<pulumi.dynamic.DiffResult> {
    // The name is kept across a replacement and names are unique: the old branch goes first.
    return Promise.resolve(
      diffFields(
        olds,
        news,
        {
          replace: ["projectId", "parentId", "parentName", "adoptDefault", "initSource"],
          update: ["name", "protected", "expiresAt", "resetKey", "providerVersion"],
        },
        true,
      ),
    );
  }

  async update(id: string, olds: BranchOutputs, news: BranchInputs): Promise<pulumi.dynamic.UpdateResult<BranchOutputs>> {
    const neon = this.client();
    if (news.resetKey !== undefined && news.resetKey !== olds.resetKey && !olds.adopted) {
      // Reset from the parent before anything reads the branch: its data, roles and databases become the parent's.
      const parent = olds.actualParentId;
      if (!parent) throw new Error(`branch "${olds.name}" (${id}) has no parent to reset from`);
      const reset = await request(neon, `resetting branch ${id} from its parent ${parent}`, () =>
        neon.api.restoreProjectBranch(news.projectId, id, { source_branch_id: parent }),
      );
      await awaitOperations(neon, news.projectId, reset.operations);
    }
    const res = await request(neon, `updating branch ${id}`, () =>
      neon.api.updateProjectBranch(news.projectId, id, {
        // `null` clears an expiry that the new inputs no longer ask for.
        branch: { name: news.name, protected: news.protected, expires_at: news.expiresAt ?? (olds.expiresAt ? null : undefined) },
      }),
    );
    await awaitOperations(neon, news.projectId, res.operations);
    return { outs: defined(outputsOf(news, res.branch, olds.adopted, olds.sourceBranchId)) };
  }

  async delete(id: string, props: BranchOutputs): Promise<void> {
    if (props.adopted) return; // the default branch belongs to the project, not to this stack
    const neon = this.client();
    // Neon refuses to delete a branch that has children: say which, and what to do.
    const children = (await this.listBranches(props.projectId)).filter((b) => b.parent_id === id).map((b) => b.name);
    if (children.length > 0) {
      throw new Error(
        `branch "${props.name}" (${id}) has child branches: ${children.join(", ")}. Destroy the stacks that own them first (previews: \`npm run preview-stack -- destroy --pr <n>\`, or wait for the sweep)`,
      );
    }
    await deleteIfPresent(neon, props.projectId, `deleting branch ${id}`, () => neon.api.deleteProjectBranch({ projectId: props.projectId, branchId: id }));
  }
}

/** Arguments of `NeonBranch`. */
export interface NeonBranchArgs {
  readonly projectId: pulumi.Input<string>;
  readonly name: pulumi.Input<string>;
  /** Parent by id. Conflicts with `parentName`. @default the project's default branch */
  readonly parentId?: pulumi.Input<string>;
  /** Parent by name. Conflicts with `parentId`. @example "dev" */
  readonly parentName?: pulumi.Input<string>;
  /** Adopt the default branch instead of creating one. Conflicts with `parentId` and `expiresAt`. @default false */
  readonly adoptDefault?: boolean;
  /** @default false */
  readonly protected?: pulumi.Input<boolean>;
  /** Whether the plan offers protected branches (Free does not). @default true */
  readonly protectable?: boolean;
  /** The plan's branches and root branches per project, the default one counted: a create past either fails first, naming the plan. @default no check */
  readonly branchLimit?: BranchLimit;
  /** What the branch starts with. **Changing it replaces the branch.** @default "parent-data" */
  readonly initSource?: InitSource;
  /** A new value resets the branch from its parent (previews that start clean on each push). @default never reset */
  readonly resetKey?: pulumi.Input<string>;
  /** @example "2026-12-03T00:00:00Z" */
  readonly expiresAt?: pulumi.Input<string>;
}

/** A Neon branch (dynamic resource `pulumi-nodejs:dynamic/neon:Branch`). */
export class NeonBranch extends pulumi.dynamic.Resource {
  declare readonly branchId: pulumi.Output<string>;
  declare readonly name: pulumi.Output<string>;
  declare readonly expiresAt: pulumi.Output<string | undefined>;
  declare readonly protected: pulumi.Output<boolean>;
  declare readonly sourceBranchId: pulumi.Output<string | undefined>;
  declare readonly resetKey: pulumi.Output<string | undefined>;

  constructor(name: string, args: NeonBranchArgs, opts?: pulumi.CustomResourceOptions) {
    const props = {
      ...args,
      protected: args.protected ?? false,
      providerVersion: NEON_PROVIDER_VERSION,
      branchId: undefined,
      actualParentId: undefined,
      sourceBranchId: undefined,
      adopted: undefined,
    };
    super(new BranchProvider(), name, props, opts, "neon", "Branch");
  }
}
