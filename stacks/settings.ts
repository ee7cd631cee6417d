/**
 * Settings: profile defaults ⊕ project config (Pulumi.yaml) ⊕ stack config
 * (Pulumi.<stack>.yaml), validated once into one typed object. Pulumi itself merges the
 * project and stack layers; this module merges the profile underneath, validates, and
 * checks the stack's external names against the other stacks committed next to it.
 * Nothing else in the program reads config.
 */
import * as pulumi from "@pulumi/pulumi";
import { Profile, resolveProfile, VALID_STACK_FORMS } from "./profiles";
import {
  Config,
  ConfigSchema,
  DNS_LABEL,
  MOVED_KEYS,
  OBJECT_KEYS,
  PROVIDER_NAMESPACES,
  PROVIDER_TOKENS,
  SECRET_KEYS,
  SECRET_MAP_KEYS,
  SecretKey,
  SecretMap,
} from "./schema";
import { describeIssue, SettingsError, show } from "./errors";
import { checkApp, mergeApp } from "./app";
import { checkCloud } from "./cloud";
import { clusterSettings, Credentials, secretsSettings } from "./integrations";
import { repositorySettings } from "./repository";
import { stackFileViews } from "./views";
import { keyDoc, presentKeys } from "./keys";
import { checkIsolation, externalNames, ExternalNames, productionStackOf } from "./names";
import { z } from "zod";
import { readProjectFiles } from "./files";
import type { SettingsIssue } from "./errors";
import type { SettingsInput, StackSettings } from "./types";

/** Reads settings from the running Pulumi program (and the stack files next to it, in the working directory). */
export function loadSettings(): StackSettings {
  const config = pulumi.runtime.allConfig();
  const secretKeys = new Set(Object.keys(config).filter(isConfigSecret));
  const stack = pulumi.getStack();
  const { projectConfig, siblings } = readProjectFiles(process.cwd(), pulumi.getProject(), stack);
  return resolveSettings({
    project: pulumi.getProject(),
    stack,
    config,
    secretKeys,
    env: process.env,
    projectConfig,
    siblings,
    dryRun: pulumi.runtime.isDryRun(),
  });
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
  const { raw, credentials, ciSecrets } = readConfig(input, ns, issues);

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
  const productionStack = productionStackOf(config);
  checkApplicable(input, ns, resolution.profile, raw, credentials, issues);

  if (resolution.profile === "cluster") {
    const cluster = clusterSettings(input, config, issues);
    if (issues.length > 0) throw new SettingsError(input.stack, issues);
    return cluster;
  }
  if (resolution.profile === "github") {
    const repo = repositorySettings(input, config, ciSecrets, issues);
    if (issues.length > 0) throw new SettingsError(input.stack, issues);
    return repo;
  }
  // App stacks manage nothing on GitHub: a repository token in their config is a credential PR code could decrypt.
  if (input.config[PROVIDER_TOKENS.github.key] !== undefined) {
    issues.push({
      key: PROVIDER_TOKENS.github.key,
      message: `got a value, expected none: app stacks manage nothing on GitHub; the github stack (Pulumi.github.yaml) holds the repository's credentials`,
    });
  }
  const id = { stack: input.stack, profile: resolution.profile, pullRequest: resolution.pullRequest, productionStack };
  const names = externalNames(id, config);
  const shared = projectRaw(input, ns) as Config;
  checkIsolation(ns, names, resolution.profile, config, siblingNames(input, productionStack), issues, {
    previewDomain: shared.ingress?.previewDomain,
    neonProjectId: shared.neon?.projectId,
    cloudIdentity: shared.cloud?.deployIdentity,
  });
  const ctx = { input, ns, profile: resolution.profile, pullRequest: resolution.pullRequest, names, issues };
  const app = mergeApp(ctx, config, credentials.values.registryPassword, credentials.values.imagePullToken);
  if (resolution.profile !== "local") {
    // The registry the environment's identity pushes to: dev-profile stacks' and previews' builds.
    const pushes = app.image.kind === "build" && resolution.profile !== "prod" ? [app.image.repository] : [];
    checkCloud(ns, config, names.githubEnvironment !== undefined, pushes, issues);
  }
  // A preview calls no Neon API (the read-only plan job holds no Neon key); `up` needs it.
  if (app.database.kind === "neon" && !credentials.values.neonApiKey && !input.env.NEON_API_KEY && !input.dryRun) {
    issues.push({ key: `${ns}neonApiKey`, message: `got nothing, expected the Neon API key as a secret: ${SECRET_KEYS.neonApiKey.example}` });
  }
  checkApp(ns, app, config, issues);
  const settings = { ...app, secrets: secretsSettings(ctx, config, credentials) };
  if (issues.length > 0) throw new SettingsError(input.stack, issues);
  return settings;
}

/** `ciSecrets`: environment → secret name → value. */
const CiSecretsMap = z.record(z.string().regex(/^[A-Za-z0-9._-]{1,255}$/, { error: "GitHub environment names" }), SecretMap);

/** Splits the project's namespace into plain values (parsed) and secret values (checked); refuses unknown namespaces. */
function readConfig(
  input: SettingsInput,
  ns: string,
  issues: SettingsIssue[],
): { raw: Record<string, unknown>; credentials: Credentials; ciSecrets: Record<string, Record<string, string>> } {
  const raw: Record<string, unknown> = {};
  const credentials: Credentials = { values: {}, maps: {} };
  let ciSecrets: Record<string, Record<string, string>> = {};
  for (const [fullKey, value] of Object.entries(input.config)) {
    if (!fullKey.startsWith(ns)) {
      checkNamespace(fullKey, ns, issues);
      continue;
    }
    const key = fullKey.slice(ns.length);
    if (key in MOVED_KEYS) {
      issues.push({ key: fullKey, message: `is no longer read: app stacks hold only their own credentials; set it on the github stack as ${MOVED_KEYS[key]}` });
      continue;
    }
    if (!(key in SECRET_KEYS)) {
      raw[key] = parsePlain(fullKey, key, value, issues);
      continue;
    }
    const secretKey = key as SecretKey;
    if (!input.secretKeys.has(fullKey)) {
      issues.push({ key: fullKey, message: `got a plaintext value, expected a secret: ${SECRET_KEYS[secretKey].example}` });
    } else if (secretKey === "ciSecrets") {
      ciSecrets = parseSecretMap(fullKey, value, issues, CiSecretsMap) ?? {};
      credentials.maps.ciSecrets = {};
    } else if (SECRET_MAP_KEYS.includes(secretKey)) {
      const map = parseSecretMap(fullKey, value, issues);
      if (map) credentials.maps[secretKey] = map;
    } else {
      credentials.values[secretKey] = value;
    }
  }
  return { raw, credentials, ciSecrets };
}

/** A key in a namespace nobody reads is a typo (`nextjs-infr:app`): say so instead of ignoring it. */
function checkNamespace(fullKey: string, ns: string, issues: SettingsIssue[]): void {
  const namespace = fullKey.split(":")[0];
  if (PROVIDER_NAMESPACES.includes(namespace)) return;
  if (namespace === "kubernetes") {
    issues.push({
      key: fullKey,
      message: `is read by no one: the stack's Kubernetes provider is explicit (default providers are off); set ${ns}kubernetes.context (or the kubeconfig) instead`,
    });
    return;
  }
  const hint = namespace.includes(ns.slice(0, 6)) || ns.slice(0, -1).includes(namespace) ? `; did you mean ${ns}${fullKey.slice(namespace.length + 1)}?` : "";
  issues.push({
    key: fullKey,
    message: `is in the config namespace "${namespace}", which nothing reads: expected ${ns}<key> or a provider's (${PROVIDER_NAMESPACES.join(", ")})${hint}`,
  });
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

/** A secret map (`appSecrets`, `ciSecrets`): names are checked, values never echoed. */
function parseSecretMap<T = Record<string, string>>(
  fullKey: string,
  value: string,
  issues: SettingsIssue[],
  schema: z.ZodType<T> = SecretMap as unknown as z.ZodType<T>,
): T | undefined {
  let data: unknown;
  try {
    data = JSON.parse(value);
  } catch {
    data = value;
  }
  const parsed = schema.safeParse(data, { reportInput: true });
  if (parsed.success) return parsed.data;
  issues.push(...parsed.error.issues.map((i) => describeIssue(`${fullKey}.`, i, true)));
  return undefined;
}

/** The value at a dotted path of a raw (namespace-stripped) config object. */
function valueAt(raw: Record<string, unknown>, path: string): unknown {
  let node: unknown = raw;
  for (const part of path.split(".")) node = node && typeof node === "object" ? (node as Record<string, unknown>)[part] : undefined;
  return node;
}

/** The project-level config, namespace stripped and objects parsed. */
function projectRaw(input: SettingsInput, ns: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(input.projectConfig ?? {})) {
    if (!k.startsWith(ns)) continue;
    const key = k.slice(ns.length);
    try {
      out[key] = OBJECT_KEYS.has(key) ? JSON.parse(v) : v;
    } catch {
      out[key] = v;
    }
  }
  return out;
}

/**
 * Refuses keys the stack's profile does not read: silently ignoring them hides mistakes
 * (a preview-only Neon key on prod, a local Postgres key on dev). A key that comes from
 * the project level unchanged is inherited by every stack, so it is allowed.
 */
function checkApplicable(input: SettingsInput, ns: string, profile: Profile, raw: Record<string, unknown>, cred: Credentials, issues: SettingsIssue[]): void {
  const project = projectRaw(input, ns);
  const same = (path: string) => JSON.stringify(valueAt(raw, path)) === JSON.stringify(valueAt(project, path));
  for (const path of presentKeys(raw)) {
    const doc = keyDoc(path);
    if (!doc || doc.profiles.includes(profile) || same(path)) continue;
    issues.push({
      key: `${ns}${path}`,
      message: `got a value, expected none: only the ${doc.profiles.join(", ")} profile${doc.profiles.length > 1 ? "s read" : " reads"} it, and stack "${input.stack}" runs "${profile}"`,
    });
  }
  const secretKeys = [...Object.keys(cred.values), ...Object.keys(cred.maps)] as SecretKey[];
  for (const key of secretKeys) {
    const doc = keyDoc(key);
    if (!doc) continue;
    if (!doc.profiles.includes(profile)) {
      const local = key === "appSecrets" ? "; deployed stacks keep the app's secrets in Doppler" : "";
      issues.push({
        key: `${ns}${key}`,
        message: `got a value, expected none: only the ${doc.profiles.join(", ")} profile${doc.profiles.length > 1 ? "s read" : " reads"} it${local}`,
      });
    }
  }
}

/**
 * The external names of the other committed stacks, computed the same way as this
 * stack's. A sibling whose own config is invalid is skipped: its own run reports it.
 */
function siblingNames(input: SettingsInput, productionStack: string): ExternalNames[] {
  const others = Object.fromEntries(Object.entries(input.siblings ?? {}).filter(([stack]) => stack !== input.stack));
  return stackFileViews(input.project, others, productionStack).flatMap((v) => (v.names ? [v.names] : []));
}
