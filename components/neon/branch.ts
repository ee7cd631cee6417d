/**
 * A Neon branch. Either a new branch from a parent (dev, previews), or the project's
 * default branch adopted as it is (prod): adopted branches are never deleted by Pulumi.
 *
 * Creates are idempotent: branch names are unique in a project and every name belongs to
 * one stack, so a branch that already carries the name is this stack's, left by a create
 * whose response was lost; it is taken over, not created twice.
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
  /** The plan's branches per project (the default branch counted): a create past it fails first, naming the plan. @default no check */
  branchLimit?: { plan: string; max: number };
  providerVersion: string;
}

/** State of a branch. */
export interface BranchOutputs extends BranchInputs {
  branchId: string;
  /** The parent the branch actually has. */
  actualParentId?: string;
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
    else if (at - now > MAX_EXPIRY_MS) failures.push({ property: "expiresAt", reason: `got ${news.expiresAt}, expected at most 30 days from now (Neon's limit)` });
    if (news.adoptDefault) failures.push({ property: "expiresAt", reason: "the default branch cannot expire; remove `expiresAt` or `adoptDefault`" });
    if (news.protected) failures.push({ property: "expiresAt", reason: "a protected branch cannot expire (Neon refuses it); remove `expiresAt` or `protected`" });
  }
  if (news.protected && news.protectable === false) {
    failures.push({ property: "protected", reason: "got true on a plan without protected branches (Neon's Free plan refuses it); Pulumi's `protect` option guards the branch instead" });
  }
  if (news.adoptDefault && (news.parentId || news.parentName)) {
    failures.push({ property: news.parentId ? "parentId" : "parentName", reason: "conflicts with `adoptDefault`: the default branch has no parent to choose" });
  }
  if (news.parentId && news.parentName) {
    failures.push({ property: "parentName", reason: "conflicts with `parentId`: name the parent one way" });
  }
  return failures;
}

function outputsOf(inputs: BranchInputs, b: Branch, adopted: boolean): BranchOutputs {
  return { ...inputs, branchId: b.id, name: b.name, protected: b.protected, expiresAt: b.expires_at, actualParentId: b.parent_id, adopted };
}

/** The dynamic provider for branches. */
export class BranchProvider extends NeonProviderBase implements pulumi.dynamic.ResourceProvider<BranchInputs, BranchOutputs> {
  async check(_olds: BranchInputs, news: BranchInputs): Promise<pulumi.dynamic.CheckResult<BranchInputs>> {
    // Neon keeps expiries to the second: ask for exactly that, or every diff would see a change.
    const expiresAt = news.expiresAt && !Number.isNaN(Date.parse(news.expiresAt)) ? new Date(Date.parse(news.expiresAt)).toISOString().replace(/\.\d{3}Z$/, "Z") : news.expiresAt;
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
      return { id: found.id, outs: defined(outputsOf(inputs, res.branch, true)) };
    }
    const parentId = inputs.parentName ? (await this.branchByName(inputs.projectId, inputs.parentName))?.id : inputs.parentId;
    if (inputs.parentName && !parentId) throw new Error(`Neon project ${inputs.projectId} has no branch named "${inputs.parentName}" to branch from; deploy the stack that owns it first`);
    // A branch with this name is this stack's, from a create whose answer was lost: take it over.
    const existing = await this.branchByName(inputs.projectId, inputs.name);
    if (existing) {
      const res = await request(neon, `taking over branch ${existing.id}`, () =>
        neon.api.updateProjectBranch(inputs.projectId, existing.id, { branch: { protected: inputs.protected, expires_at: inputs.expiresAt } }),
      );
      await awaitOperations(neon, inputs.projectId, res.operations);
      return { id: existing.id, outs: defined(outputsOf(inputs, res.branch, false)) };
    }
    if (inputs.branchLimit) {
        const { count } = await request(neon, `counting branches of ${inputs.projectId}`, () => neon.api.countProjectBranches({ projectId: inputs.projectId }), "read");
      const { plan, max } = inputs.branchLimit;
      if (count >= max) {
        throw new Error(
          `Neon project ${inputs.projectId} has ${count} branches, the ${plan} plan's limit of ${max} (the default branch included): close or merge pull requests whose previews can go (each destroys its branch), run the sweep, or move to a plan with more branches`,
        );
      }
    }
    const res = await request(neon, `creating branch ${inputs.name}`, () =>
      neon.api.createProjectBranch(inputs.projectId, {
        branch: { name: inputs.name, parent_id: parentId, protected: inputs.protected, expires_at: inputs.expiresAt },
      }),
    );
    await awaitOperations(neon, inputs.projectId, res.operations);
    return { id: res.branch.id, outs: defined(outputsOf(inputs, res.branch, false)) };
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
      const page = await request(neon, `listing branches of ${projectId}`, () => neon.api.listProjectBranches({ projectId, search, limit: 100, cursor }), "read");
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
    return found ? { id, props: defined(outputsOf(props, found.branch, props.adopted)) } : {};
  }

  async diff(_id: string, olds: BranchOutputs, news: BranchInputs): Promise<pulumi.dynamic.DiffResult> {
    // The name is kept across a replacement and names are unique: the old branch goes first.
    return Promise.resolve(diffFields(olds, news, { replace: ["projectId", "parentId", "parentName", "adoptDefault"], update: ["name", "protected", "expiresAt", "providerVersion"] }, true));
  }

  async update(id: string, olds: BranchOutputs, news: BranchInputs): Promise<pulumi.dynamic.UpdateResult<BranchOutputs>> {
    const neon = this.client();
    const res = await request(neon, `updating branch ${id}`, () =>
      neon.api.updateProjectBranch(news.projectId, id, {
        // `null` clears an expiry that the new inputs no longer ask for.
        branch: { name: news.name, protected: news.protected, expires_at: news.expiresAt ?? (olds.expiresAt ? null : undefined) },
      }),
    );
    await awaitOperations(neon, news.projectId, res.operations);
    return { outs: defined(outputsOf(news, res.branch, olds.adopted)) };
  }

  async delete(id: string, props: BranchOutputs): Promise<void> {
    if (props.adopted) return; // the default branch belongs to the project, not to this stack
    const neon = this.client();
    // Neon refuses to delete a branch that has children: say which, and what to do.
    const children = (await this.listBranches(props.projectId)).filter((b) => b.parent_id === id).map((b) => b.name);
    if (children.length > 0) {
      throw new Error(`branch "${props.name}" (${id}) has child branches: ${children.join(", ")}. Destroy the stacks that own them first (previews: \`npm run preview-stack -- destroy --pr <n>\`, or wait for the sweep)`);
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
  /** The plan's branches per project, the default one counted: a create past it fails first, naming the plan. @default no check */
  readonly branchLimit?: { plan: string; max: number };
  /** @example "2026-12-03T00:00:00Z" */
  readonly expiresAt?: pulumi.Input<string>;
}

/** A Neon branch (dynamic resource `pulumi-nodejs:dynamic/neon:Branch`). */
export class NeonBranch extends pulumi.dynamic.Resource {
  declare readonly branchId: pulumi.Output<string>;
  declare readonly name: pulumi.Output<string>;
  declare readonly expiresAt: pulumi.Output<string | undefined>;
  declare readonly protected: pulumi.Output<boolean>;

  constructor(name: string, args: NeonBranchArgs, opts?: pulumi.CustomResourceOptions) {
    const props = {
      ...args,
      protected: args.protected ?? false,
      providerVersion: NEON_PROVIDER_VERSION,
      branchId: undefined,
      actualParentId: undefined,
      adopted: undefined,
    };
    super(new BranchProvider(), name, props, opts, "neon", "Branch");
  }
}
