/**
 * Settings for the services around the app: where its secrets come from (Doppler, or the
 * stack's own secret config for `local`), its GitHub Actions environment, and the add-ons
 * of a `cluster-<name>` stack. Credentials are checked here, before anything is created.
 */
import * as pulumi from "@pulumi/pulumi";
import { PROVIDER_TOKENS, type Config, type SecretKey } from "./schema";
import type { MergeContext } from "./app";
import type { ClusterSettings, GithubSettings, SecretsSettings, SettingsInput, SettingsIssue } from "./types";

/** Secret config values, already checked to be secret. */
export interface Credentials {
  values: Partial<Record<SecretKey, string>>;
  maps: Partial<Record<SecretKey, Record<string, string>>>;
}

/**
 * A provider credential: its config key as a secret, or its environment variable (then
 * undefined: the provider reads the variable itself). Missing or plaintext is an issue.
 */
export function providerToken(input: SettingsInput, which: keyof typeof PROVIDER_TOKENS, issues: SettingsIssue[]): pulumi.Output<string> | undefined {
  const { key, env, example } = PROVIDER_TOKENS[which];
  const value = input.config[key];
  if (value !== undefined) {
    if (input.secretKeys.has(key)) return pulumi.secret(value);
    issues.push({ key, message: `got a plaintext value, expected a secret: ${example}` });
    return undefined;
  }
  if (!input.env[env]) issues.push({ key, message: `got nothing, expected a token: ${example}` });
  return undefined;
}

/** Names stay plain (resources are created per name); every value becomes a secret. */
export function secretValues(map: Record<string, string> | undefined): Record<string, pulumi.Output<string>> {
  return Object.fromEntries(Object.entries(map ?? {}).map(([k, v]) => [k, pulumi.secret(v)]));
}

/** Where the app's secrets come from, per profile. */
export function secretsSettings(ctx: MergeContext, c: Config, cred: Credentials): SecretsSettings {
  const { ns, profile, issues } = ctx;
  const rotation = c.secrets?.rotation ?? "1";
  if (profile === "local") return { rotation, local: secretValues(cred.maps.appSecrets) };
  if (cred.maps.appSecrets) {
    issues.push({ key: `${ns}appSecrets`, message: "got a value, expected none: only the local profile reads appSecrets; deployed stacks keep the app's secrets in Doppler" });
  }
  const d = c.doppler ?? {};
  if (!d.project) issues.push({ key: `${ns}doppler.project`, message: "got nothing, expected the Doppler project that holds the app's secrets, e.g. web" });
  // The default Doppler provider reads the token; check it is there before anything runs.
  providerToken(ctx.input, "doppler", issues);
  const environment = d.environment ?? (profile === "prod" ? "prd" : "dev");
  const branch = profile === "preview";
  return {
    rotation,
    doppler: {
      project: d.project ?? "",
      environment,
      // Doppler names branch configs <environment>_<suffix>.
      config: d.config ?? (branch ? `${environment}_pr_${ctx.pullRequest}` : environment),
      branch,
      sync: d.sync ?? "snapshot",
    },
  };
}

/** The GitHub Actions environment of a long-lived stack (dev and prod profiles by default). */
export function githubSettings(ctx: MergeContext, c: Config, cred: Credentials): GithubSettings | undefined {
  const { ns, profile, issues, input } = ctx;
  const g = c.github ?? {};
  const reviewers = { users: g.reviewers?.users ?? [], teams: g.reviewers?.teams ?? [] };
  if (profile !== "prod" && reviewers.users.length + reviewers.teams.length > 0) {
    issues.push({ key: `${ns}github.reviewers`, message: `got reviewers on a ${profile}-profile stack, expected none: required reviewers gate production only` });
  }
  if (cred.maps.previewCiSecrets && profile !== "dev") {
    issues.push({ key: `${ns}previewCiSecrets`, message: "got a value, expected none: repository secrets for previews are set by the dev stack only" });
  }
  if (profile === "preview") {
    if (g.enabled) issues.push({ key: `${ns}github.enabled`, message: "got true, expected false: preview stacks create nothing on GitHub" });
    return undefined;
  }
  if (!(g.enabled ?? (profile === "dev" || profile === "prod"))) return undefined;
  if (!g.repository) {
    issues.push({ key: `${ns}github.repository`, message: "got nothing, expected owner/name of the app's repository, e.g. acme/web (or set github.enabled to false)" });
  }
  const [owner, repository] = (g.repository ?? "/").split("/");
  return {
    owner,
    repository,
    environment: g.environment ?? (profile === "prod" ? "production" : input.stack),
    reviewers,
    mainOnly: profile === "prod",
    token: providerToken(input, "github", issues),
    secrets: secretValues(cred.maps.ciSecrets),
    repositorySecrets: secretValues(cred.maps.previewCiSecrets),
  };
}

/** Settings of a `cluster-<name>` stack: which add-ons it installs. */
export function clusterSettings(input: SettingsInput, ns: string, c: Config, issues: SettingsIssue[]): ClusterSettings {
  const allowed = new Set(["profile", "cluster", "kubernetes"]);
  for (const key of Object.keys(c)) {
    if (!allowed.has(key)) issues.push({ key: `${ns}${key}`, message: `got a value, expected none: a cluster stack reads only ${[...allowed].map((k) => ns + k).join(", ")}` });
  }
  const addon = (a?: { enabled?: boolean; version?: string }, enabled = false) => ({ enabled: a?.enabled ?? enabled, version: a?.version });
  return {
    role: "cluster",
    project: input.project,
    stack: input.stack,
    profile: "cluster",
    dopplerOperator: addon(c.cluster?.dopplerOperator, true),
    certManager: addon(c.cluster?.certManager),
    ingressNginx: addon(c.cluster?.ingressNginx),
  };
}
