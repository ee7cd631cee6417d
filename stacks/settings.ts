/**
 * Settings: profile defaults ⊕ project config (Pulumi.yaml) ⊕ stack config
 * (Pulumi.<stack>.yaml), validated once into one typed object. Pulumi itself merges the
 * project and stack layers; this module merges the profile underneath and validates.
 * Nothing else in the program reads config.
 */
import * as pulumi from "@pulumi/pulumi";
import { resolveProfile, VALID_STACK_FORMS } from "./profiles";
import { Config, ConfigSchema, DNS_LABEL, OBJECT_KEYS, SECRET_KEYS, SECRET_MAP_KEYS, SecretKey, SecretMap } from "./schema";
import { describeIssue, SettingsError, show } from "./errors";
import { checkApp, mergeApp } from "./app";
import { clusterSettings, Credentials, githubSettings, secretsSettings } from "./integrations";
import type { SettingsInput, SettingsIssue, StackSettings } from "./types";

/** Reads settings from the running Pulumi program. */
export function loadSettings(): StackSettings {
  const config = pulumi.runtime.allConfig();
  const secretKeys = new Set(Object.keys(config).filter(isConfigSecret));
  return resolveSettings({ project: pulumi.getProject(), stack: pulumi.getStack(), config, secretKeys, env: process.env });
}

/**
 * Whether the engine handed a key over as a secret. The SDK exposes this only
 * internally (`Config.get` uses it to warn); we need it to refuse a credential that was
 * set in plaintext, so fail loudly if a future SDK moves it.
 */
function isConfigSecret(key: string): boolean {
  const runtime = pulumi.runtime as unknown as { isConfigSecret?: (k: string) => boolean };
  if (typeof runtime.isConfigSecret !== "function") {
    throw new pulumi.RunError("@pulumi/pulumi no longer exposes runtime.isConfigSecret; update stacks/settings.ts");
  }
  return runtime.isConfigSecret(key);
}

/** Validates and merges everything; throws one `SettingsError` listing every problem. */
export function resolveSettings(input: SettingsInput): StackSettings {
  const ns = `${input.project}:`;
  const issues: SettingsIssue[] = [];
  const { raw, credentials } = readConfig(input, ns, issues);

  const parsed = ConfigSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) issues.push(...parsed.error.issues.map((i) => describeIssue(ns, i)));
  const config: Config = parsed.success ? parsed.data : {};

  if (!DNS_LABEL.test(input.stack)) {
    issues.push({
      key: "stack name",
      message: `got "${input.stack}", expected lowercase letters, digits and '-' (it names the Kubernetes namespace); valid stacks: ${VALID_STACK_FORMS}`,
    });
    throw new SettingsError(input.stack, issues);
  }
  const resolution = resolveProfile(input.stack, typeof raw.profile === "string" ? raw.profile : undefined);
  if (!resolution.ok) {
    if (resolution.key === "stack") issues.push({ key: "stack name", message: resolution.message });
    else if (!issues.some((i) => i.key === `${ns}profile`)) issues.push({ key: `${ns}profile`, message: resolution.message });
    throw new SettingsError(input.stack, issues);
  }
  if (!parsed.success) throw new SettingsError(input.stack, issues);

  if (resolution.profile === "cluster") {
    const cluster = clusterSettings(input, ns, config, issues);
    if (issues.length > 0) throw new SettingsError(input.stack, issues);
    return cluster;
  }
  const ctx = { input, ns, profile: resolution.profile, pullRequest: resolution.pullRequest, issues };
  const app = mergeApp(ctx, config, credentials.values.registryPassword);
  if (app.database.kind === "neon" && !credentials.values.neonApiKey && !input.env.NEON_API_KEY) {
    issues.push({ key: `${ns}neonApiKey`, message: `got nothing, expected the Neon API key as a secret: ${SECRET_KEYS.neonApiKey.example}` });
  }
  checkApp(ns, app, config, issues);
  const settings = { ...app, secrets: secretsSettings(ctx, config, credentials), github: githubSettings(ctx, config, credentials) };
  if (issues.length > 0) throw new SettingsError(input.stack, issues);
  return settings;
}

/** Splits the project's namespace into plain values (parsed) and secret values (checked). */
function readConfig(input: SettingsInput, ns: string, issues: SettingsIssue[]): { raw: Record<string, unknown>; credentials: Credentials } {
  const raw: Record<string, unknown> = {};
  const credentials: Credentials = { values: {}, maps: {} };
  for (const [fullKey, value] of Object.entries(input.config)) {
    if (!fullKey.startsWith(ns)) continue; // other namespaces belong to providers
    const key = fullKey.slice(ns.length);
    if (!(key in SECRET_KEYS)) {
      raw[key] = parsePlain(fullKey, key, value, issues);
      continue;
    }
    const secretKey = key as SecretKey;
    if (!input.secretKeys.has(fullKey)) {
      issues.push({ key: fullKey, message: `got a plaintext value, expected a secret: ${SECRET_KEYS[secretKey].example}` });
    } else if (SECRET_MAP_KEYS.includes(secretKey)) {
      const map = parseSecretMap(fullKey, value, issues);
      if (map) credentials.maps[secretKey] = map;
    } else {
      credentials.values[secretKey] = value;
    }
  }
  return { raw, credentials };
}

function parsePlain(fullKey: string, key: string, value: string, issues: SettingsIssue[]): unknown {
  if (!OBJECT_KEYS.has(key)) return value;
  try {
    return JSON.parse(value);
  } catch {
    issues.push({ key: fullKey, message: `got ${show(value)}, expected an object (YAML mapping under the key)` });
    return undefined;
  }
}

/** A secret map (`appSecrets`, …): names are checked, values never echoed. */
function parseSecretMap(fullKey: string, value: string, issues: SettingsIssue[]): Record<string, string> | undefined {
  let data: unknown;
  try {
    data = JSON.parse(value);
  } catch {
    data = value;
  }
  const parsed = SecretMap.safeParse(data, { reportInput: true });
  if (parsed.success) return parsed.data;
  issues.push(...parsed.error.issues.map((i) => describeIssue(`${fullKey}.`, i, true)));
  return undefined;
}
