/**
 * The typed settings the rest of the program reads: the result of validating and merging
 * profile defaults with the stack's config. Nothing here reads config.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { AppProfile, ProfileDefaults } from "./profiles";
import type { RegistryKind } from "../components/registry";

/** An image built from source by this stack. */
export interface BuildImageSettings {
  kind: "build";
  repository: string;
  context: string;
  dockerfile: string;
  target?: string;
  platforms: ("linux/amd64" | "linux/arm64")[];
  buildArgs: Record<string, string>;
  buildOnPreview: boolean;
  cache: boolean;
  gitSha?: string;
}

/** A prebuilt image: deployed as given (digest) or resolved to its digest (tag). */
export interface PrebuiltImageSettings {
  kind: "prebuilt";
  ref: string;
  pinned: boolean;
  gitSha?: string;
}

/** A Neon branch per stack. */
export interface NeonDatabaseSettings {
  kind: "neon";
  /** Adopt this project; when absent the stack creates one (only `prod` may). */
  projectId?: string;
  project: { name: string; regionId: string; pgVersion: number; historyRetentionSeconds: number };
  branch: { name: string; adoptDefault: boolean; parentName?: string; protected: boolean; ttlDays?: number };
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

/** The stack's GitHub Actions environment. */
export interface GithubSettings {
  owner: string;
  repository: string;
  environment: string;
  reviewers: { users: string[]; teams: string[] };
  /** Deploys only from `main` (production). */
  mainOnly: boolean;
  /** `github:token`; undefined means the provider reads GITHUB_TOKEN. */
  token?: pulumi.Output<string>;
  /** Extra environment secrets (`ciSecrets`; names plain, values secret). */
  secrets: Record<string, pulumi.Output<string>>;
  /** Repository secrets for the preview workflow (`previewCiSecrets`, dev stack). */
  repositorySecrets: Record<string, pulumi.Output<string>>;
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
  /** Whether stateful and traffic-serving resources get `protect`. */
  protect: boolean;
  image: BuildImageSettings | PrebuiltImageSettings;
  registry: { address: string; kind: RegistryKind; username?: string; password?: pulumi.Output<string> };
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
  };
  autoscaling: ProfileDefaults["autoscaling"];
  disruptionBudget: ProfileDefaults["disruptionBudget"];
  ingress: { enabled: boolean; host?: string; className?: string; clusterIssuer?: string; tls: boolean };
  sentry: { environment: string };
  kubernetes: { skipAwait: boolean };
  database: NeonDatabaseSettings | LocalDatabaseSettings;
  secrets: SecretsSettings;
  github?: GithubSettings;
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
  dopplerOperator: AddonSettings;
  certManager: AddonSettings;
  ingressNginx: AddonSettings;
}

/** What `loadSettings` returns. */
export type StackSettings = Settings | ClusterSettings;

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
}

/** One problem with one key. */
export interface SettingsIssue {
  key: string;
  message: string;
}
