/**
 * The typed settings the rest of the program reads: the result of validating and merging
 * profile defaults with the stack's config. Nothing here reads config.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { AppProfile, ProfileDefaults } from "./profiles";
import type { ExternalNames } from "./names";
import type { NeonPlan } from "../components/neon/plans";
import type { EnvironmentContract } from "./access";

/** An image built from source by this stack. */
export interface BuildImageSettings {
  kind: "build";
  repository: string;
  context: string;
  dockerfile: string;
  target?: string;
  /** The stage built as the migration image (same repository, its own digest and `migrator-` tags). */
  migratorTarget: string;
  platforms: ("linux/amd64" | "linux/arm64")[];
  buildArgs: Record<string, string>;
  buildOnPreview: boolean;
  /** Registry build cache: full references imported, and the one exported (never one a main build reads, for previews). */
  cache?: { from: string[]; to: string };
  /** Extra tags pushed with the digest. */
  tags: string[];
}

/** A prebuilt image: deployed as given (digest) or resolved to its digest (tag). */
export interface PrebuiltImageSettings {
  kind: "prebuilt";
  ref: string;
  pinned: boolean;
  /** The migration image; the app image itself when unset. */
  migratorRef?: string;
}

/** Production never builds: without a new `image.ref` it keeps the digest it runs now. */
export interface DeployedImageSettings {
  kind: "deployed";
}

/** A Neon branch per stack. */
export interface NeonDatabaseSettings {
  kind: "neon";
  plan: NeonPlan;
  /** The project's id; absent only for the production stack before it has created the project. */
  projectId?: string;
  /** The production stack manages the project (creates it, or adopts `projectId`); other stacks only use it. */
  manageProject: boolean;
  project: { name: string; regionId: string; pgVersion: number; historyRetentionSeconds: number; orgId?: string };
  /** Keeper of the role's password: a new value rotates it. */
  passwordRotation?: string;
  branch: {
    name: string;
    adoptDefault: boolean;
    parentName?: string;
    protected: boolean;
    protectable: boolean;
    branchLimit?: { plan: string; max: number; maxRoots: number };
    ttlDays?: number;
    initSource: "parent-data" | "schema-only";
    resetKey?: string;
  };
  compute: { minCu: number; maxCu: number; suspendTimeoutSeconds: number };
  name: string;
  role: string;
}

/** Postgres inside the cluster (local profile). */
export interface LocalDatabaseSettings {
  kind: "local";
  image: string;
  storage: string;
  name: string;
  role: string;
}

/** Where the app's secrets come from. */
export interface SecretsSettings {
  /** Keeper of NEXTAUTH_SECRET: a new value rotates it. */
  rotation: string;
  /** Doppler, for every profile but `local`. */
  doppler?: {
    project: string;
    environment: string;
    config: string;
    /** A branch config of `environment`, created and deleted with the stack (previews). */
    branch: boolean;
    sync: "snapshot" | "operator";
  };
  /** `local`: the app's own secrets from the `appSecrets` secret config (names plain, values secret). */
  local?: Record<string, pulumi.Output<string>>;
}

/** The validated settings of a stack that deploys the app. */
export interface Settings {
  role: "app";
  project: string;
  stack: string;
  profile: AppProfile;
  /** Pull request number of a preview stack. */
  pullRequest?: number;
  appName: string;
  namespace: string;
  /** Whether this is the one production stack (`productionStack`). */
  production: boolean;
  /** Everything the stack owns outside its state, named for it alone. */
  names: ExternalNames;
  /** Whether stateful and traffic-serving resources get `protect`. */
  protect: boolean;
  image: BuildImageSettings | PrebuiltImageSettings | DeployedImageSettings;

  /** The registry the stack's images come from (none known for a promoted digest without `image.repository`). */
  registry: { address?: string; username?: string; password?: pulumi.Output<string>; pullToken?: pulumi.Output<string> };
  app: {
    port: number;
    replicas: number;
    logLevel: ProfileDefaults["logLevel"];
    env: Record<string, string>;
    resources: ProfileDefaults["resources"];
    livenessPath: string;
    readinessPath: string;
    migrate: boolean;
    migrationCommand: string[];
    /** Run after the migrations (the seed); undefined where the stack does not seed. */
    seedCommand?: string[];
    spreadAcrossNodes: "required" | "preferred";
    priorityClassName?: string;
    requestLocalStorage: boolean;
  };
  /** DNS and ingress sources the namespace's policies allow, where a cluster differs from the defaults. */
  network: { dnsNamespaces: string[]; dnsPorts: number[]; dnsCidrs: string[]; ingressCidrs: string[] };
  autoscaling: ProfileDefaults["autoscaling"];
  disruptionBudget: ProfileDefaults["disruptionBudget"];
  ingress: { enabled: boolean; host?: string; className?: string; clusterIssuer?: string; tls: boolean; controllerNamespace: string };
  sentry: {
    environment: string;
    /** Where releases and source maps go; both or neither. */
    org?: string;
    project?: string;
    url?: string;
    /** `$SENTRY_AUTH_TOKEN`, for dev-profile and local builds only (a pull request's build never gets it). */
    buildToken?: pulumi.Output<string>;
  };
  kubernetes: { skipAwait: boolean; context?: string };
  drift: { ignore: { type: string; name?: string; path?: string }[] };
  database: NeonDatabaseSettings | LocalDatabaseSettings;
  secrets: SecretsSettings;
  /** Previews: the Kubernetes users bound in the namespace (the pull request's identity and the sweeper's). */
  previewAccess?: { users: string[] };
}

/** A Helm-installed cluster add-on. */
export interface AddonSettings {
  enabled: boolean;
  /** Chart version; the chart's latest when undefined. */
  version?: string;
}

/** The validated settings of a `cluster-<name>` stack. */
export interface ClusterSettings {
  role: "cluster";
  project: string;
  stack: string;
  profile: "cluster";
  kubernetes: { context?: string };
  dopplerOperator: AddonSettings;
  /** cert-manager, and its ClusterIssuers when an ACME email is set. */
  certManager: AddonSettings & { issuers?: { email: string; ingressClass?: string; dns01?: Record<string, unknown> } };
  ingressNginx: AddonSettings & { serviceAnnotations: Readonly<Record<string, string>> };
  metricsServer: AddonSettings;
  /** The preview contract on the cluster (`PreviewAccess`); undefined when turned off. */
  previewAccess?: {
    repository: string;
    namespacePrefix: string;
    previewDomain: string;
    issuer?: string;
    audience?: string;
    dnsNamespaces?: string[];
    ingressNamespaces?: string[];
    blockedCidrs?: string[];
    exemptCidrs?: string[];
  };
}

/** One GitHub Actions environment the repository stack manages: its contract, reviewers and secrets. */
export interface RepositoryEnvironmentSettings {
  contract: EnvironmentContract;
  /** Required reviewers (reviewed environments only). */
  reviewers: { users: string[]; teams: string[] };
  /** Environment secrets (names plain, values secret), each one the contract lists. */
  secrets: Record<string, pulumi.Output<string>>;
  /** Plain environment variables, each one the contract lists. */
  variables: Record<string, string>;
}

/** The validated settings of the repository stack (`github`). */
export interface RepositorySettings {
  role: "github";
  project: string;
  stack: string;
  profile: "github";
  owner: string;
  repository: string;
  environments: RepositoryEnvironmentSettings[];
  /** Main's ruleset: the status checks it requires and how many approvals a pull request needs. */
  ruleset: { requiredChecks: string[]; approvals: number };
  /** `github:token`; undefined means the provider reads GITHUB_TOKEN (a GitHub App installation token in CI). */
  token?: pulumi.Output<string>;
}

/** What `loadSettings` returns. */
export type StackSettings = Settings | ClusterSettings | RepositorySettings;

/** Raw inputs: what Pulumi hands the program, made explicit so tests can pass their own. */
export interface SettingsInput {
  project: string;
  stack: string;
  /** Full keys (`nextjs-infra:image`) to raw string values, as `pulumi.runtime.allConfig()` returns. */
  config: Readonly<Record<string, string>>;
  /** Full keys whose values are secret. */
  secretKeys: ReadonlySet<string>;
  /** Process environment (GITHUB_SHA, GITHUB_ACTOR and the credential fallbacks are read). */
  env: Readonly<Record<string, string | undefined>>;
  /**
   * Project-level config from `Pulumi.yaml` (full keys, raw values): what every stack
   * inherits, so a key a profile does not read is accepted when it comes from here unchanged.
   */
  projectConfig?: Readonly<Record<string, string>>;
  /** A preview (`pulumi preview`): nothing is created, so credentials only `up` uses are not required. */
  dryRun?: boolean;
  /** Where the project's files are (the CI workflow the repository stack reads). @default the working directory */
  workDir?: string;
  /** The other stacks committed next to this one (`Pulumi.<stack>.yaml`), full keys, raw values, project config included. */
  siblings?: Readonly<Record<string, Readonly<Record<string, string>>>>;
}
