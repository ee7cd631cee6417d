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
import type { SettingsIssue } from "./types";

/** GitHub environments the workflows use besides each stack's own. */
export const SHARED_GITHUB_ENVIRONMENTS = { preview: "preview", plan: "dev-plan", drift: "production-drift" } as const;
/** The production stack's defaults. */
export const PRODUCTION = { stack: "prod", neonBranch: "main", dopplerEnvironment: "prd", githubEnvironment: "production", sentryEnvironment: "production" } as const;
/** The stack whose branch, Doppler environment and GitHub environments previews build on. */
export const DEV_STACK = "dev";

/** What a stack owns outside its state. */
export interface ExternalNames {
  stack: string;
  /** Whether this is the one production stack. */
  production: boolean;
  namespace: string;
  host?: string;
  neonBranch: { name: string; adoptDefault: boolean; parentName?: string };
  doppler: { environment: string; config: string; branch: boolean };
  /** The stack's own GitHub environment (long-lived stacks only). */
  githubEnvironment?: string;
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
  const appName = c.appName ?? "web";
  const productionBranch = c.neon?.productionBranch ?? PRODUCTION.neonBranch;
  const neonBranch = production
    ? { name: productionBranch, adoptDefault: true }
    : profile === "preview"
      ? { name: `preview/pr-${pullRequest}`, adoptDefault: false, parentName: c.neon?.previewParent ?? DEV_STACK }
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
    doppler: dopplerNames(id, c, production),
    githubEnvironment: profile === "dev" || profile === "prod" ? (c.github?.environment ?? (production ? PRODUCTION.githubEnvironment : stack)) : undefined,
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
    const environment = d.environment ?? DEV_STACK;
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
  return { environment, config: d.config ?? (rootConfig ? environment : `${environment}_${id.stack.replace(/-/g, "_")}`), branch: !rootConfig && d.config === undefined };
}

/**
 * Refuses names that belong to another stack: the production names on any other stack,
 * a preview's names outside that preview, and anything a committed sibling stack owns.
 * `projectPreviewDomain` is the project-level preview domain, which previews use.
 */
export function checkIsolation(
  ns: string,
  self: ExternalNames,
  profile: AppProfile,
  c: Config,
  siblings: readonly ExternalNames[],
  issues: SettingsIssue[],
  projectPreviewDomain?: string,
): void {
  const owner = (what: (n: ExternalNames) => string | undefined, value: string | undefined) =>
    value === undefined ? undefined : siblings.find((s) => s.stack !== self.stack && what(s) === value)?.stack;
  const refuse = (key: string, value: string, why: string) => issues.push({ key: `${ns}${key}`, message: `got "${value}", ${why}` });

  if (!self.production) {
    const production = siblings.find((s) => s.production);
    const prodBranch = production?.neonBranch.name ?? c.neon?.productionBranch ?? PRODUCTION.neonBranch;
    // Neon names a project's default branch `main` (API) or `production` (console) until the production stack adopts it.
    if ([prodBranch, "main", "production"].includes(self.neonBranch.name)) {
      issues.push({ key: "stack name", message: `"${self.stack}" would name its Neon branch like the production (default) branch "${self.neonBranch.name}"; only the production stack uses it (rename the stack)` });
    }
    if (self.neonBranch.parentName === prodBranch) refuse("neon.previewParent", prodBranch, "expected a non-production branch: previews never copy production data");
    const prodEnv = production?.doppler.environment ?? PRODUCTION.dopplerEnvironment;
    if (self.doppler.environment === prodEnv) refuse("doppler.environment", prodEnv, `expected an environment other than production's: only the production stack reads or writes it`);
    if (self.doppler.environment === "" && profile === "prod") {
      issues.push({ key: `${ns}doppler.environment`, message: `got nothing, expected a Doppler environment of this stack's own (e.g. stg): a prod-profile stack other than the production stack "${production?.stack ?? PRODUCTION.stack}" may not read production's secrets` });
    }
    const reserved: string[] = [PRODUCTION.githubEnvironment, ...Object.values(SHARED_GITHUB_ENVIRONMENTS), ...(production?.githubEnvironment ? [production.githubEnvironment] : [])];
    if (self.githubEnvironment && reserved.includes(self.githubEnvironment)) {
      refuse("github.environment", self.githubEnvironment, `a GitHub environment reserved for ${self.githubEnvironment === SHARED_GITHUB_ENVIRONMENTS.preview ? "pull request previews" : "production or the shared workflows"}; use the stack's own name`);
    }
    if (c.sentry?.environment === PRODUCTION.sentryEnvironment) refuse("sentry.environment", PRODUCTION.sentryEnvironment, "expected another name: only the production stack reports as production");
  } else if (profile !== "prod") {
    issues.push({ key: `${ns}productionStack`, message: `names this stack ("${self.stack}"), which runs the "${profile}" profile; the production stack must run the prod profile` });
  }
  if (profile !== "preview") {
    if (/_pr_[0-9]+$/.test(self.doppler.config)) refuse("doppler.config", self.doppler.config, "a pull request preview's config; use the stack's own");
    // A stack-level `ingress` replaces the project's whole object: fall back to the project's domain.
    const previewDomain = c.ingress?.previewDomain ?? projectPreviewDomain;
    if (self.host && previewDomain && new RegExp(`^pr-[0-9]+\\.${previewDomain.replace(/\./g, "\\.")}$`).test(self.host)) {
      refuse("ingress.host", self.host, "a pull request preview's host; use a host of the stack's own");
    }
  }
  const shared: [string, (n: ExternalNames) => string | undefined][] = [
    ["ingress.host", (n) => n.host],
    ["appName", (n) => n.namespace],
    ["neon", (n) => n.neonBranch.name],
    ["doppler.config", (n) => `${n.doppler.environment}/${n.doppler.config}`],
    ["github.environment", (n) => n.githubEnvironment],
  ];
  for (const [key, get] of shared) {
    const value = get(self);
    const other = owner(get, value);
    if (other === undefined || value === undefined) continue;
    const shown = key === "doppler.config" ? self.doppler.config : value;
    if (key === "neon") issues.push({ key: "stack name", message: `"${self.stack}" gives a Neon branch "${shown}" that stack "${other}" already uses; every stack owns its own` });
    else refuse(key, shown, `which stack "${other}" already uses (${key === "appName" ? "its namespace" : key}); every stack owns its own`);
  }
}
