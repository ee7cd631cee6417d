/**
 * AppDatabase: the stack's Postgres and its two connection strings — pooled for the
 * app, direct for migrations — both secret. Neon for every deployed profile (a branch
 * per stack); Postgres inside the cluster for `local`. Callers see the same outputs
 * either way, so a future official Neon provider can replace the dynamic one here alone.
 */
import * as pulumi from "@pulumi/pulumi";
import { LocalPostgres } from "./local-postgres";
import { NeonBranch, NeonDatabase, NeonEndpoint, NeonProject, NeonRole } from "./neon";

/** Neon: the project (used by id, or managed), this stack's branch and its compute. */
export interface NeonArgs {
  /** Use this project (every stack but production). Conflicts with `manageProject`. */
  readonly projectId?: pulumi.Input<string>;
  /**
   * Manage the project (the production stack): create it, or adopt `adoptId` — the same
   * resource either way, so writing a created project's id into config changes nothing.
   * **Changing `regionId`, `pgVersion` or `orgId` replaces the project** (refused while protected).
   * Conflicts with `projectId`.
   */
  readonly manageProject?: { name: string; regionId: string; pgVersion: number; historyRetentionSeconds: number; orgId?: string; adoptId?: string };
  readonly branch: {
    /** @example "dev", "preview/pr-42" */
    name: string;
    /** Use the project's default branch (prod). */
    adoptDefault: boolean;
    /** Parent branch by name. @default the default branch */
    parentName?: string;
    /** Neon's protected flag (paid plans). */
    protected: boolean;
    /** Whether the project's plan offers protected branches (Free does not). @default true */
    protectable?: boolean;
    /** The plan's branches per project: a create past it fails first, naming the plan. @default no check */
    branchLimit?: { plan: string; max: number; maxRoots?: number };
    /** RFC 3339 expiry, for previews: Neon deletes the branch even if every workflow fails. */
    expiresAt?: string;
    /** The parent's rows too, or its schema alone. **Changing it replaces the branch.** @default "parent-data" */
    initSource?: "parent-data" | "schema-only";
    /** A new value resets the branch from its parent before the migrations run (previews that start clean). @default never */
    resetKey?: string;
  };
  readonly compute: { minCu: number; maxCu: number; suspendTimeoutSeconds: number };
  /** Keeper of the role's password: a new value rotates it (and so rolls the app). @default none */
  readonly passwordRotation?: string;
}

/** Arguments of `AppDatabase`: exactly one of `neon` and `local`. */
export interface AppDatabaseArgs {
  readonly neon?: NeonArgs;
  /** In-cluster Postgres. */
  readonly local?: { namespace: pulumi.Input<string>; appName: string; image: string; storage?: string; skipAwait?: boolean };
  /** Database name. @default "app" */
  readonly name?: string;
  /** Owner role the app connects as. @default "app" */
  readonly role?: string;
  /**
   * Keep the data whatever happens: `protect` and `retainOnDelete` on the project,
   * branch and database, so `pulumi destroy` cannot drop production data. @default false
   */
  readonly retain?: boolean;
}

/** The database and the role the app connects as, unless named. */
export const DATABASE_DEFAULTS = { name: "app", role: "app" } as const;

/** The Neon host of the connection pooler: `-pooler` after the endpoint id. */
export function poolerHost(host: string): string {
  const [first, ...rest] = host.split(".");
  return [`${first}-pooler`, ...rest].join(".");
}

/**
 * A preview's expiry: `ttlDays` from now, rounded *up* to the next UTC midnight. Rounded
 * to the day so that a second `up` on the same day changes nothing; rounded up so that a
 * branch never lives shorter than asked (it lives ttlDays to ttlDays + 1 days), and each
 * push on a later day extends a branch that is still in use.
 */
export function previewExpiry(ttlDays: number, now: Date = new Date()): string {
  const at = now.getTime() + ttlDays * 86_400_000;
  const midnight = Math.ceil(at / 86_400_000) * 86_400_000;
  return new Date(midnight).toISOString().replace(".000Z", "Z");
}

/** The stack's database. */
export class AppDatabase extends pulumi.ComponentResource {
  /** Pooled connection string for the app (`DATABASE_URL`); secret. */
  readonly databaseUrl: pulumi.Output<string>;
  /** Direct connection string for migrations (`DIRECT_URL`); secret. */
  readonly directUrl: pulumi.Output<string>;
  /** Neon branch id and name (undefined for local Postgres). */
  readonly branchId?: pulumi.Output<string>;
  readonly branchName?: pulumi.Output<string>;
  /** The Neon branch this one was made from: the base of its schema diff (undefined for local Postgres and the default branch). */
  readonly sourceBranchId?: pulumi.Output<string | undefined>;
  /** When Neon deletes the branch (previews), as Neon holds it. */
  readonly expiresAt?: pulumi.Output<string | undefined>;
  /** Neon project id (for the other stacks' `neon.projectId`). */
  readonly projectId?: pulumi.Output<string>;

  constructor(name: string, args: AppDatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
    super("nextjs-infra:database:AppDatabase", name, {}, opts);
    if ((args.neon === undefined) === (args.local === undefined)) {
      throw new pulumi.ResourceError("AppDatabase needs exactly one of `neon` and `local`", this);
    }
    const database = args.name ?? DATABASE_DEFAULTS.name;
    const role = args.role ?? DATABASE_DEFAULTS.role;
    if (args.local) {
      const pg = new LocalPostgres(`${name}-postgres`, { ...args.local, database, role }, { parent: this });
      this.databaseUrl = pg.url;
      this.directUrl = pg.url;
    } else {
      const neon = this.createNeon(name, args.neon!, database, role, args.retain ?? false);
      this.databaseUrl = neon.pooled;
      this.directUrl = neon.direct;
      this.branchId = neon.branchId;
      this.branchName = neon.branchName;
      this.sourceBranchId = neon.sourceBranchId;
      this.expiresAt = neon.expiresAt;
      this.projectId = neon.projectId;
    }
    this.registerOutputs({
      databaseUrl: this.databaseUrl,
      directUrl: this.directUrl,
      branchId: this.branchId,
      branchName: this.branchName,
      sourceBranchId: this.sourceBranchId,
      expiresAt: this.expiresAt,
      projectId: this.projectId,
    });
  }

  private createNeon(name: string, args: NeonArgs, database: string, roleName: string, retain: boolean) {
    if ((args.projectId === undefined) === (args.manageProject === undefined)) {
      throw new pulumi.ResourceError("AppDatabase `neon` needs exactly one of `projectId` and `manageProject`", this);
    }
    const keep = { parent: this, protect: retain, retainOnDelete: retain };
    // Children take the parents' resource ids, not their outputs: an id stays known while a
    // preview shows an update of the parent, so it never turns into a false replacement.
    const projectId = args.manageProject
      ? new NeonProject(
          `${name}-project`,
          {
            ...args.manageProject,
            defaultBranchName: args.branch.adoptDefault ? args.branch.name : undefined,
            defaultDatabase: args.branch.adoptDefault ? { name: database, ownerName: roleName } : undefined,
          },
          keep,
        ).id
      : pulumi.output(args.projectId!);
    const branch = new NeonBranch(`${name}-branch`, { projectId, ...args.branch }, keep);
    const endpoint = new NeonEndpoint(`${name}-endpoint`, { projectId, branchId: branch.id, ...args.compute }, { parent: this, retainOnDelete: retain });
    // After a reset the branch's roles and databases are its parent's: both are made this stack's again.
    const role = new NeonRole(
      `${name}-role`,
      { projectId, branchId: branch.id, name: roleName, rotation: args.passwordRotation, branchState: branch.resetKey },
      { parent: this, retainOnDelete: retain },
    );
    // The owner by its configured name (known in every preview), ordered after the role.
    const db = new NeonDatabase(
      `${name}-database`,
      { projectId, branchId: branch.id, name: database, ownerName: roleName, branchState: branch.resetKey },
      { ...keep, dependsOn: [role] },
    );
    // The database's own output in the URL: whatever reads the URL (the migration Job's
    // Secret) waits until the database exists, and follows a rename.
    const url = (host: pulumi.Input<string>) => pulumi.secret(pulumi.interpolate`postgresql://${roleName}:${role.password}@${host}/${db.name}?sslmode=require`);
    return {
      projectId,
      branchId: branch.id,
      branchName: branch.name,
      sourceBranchId: branch.sourceBranchId,
      expiresAt: branch.expiresAt,
      host: endpoint.host,
      direct: url(endpoint.host),
      pooled: url(endpoint.host.apply(poolerHost)),
    };
  }
}
