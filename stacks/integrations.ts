/**
 * Settings for the services around the app: where its secrets come from (Doppler, or the
 * stack's own secret config for `local`), and the add-ons of a `cluster-<name>` stack.
 * Credentials are checked here, before anything is created.
 */
import * as pulumi from "@pulumi/pulumi";
import { CLOUDS, cloudOf } from "./cloud";
import { PROVIDER_TOKENS, RESERVED_ENV, type Config, type SecretKey } from "./schema";
import type { MergeContext } from "./app";
import type { SettingsIssue } from "./errors";
import type { ClusterSettings, SecretsSettings, SettingsInput } from "./types";
import { DEFAULT_SECRET_SYNC } from "../components/app-secrets";
import { FIRST_ROTATION } from "../components/generated-secret";
import { DEFAULT_APP_NAME } from "./names";

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
  const { ns, profile, issues, names } = ctx;
  const rotation = c.secrets?.rotation ?? FIRST_ROTATION;
  if (profile === "local") {
    for (const name of Object.keys(cred.maps.appSecrets ?? {}).filter((n) => RESERVED_ENV.includes(n))) {
      issues.push({ key: `${ns}appSecrets.${name}`, message: `is set by the program itself, expected none of ${RESERVED_ENV.join(", ")}` });
    }
    return { rotation, local: secretValues(cred.maps.appSecrets) };
  }
  const d = c.doppler ?? {};
  if (!d.project) issues.push({ key: `${ns}doppler.project`, message: "got nothing, expected the Doppler project that holds the app's secrets, e.g. web" });
  // The default Doppler provider reads the token; check it is there before anything runs.
  providerToken(ctx.input, "doppler", issues);
  const { environment, config } = names.doppler;
  // Doppler's own rule: a config is its environment's root config or a branch of it (`<env>_<name>`).
  if (environment && config !== environment && !config.startsWith(`${environment}_`)) {
    issues.push({
      key: `${ns}doppler.config`,
      message: `got "${config}", expected "${environment}" or a branch config "${environment}_<name>" of this stack's environment "${environment}"`,
    });
  }
  return { rotation, doppler: { project: d.project ?? "", ...names.doppler, sync: d.sync ?? DEFAULT_SECRET_SYNC } };
}

/** Settings of a `cluster-<name>` stack: which add-ons it installs, and the preview contract (from the project's app name, repository and preview domain). */
export function clusterSettings(input: SettingsInput, c: Config, issues: SettingsIssue[]): ClusterSettings {
  const ns = `${input.project}:`;
  const addon = (a?: { enabled?: boolean; version?: string }, enabled = false) => ({ enabled: a?.enabled ?? enabled, version: a?.version });
  const pa = c.cluster?.previewAccess ?? {};
  const cm = c.cluster?.certManager ?? {};
  // The app profiles' TLS names the issuer `letsencrypt-prod`: installing cert-manager without it serves no certificate.
  if (cm.enabled && !cm.email)
    issues.push({
      key: `${ns}cluster.certManager.email`,
      message:
        "got nothing, expected the ACME account's email (e.g. ops@example.com): with it the stack creates the letsencrypt-prod and letsencrypt-staging ClusterIssuers the app stacks name",
    });
  if (cm.dns01 && !cm.enabled)
    issues.push({
      key: `${ns}cluster.certManager.dns01`,
      message: "got a solver, expected cluster.certManager.enabled: true (the issuers come with cert-manager)",
    });
  let previewAccess: ClusterSettings["previewAccess"];
  if (pa.enabled ?? true) {
    const repository = c.github?.repository;
    const previewDomain = c.ingress?.previewDomain;
    if (!repository)
      issues.push({
        key: `${ns}github.repository`,
        message:
          "got nothing, expected owner/name of the app's repository (project-level): only its pull requests' tokens are previews (or set cluster.previewAccess.enabled to false)",
      });
    if (!previewDomain)
      issues.push({
        key: `${ns}ingress.previewDomain`,
        message:
          "got nothing, expected the previews' domain (project-level): previews may serve only pr-<n>.<domain> (or set cluster.previewAccess.enabled to false)",
      });
    const { enabled: _enabled, ...rest } = pa;
    previewAccess = { repository: repository ?? "", previewDomain: previewDomain ?? "", namespacePrefix: `${c.appName ?? DEFAULT_APP_NAME}-pr-`, ...rest };
  }
  return {
    role: "cluster",
    project: input.project,
    stack: input.stack,
    profile: "cluster",
    kubernetes: { context: c.kubernetes?.context },
    dopplerOperator: addon(c.cluster?.dopplerOperator, true),
    certManager: { ...addon(c.cluster?.certManager), issuers: cm.email ? { email: cm.email, ingressClass: c.ingress?.className, dns01: cm.dns01 } : undefined },
    ingressNginx: { ...addon(c.cluster?.ingressNginx), serviceAnnotations: CLOUDS[cloudOf(c).provider].ingressServiceAnnotations },
    metricsServer: addon(c.cluster?.metricsServer),
    previewAccess,
  };
}
