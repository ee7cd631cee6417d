/**
 * The names of everything a stack owns outside its own state: namespace, host, Neon
 * branch, Doppler config, GitHub environment. One function derives them from the stack
 * name and its config, for this stack and for every other stack committed next to it, so
 * that no two stacks can ever share (and so overwrite) one of them. The production names
 * (the Neon default branch, Doppler's `prd`, GitHub's `production`) belong to exactly one
 * stack: `productionStack`, `prod` unless set otherwise.
 */
import { namespaceName } from "../components/naming";
import type { AppProfile } from "./profiles";
import type { Config } from "./schema";
import type { SettingsIssue } from "./errors";

import { cloudIdentities } from "./cloud";

/** The production stack's defaults. */
/** The environments shared by all stacks, by name. */
export const SHARED_ENVIRONMENTS = { preview: "preview", admin: "repository-admin" } as const;
/** The read-only twin of a stack's environment: plans and drift checks. */
export const readEnvironment = (deployEnvironment: string) => `${deployEnvironment}-read`;

/** The app's name unless `appName` says otherwise: it names the namespaces, Deployment and Service. */
export const DEFAULT_APP_NAME = "web";

export const PRODUCTION = {
  stack: "prod",
  neonBranch: "main",
  dopplerEnvironment: "prd",
  githubEnvironment: "production",
  sentryEnvironment: "production",
} as const;
/** The stack named `dev`: its Doppler environment is `dev`. */
export const DEV_STACK = "dev";
/** The previews' own Doppler environment: each preview is a branch config of it, never of dev's. */
export const PREVIEW_DOPPLER_ENVIRONMENT = "preview";

/** What a stack owns outside its state. */
export interface ExternalNames {
  stack: string;
  /** Whether this is the one production stack. */
  production: boolean;
  namespace: string;
  host?: string;
  neonBranch: { name: string; adoptDefault: boolean; parentName?: string };
  /** The Neon project the branch lives in. */
  neonProjectId?: string;
  doppler: { environment: string; config: string; branch: boolean };
  /** The stack's own GitHub environment (long-lived stacks only). */
  githubEnvironment?: string;
  /** The cloud identities its environments use (deploy; and read, long-lived stacks). */
  cloudIdentities: string[];
}

/** Who the stack is: what names derive from. */
export interface StackIdentity {
  stack: string;
  profile: AppProfile;
  pullRequest?: number;
  productionStack: string;
}

/** The name of the production stack: `productionStack`, else `prod`. */
export function productionStackOf(c: Config): string {
  return c.productionStack ?? PRODUCTION.stack;
}

/** Derives every external name of a stack from its identity and config. Pure. */
export function externalNames(id: StackIdentity, c: Config): ExternalNames {
  const { stack, profile, pullRequest } = id;
  const production = stack === id.productionStack;
  const longLived = profile === "dev" || profile === "prod";
  const appName = c.appName ?? DEFAULT_APP_NAME;
  const productionBranch = c.neon?.productionBranch ?? PRODUCTION.neonBranch;
  const neonBranch = production
    ? { name: productionBranch, adoptDefault: true }
    : profile === "preview"
      ? { name: `preview/pr-${pullRequest}`, adoptDefault: false, parentName: c.neon?.previewParent }
      : { name: stack, adoptDefault: false };
  const host =
    c.ingress?.host ??
    (profile === "local" ? `${appName}.localhost` : undefined) ??
    (pullRequest !== undefined && c.ingress?.previewDomain ? `pr-${pullRequest}.${c.ingress.previewDomain}` : undefined);
  return {
    stack,
    production,
    namespace: namespaceName(appName, stack),
    host,
    neonBranch,
    neonProjectId: c.neon?.projectId,
    doppler: dopplerNames(id, c, production),
    githubEnvironment: longLived ? (c.github?.environment ?? (production ? PRODUCTION.githubEnvironment : stack)) : undefined,
    cloudIdentities: profile === "local" ? [] : cloudIdentities(c, longLived),
  };
}

/** Doppler configs: root configs for production and dev, branch configs for every other stack. */
function dopplerNames(id: StackIdentity, c: Config, production: boolean): ExternalNames["doppler"] {
  const d = c.doppler ?? {};
  if (production) {
    const environment = d.environment ?? PRODUCTION.dopplerEnvironment;
    return { environment, config: d.config ?? environment, branch: false };
  }
  if (id.profile === "preview") {
    const environment = d.environment ?? PREVIEW_DOPPLER_ENVIRONMENT;
    return { environment, config: d.config ?? `${environment}_pr_${id.pullRequest}`, branch: true };
  }
  if (id.stack === DEV_STACK) {
    const environment = d.environment ?? DEV_STACK;
    return { environment, config: d.config ?? environment, branch: false };
  }
  // Any other stack: its own branch config (dev profile), or the root config of the
  // environment it names (prod profile: it may not read production's secrets).
  const environment = d.environment ?? (id.profile === "prod" ? "" : DEV_STACK);
  const rootConfig = id.profile === "prod";
  return {
    environment,
    config: d.config ?? (rootConfig ? environment : `${environment}_${id.stack.replace(/-/g, "_")}`),
    branch: !rootConfig && d.config === undefined,
  };
}

/**
 * Refuses names that belong to another stack: the production names on any other stack,
 * a preview's names outside that preview, and anything a committed sibling stack owns.
 * `inherited` is what previews inherit from the project level (they have no stack file).
 */
export function checkIsolation(
  ns: string,
  self: ExternalNames,
  profile: AppProfile,
  c: Config,
  siblings: readonly ExternalNames[],
  issues: SettingsIssue[],
  inherited: { previewDomain?: string; neonProjectId?: string; cloudIdentity?: string } = {},
): void {
  const projectPreviewDomain = inherited.previewDomain;
  const owner = (what: (n: ExternalNames) => string | undefined, value: string | undefined) =>
    value === undefined ? undefined : siblings.find((s) => s.stack !== self.stack && what(s) === value)?.stack;
  const refuse = (key: string, value: string, why: string) => issues.push({ key: `${ns}${key}`, message: `got "${value}", ${why}` });

  if (!self.production) {
    const production = siblings.find((s) => s.production);
    const prodBranch = production?.neonBranch.name ?? c.neon?.productionBranch ?? PRODUCTION.neonBranch;
    // Neon names a project's default branch `main` (API) or `production` (console) until the production stack adopts it.
    if ([prodBranch, "main", "production"].includes(self.neonBranch.name)) {
      issues.push({
        key: "stack name",
        message: `"${self.stack}" would name its Neon branch like the production (default) branch "${self.neonBranch.name}"; only the production stack uses it (rename the stack)`,
      });
    }
    checkNeonProject(ns, self, profile, production, siblings, issues);
    const prodEnv = production?.doppler.environment ?? PRODUCTION.dopplerEnvironment;
    if (self.doppler.environment === prodEnv)
      refuse("doppler.environment", prodEnv, `expected an environment other than production's: only the production stack reads or writes it`);
    if (self.doppler.environment === "" && profile === "prod") {
      issues.push({
        key: `${ns}doppler.environment`,
        message: `got nothing, expected a Doppler environment of this stack's own (e.g. stg): a prod-profile stack other than the production stack "${production?.stack ?? PRODUCTION.stack}" may not read production's secrets`,
      });
    }
    const reserved: string[] = [
      PRODUCTION.githubEnvironment,
      ...Object.values(SHARED_ENVIRONMENTS),
      ...(production?.githubEnvironment ? [production.githubEnvironment] : []),
    ];
    if (self.githubEnvironment && reserved.includes(self.githubEnvironment)) {
      refuse(
        "github.environment",
        self.githubEnvironment,
        `a GitHub environment reserved for ${self.githubEnvironment === SHARED_ENVIRONMENTS.preview ? "pull request previews" : self.githubEnvironment === SHARED_ENVIRONMENTS.admin ? "the repository stack" : "production"}; use the stack's own name`,
      );
    }
    if (profile === "preview" && siblings.some((s) => s.githubEnvironment !== undefined && s.doppler.environment === self.doppler.environment)) {
      refuse(
        "doppler.environment",
        self.doppler.environment,
        `which a long-lived stack uses; previews keep their own environment (default "${PREVIEW_DOPPLER_ENVIRONMENT}"), so a pull request's token never reaches another stack's secrets`,
      );
    }
    if (c.sentry?.environment === PRODUCTION.sentryEnvironment)
      refuse("sentry.environment", PRODUCTION.sentryEnvironment, "expected another name: only the production stack reports as production");
  } else if (profile !== "prod") {
    issues.push({
      key: `${ns}productionStack`,
      message: `names this stack ("${self.stack}"), which runs the "${profile}" profile; the production stack must run the prod profile`,
    });
  } else {
    const sharing = siblings.find((s) => s.stack !== self.stack && s.neonProjectId !== undefined && s.neonProjectId === self.neonProjectId);
    if (sharing)
      issues.push({
        key: `${ns}neon.projectId`,
        message: `got "${self.neonProjectId}", which stack "${sharing.stack}" also uses; production's Neon project holds production's branch alone (its key reaches every branch in it)`,
      });
  }
  if (profile !== "preview") {
    if (self.githubEnvironment !== undefined && inherited.neonProjectId !== undefined && self.neonProjectId === inherited.neonProjectId) {
      refuse(
        "neon.projectId",
        inherited.neonProjectId,
        "the project-level one, which previews use (they have no stack file); set this stack's own project in its stack file, or pull request code could reach its branch",
      );
    }
    if (/_pr_[0-9]+$/.test(self.doppler.config)) refuse("doppler.config", self.doppler.config, "a pull request preview's config; use the stack's own");
    // A stack-level `ingress` replaces the project's whole object: fall back to the project's domain.
    const previewDomain = c.ingress?.previewDomain ?? projectPreviewDomain;
    if (self.host && previewDomain && new RegExp(`^pr-[0-9]+\\.${previewDomain.replace(/\./g, "\\.")}$`).test(self.host)) {
      refuse("ingress.host", self.host, "a pull request preview's host; use a host of the stack's own");
    }
  }
  checkCloudIdentities(ns, self, profile, c, siblings, inherited.cloudIdentity, issues);
  const shared: [string, (n: ExternalNames) => string | undefined][] = [
    ["ingress.host", (n) => n.host],
    ["appName", (n) => n.namespace],
    ["neon", (n) => n.neonBranch.name],
    ["doppler.config", (n) => `${n.doppler.environment}/${n.doppler.config}`],
    ["github.environment", (n) => n.githubEnvironment],
  ];
  // A stack's read-only twin is `<environment>-read`: no other stack's environment may take that name.
  const twin = siblings.find(
    (s) =>
      s.stack !== self.stack &&
      s.githubEnvironment &&
      self.githubEnvironment &&
      (readEnvironment(s.githubEnvironment) === self.githubEnvironment || readEnvironment(self.githubEnvironment) === s.githubEnvironment),
  );
  if (twin && self.githubEnvironment)
    refuse(
      "github.environment",
      self.githubEnvironment,
      `which clashes with what stack "${twin.stack}" already uses (its environment or its read-only twin, <name>-read); every stack owns its own`,
    );
  for (const [key, get] of shared) {
    const value = get(self);
    const other = owner(get, value);
    if (other === undefined || value === undefined) continue;
    const shown = key === "doppler.config" ? self.doppler.config : value;
    if (key === "neon")
      issues.push({
        key: "stack name",
        message: `"${self.stack}" gives a Neon branch "${shown}" that stack "${other}" already uses; every stack owns its own`,
      });
    else refuse(key, shown, `which stack "${other}" already uses (${key === "appName" ? "its namespace" : key}); every stack owns its own`);
  }
}

/**
 * Neon keys are scoped to one project, so a project is a trust boundary: the production
 * stack's project holds no other stack's branch, and the previews' project (pull request
 * code holds its key) holds no long-lived stack's branch.
 */
function checkNeonProject(
  ns: string,
  self: ExternalNames,
  profile: AppProfile,
  production: ExternalNames | undefined,
  siblings: readonly ExternalNames[],
  issues: SettingsIssue[],
): void {
  const project = self.neonProjectId;
  if (project === undefined || profile === "local") return;
  const key = `${ns}neon.projectId`;
  if (production?.neonProjectId === project) {
    issues.push({
      key,
      message: `got "${project}", the production stack's Neon project; give ${profile === "preview" ? "previews" : `stack "${self.stack}"`} a project of their own (a Neon key reaches every branch of its project, production's data included)`,
    });
    return;
  }
  const longLived = siblings.filter((s) => s.stack !== self.stack && s.githubEnvironment !== undefined && s.neonProjectId === project);
  if (profile === "preview" && longLived.length > 0) {
    issues.push({
      key,
      message: `got "${project}", which stack "${longLived[0].stack}" uses; previews need a Neon project of their own: pull request code holds its key, which reaches every branch in the project`,
    });
  }
}

/**
 * A cloud identity belongs to one environment: the previews' (project-level) to pull
 * requests, each long-lived stack's to its own environments. Shared, a pull request could
 * deploy dev, or dev's plan could write prod.
 */
function checkCloudIdentities(
  ns: string,
  self: ExternalNames,
  profile: AppProfile,
  c: Config,
  siblings: readonly ExternalNames[],
  previews: string | undefined,
  issues: SettingsIssue[],
): void {
  for (const identity of self.cloudIdentities) {
    const key = `${ns}cloud.${identity === c.cloud?.readIdentity ? "readIdentity" : "deployIdentity"}`;
    const other = siblings.find((s) => s.stack !== self.stack && s.cloudIdentities.includes(identity));
    if (other) issues.push({ key, message: `got "${identity}", which stack "${other.stack}" uses; every environment has an identity of its own` });
    else if (profile !== "preview" && identity === previews) {
      issues.push({
        key,
        message: `got "${identity}", the previews' identity (project-level cloud.deployIdentity); set this stack's own cloud in its stack file, or pull request code could act as it`,
      });
    }
  }
}
