/**
 * Profiles: what differs between stacks, as data. A stack's profile comes from its
 * name (`local`, `dev`, `prod`, `pr-<n>`) or from the `profile` config key, so a
 * user can add `staging` without touching code.
 */

/** The profiles a stack can run under. */
export const PROFILES = ["local", "dev", "prod", "preview", "cluster", "github"] as const;
export type Profile = (typeof PROFILES)[number];
/**
 * Profiles that deploy the app: every one but `cluster` (cluster add-ons) and `github`
 * (the repository's administration: environments, their secrets, main's ruleset).
 */
export type AppProfile = Exclude<Profile, "cluster" | "github">;
/** Role stacks: they deploy no app, and hold what no app stack may. */
export const ROLE_PROFILES: readonly Profile[] = ["cluster", "github"];

/** Stack names whose profile is implied by the name itself. */
const RESERVED_STACKS: Readonly<Record<string, Profile>> = { local: "local", dev: "dev", prod: "prod", github: "github" };

/** A pull request stack: `pr-` and a pull request number without leading zeros (GitHub's are below 10⁹). */
export const PREVIEW_STACK = /^pr-([1-9][0-9]{0,8})$/;
/** A cluster add-on stack, one per cluster: `cluster-<name>`. */
export const CLUSTER_STACK = /^cluster-[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** What a stack name may look like, for error messages. */
export const VALID_STACK_FORMS =
  "`local`, `dev`, `prod`, `pr-<pull request number>` (e.g. `pr-42`), `cluster-<name>` (cluster add-ons), `github` (repository administration), " +
  "or any other name with `nextjs-infra:profile` set to one of " +
  PROFILES.map((p) => `\`${p}\``).join(", ");

/** The result of classifying a stack name: a profile, or the reason there is none. */
export type ProfileResolution = { ok: true; profile: Profile; pullRequest?: number } | { ok: false; key: "stack" | "profile"; message: string };

/**
 * Decides a stack's profile from its name and the optional `profile` config value.
 * Pure: tests call it directly.
 */
export function resolveProfile(stack: string, configured: string | undefined): ProfileResolution {
  if (configured !== undefined && !(PROFILES as readonly string[]).includes(configured)) {
    return {
      ok: false,
      key: "profile",
      message: `got "${configured}", expected one of ${PROFILES.join(", ")}`,
    };
  }
  const wanted = configured as Profile | undefined;
  const preview = PREVIEW_STACK.exec(stack);
  const implied: Profile | undefined = preview ? "preview" : CLUSTER_STACK.test(stack) ? "cluster" : RESERVED_STACKS[stack];
  if (implied && wanted && wanted !== implied) {
    return {
      ok: false,
      key: "profile",
      message: `got "${wanted}", but stack "${stack}" always runs the "${implied}" profile; remove the key or rename the stack`,
    };
  }
  if (wanted === "cluster" && !implied) {
    return { ok: false, key: "profile", message: `got "cluster" for stack "${stack}"; cluster add-on stacks must be named cluster-<name>, e.g. cluster-eu1` };
  }
  if (wanted === "preview" && !preview) {
    return {
      ok: false,
      key: "profile",
      message: `got "preview" for stack "${stack}"; preview stacks must be named pr-<pull request number>, e.g. pr-42`,
    };
  }
  const profile = implied ?? wanted;
  if (profile === undefined) {
    const hint = /^pr-[0-9]{10,}$/.test(stack)
      ? " (a pull request number has at most 9 digits; it names hosts, branches and configs)"
      : /^pr-/i.test(stack)
        ? " (a preview stack is pr-<pull request number>, e.g. pr-42)"
        : "";
    return {
      ok: false,
      key: "stack",
      message: `stack "${stack}" has no profile${hint}; valid stacks: ${VALID_STACK_FORMS}`,
    };
  }
  return preview ? { ok: true, profile, pullRequest: Number(preview[1]) } : { ok: true, profile };
}

/** Kubernetes quantities for one container. */
export interface ResourceDefaults {
  requests: { cpu: string; memory: string };
  limits: { cpu: string; memory: string };
}

/** Everything a profile decides. Config values override these, key by key. */
export interface ProfileDefaults {
  replicas: number;
  logLevel: "trace" | "debug" | "info" | "warn" | "error" | "fatal";
  buildOnPreview: boolean;
  resources: ResourceDefaults;
  autoscaling: { enabled: boolean; minReplicas: number; maxReplicas: number; targetCpuUtilization: number };
  disruptionBudget: { enabled: boolean; minAvailable: number };
  ingress: { tls: boolean; clusterIssuer?: string };
  /** `protect` on resources that hold data or would take the site down if deleted. */
  protect: boolean;
  /** Whether replicas must run on different nodes, or only prefer to. */
  spreadAcrossNodes: "required" | "preferred";
  /** The pods' PriorityClass (the cluster stack creates production's). */
  priorityClassName?: string;
}

const small: ResourceDefaults = {
  requests: { cpu: "100m", memory: "256Mi" },
  limits: { cpu: "500m", memory: "512Mi" },
};

const noAutoscaling = { enabled: false, minReplicas: 1, maxReplicas: 1, targetCpuUtilization: 70 };
const noBudget = { enabled: false, minAvailable: 1 };

/**
 * Defaults per profile. Why these values:
 * - `dev` builds during preview so a broken Dockerfile fails the pull request check;
 *   `prod` deploys a digest promoted from dev, and previews rebuild on `up` anyway.
 * - `prod` alone runs two or more replicas with an autoscaler and a disruption budget.
 */
export const PROFILE_DEFAULTS: Readonly<Record<AppProfile, ProfileDefaults>> = {
  local: {
    replicas: 1,
    logLevel: "debug",
    buildOnPreview: false,
    resources: small,
    autoscaling: noAutoscaling,
    disruptionBudget: noBudget,
    ingress: { tls: false },
    protect: false,
    spreadAcrossNodes: "preferred",
  },
  dev: {
    replicas: 1,
    logLevel: "debug",
    buildOnPreview: true,
    resources: small,
    autoscaling: noAutoscaling,
    disruptionBudget: noBudget,
    ingress: { tls: true, clusterIssuer: "letsencrypt-prod" },
    protect: false,
    spreadAcrossNodes: "preferred",
  },
  preview: {
    replicas: 1,
    logLevel: "debug",
    buildOnPreview: false,
    resources: { requests: { cpu: "50m", memory: "192Mi" }, limits: { cpu: "500m", memory: "512Mi" } },
    autoscaling: noAutoscaling,
    disruptionBudget: noBudget,
    ingress: { tls: true, clusterIssuer: "letsencrypt-prod" },
    protect: false,
    spreadAcrossNodes: "preferred",
  },
  prod: {
    replicas: 2,
    logLevel: "info",
    buildOnPreview: false,
    resources: { requests: { cpu: "250m", memory: "512Mi" }, limits: { cpu: "1", memory: "1Gi" } },
    autoscaling: { enabled: true, minReplicas: 2, maxReplicas: 6, targetCpuUtilization: 70 },
    disruptionBudget: { enabled: true, minAvailable: 1 },
    ingress: { tls: true, clusterIssuer: "letsencrypt-prod" },
    protect: true,
    spreadAcrossNodes: "required",
    priorityClassName: "nextjs-infra-production",
  },
};

/** Neon compute per deployed profile (local runs Postgres in the cluster): autoscaling range and how soon an idle compute suspends. */
export interface NeonComputeDefaults {
  minCu: number;
  maxCu: number;
  suspendTimeoutSeconds: number;
}

export const NEON_COMPUTE_DEFAULTS: Readonly<Record<Exclude<AppProfile, "local">, NeonComputeDefaults>> = {
  dev: { minCu: 0.25, maxCu: 1, suspendTimeoutSeconds: 300 },
  // The smallest compute, suspended after a minute idle: previews cost next to nothing.
  preview: { minCu: 0.25, maxCu: 0.25, suspendTimeoutSeconds: 60 },
  // Suspend timeout 0 is Neon's default; set -1 on a paid plan to never cold-start.
  prod: { minCu: 0.5, maxCu: 4, suspendTimeoutSeconds: 0 },
};
