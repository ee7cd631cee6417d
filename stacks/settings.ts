/**
 * Settings: profile defaults ⊕ project config (Pulumi.yaml) ⊕ stack config
 * (Pulumi.<stack>.yaml), validated once into one typed object. Pulumi itself merges the
 * project and stack layers; this module merges the profile underneath and validates.
 * Nothing else in the program reads config.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { PROFILE_DEFAULTS, Profile, ProfileDefaults, resolveProfile, VALID_STACK_FORMS } from "./profiles";
import { Config, ConfigSchema, DIGEST_REF, DNS_LABEL, LOCAL_POSTGRES_IMAGE, OBJECT_KEYS, SECRET_KEYS, SecretKey } from "./schema";
import { namespaceName } from "../components/naming";
import { registryOf, RegistryKind } from "../components/registry";

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

/** The validated, typed settings of one stack. */
export interface Settings {
  project: string;
  stack: string;
  profile: Profile;
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

/** Raw inputs: what Pulumi hands the program, made explicit so tests can pass their own. */
export interface SettingsInput {
  project: string;
  stack: string;
  /** Full keys (`nextjs-infra:image`) to raw string values, as `pulumi.runtime.allConfig()` returns. */
  config: Readonly<Record<string, string>>;
  /** Full keys whose values are secret. */
  secretKeys: ReadonlySet<string>;
  /** Process environment (only `GITHUB_SHA` and `GITHUB_ACTOR` are read). */
  env: Readonly<Record<string, string | undefined>>;
}

/** One problem with one key. */
export interface SettingsIssue {
  key: string;
  message: string;
}

/**
 * Bad settings. A `RunError`, so Pulumi prints the message without a stack trace;
 * every problem is listed at once, each naming its full config key.
 */
export class SettingsError extends pulumi.RunError {
  constructor(
    readonly stack: string,
    readonly issues: SettingsIssue[],
  ) {
    super(
      `invalid settings for stack "${stack}":\n` +
        issues.map((i) => `  - ${i.key}: ${i.message}`).join("\n") +
        "\nSee README.md#configuration for every key.",
    );
    this.name = "SettingsError";
  }
}

/** Reads settings from the running Pulumi program. */
export function loadSettings(): Settings {
  const config = pulumi.runtime.allConfig();
  const secretKeys = new Set(Object.keys(config).filter(isConfigSecret));
  return resolveSettings({
    project: pulumi.getProject(),
    stack: pulumi.getStack(),
    config,
    secretKeys,
    env: process.env,
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
export function resolveSettings(input: SettingsInput): Settings {
  const ns = `${input.project}:`;
  const issues: SettingsIssue[] = [];
  const raw: Record<string, unknown> = {};
  const secrets: Partial<Record<SecretKey, string>> = {};

  for (const [fullKey, value] of Object.entries(input.config)) {
    if (!fullKey.startsWith(ns)) continue; // other namespaces belong to providers
    const key = fullKey.slice(ns.length);
    if (key in SECRET_KEYS) {
      if (!input.secretKeys.has(fullKey)) {
        issues.push({ key: fullKey, message: `got a plaintext value, expected a secret: ${SECRET_KEYS[key as SecretKey].example}` });
      } else {
        secrets[key as SecretKey] = value;
      }
      continue;
    }
    raw[key] = parseRaw(fullKey, key, value, issues);
  }

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

  const settings = merge(input, ns, resolution.profile, resolution.pullRequest, config, secrets, issues);
  checkCrossField(ns, settings, config, issues);
  if (issues.length > 0) throw new SettingsError(input.stack, issues);
  return settings;
}

function parseRaw(fullKey: string, key: string, value: string, issues: SettingsIssue[]): unknown {
  if (OBJECT_KEYS.has(key)) {
    try {
      return JSON.parse(value);
    } catch {
      issues.push({ key: fullKey, message: `got ${show(value)}, expected an object (YAML mapping under the key)` });
      return undefined;
    }
  }
  return value;
}

function describeIssue(ns: string, issue: z.core.$ZodIssue): SettingsIssue {
  const key = ns + issue.path.map(String).join(".");
  if (issue.code === "unrecognized_keys") {
    const where = issue.path.length ? `${key}.` : ns;
    return {
      key: issue.keys.map((k) => where + k).join(", "),
      message: `unknown key${issue.keys.length > 1 ? "s" : ""}; see README.md#configuration for the valid keys`,
    };
  }
  // A bad record key (env or build-arg name) nests its reason one level down.
  const message = issue.code === "invalid_key" ? (issue.issues[0]?.message ?? issue.message) : issue.message;
  const got = issue.input === undefined ? "nothing" : show(issue.input);
  return { key, message: `got ${got}, expected ${message}` };
}

/** Renders a value for an error message, short enough to read. */
export function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function merge(
  input: SettingsInput,
  ns: string,
  profile: Profile,
  pullRequest: number | undefined,
  c: Config,
  secrets: Partial<Record<SecretKey, string>>,
  issues: SettingsIssue[],
): Settings {
  const d = PROFILE_DEFAULTS[profile];
  const appName = c.appName ?? "web";
  const gitSha = c.image?.gitSha ?? normalizeSha(input.env.GITHUB_SHA);
  const repository = c.image?.repository ?? (profile === "local" ? `localhost:5001/${appName}` : undefined);
  const image = c.image?.ref
    ? { kind: "prebuilt" as const, ref: c.image.ref, pinned: DIGEST_REF.test(c.image.ref), gitSha }
    : {
        kind: "build" as const,
        repository: repository ?? "",
        context: c.image?.context ?? "app",
        dockerfile: c.image?.dockerfile ?? `${c.image?.context ?? "app"}/Dockerfile`,
        target: c.image?.target,
        platforms: c.image?.platforms ?? ["linux/amd64" as const],
        buildArgs: c.image?.buildArgs ?? {},
        buildOnPreview: c.image?.buildOnPreview ?? d.buildOnPreview,
        cache: c.image?.cache ?? true,
        gitSha,
      };
  if (image.kind === "build" && !repository) {
    issues.push({ key: `${ns}image.repository`, message: `got nothing, expected an image repository such as ghcr.io/acme/web (or set ${ns}image.ref to deploy a prebuilt image)` });
  }

  const registryRef = image.kind === "build" ? image.repository : image.ref;
  const { address, kind, defaultUsername } = registryOf(registryRef);
  const username = c.registry?.username ?? (secrets.registryPassword ? defaultUsername(input.env) : undefined);

  const database = databaseSettings(ns, profile, pullRequest, appName, c, d, issues);
  if (database.kind === "neon" && !secrets.neonApiKey && !input.env.NEON_API_KEY) {
    issues.push({ key: `${ns}neonApiKey`, message: `got nothing, expected the Neon API key as a secret: ${SECRET_KEYS.neonApiKey.example}` });
  }

  const ingressHost =
    c.ingress?.host ??
    (profile === "local" ? `${appName}.localhost` : undefined) ??
    (pullRequest !== undefined && c.ingress?.previewDomain ? `pr-${pullRequest}.${c.ingress.previewDomain}` : undefined);

  return {
    project: input.project,
    stack: input.stack,
    profile,
    pullRequest,
    appName,
    namespace: namespaceName(appName, input.stack),
    protect: d.protect,
    image,
    registry: {
      address,
      kind,
      username,
      password: secrets.registryPassword !== undefined ? pulumi.secret(secrets.registryPassword) : undefined,
    },
    app: {
      port: c.app?.port ?? 3000,
      replicas: c.app?.replicas ?? d.replicas,
      logLevel: c.app?.logLevel ?? d.logLevel,
      env: c.app?.env ?? {},
      resources: {
        requests: { ...d.resources.requests, ...c.app?.resources?.requests },
        limits: { ...d.resources.limits, ...c.app?.resources?.limits },
      },
      livenessPath: c.app?.livenessPath ?? "/api/health?probe=liveness",
      readinessPath: c.app?.readinessPath ?? "/api/health?probe=readiness",
      migrate: c.app?.migrate ?? true,
      migrationCommand: c.app?.migrationCommand ?? ["npx", "--no-install", "prisma", "migrate", "deploy"],
    },
    autoscaling: { ...d.autoscaling, ...c.autoscaling },
    disruptionBudget: { ...d.disruptionBudget, ...c.disruptionBudget },
    ingress: {
      enabled: c.ingress?.enabled ?? true,
      host: ingressHost,
      className: c.ingress?.className,
      clusterIssuer: c.ingress?.clusterIssuer ?? d.ingress.clusterIssuer,
      tls: c.ingress?.tls ?? d.ingress.tls,
    },
    sentry: { environment: c.sentry?.environment ?? (profile === "preview" ? "preview" : input.stack) },
    kubernetes: { skipAwait: c.kubernetes?.skipAwait ?? false },
    database,
  };
}

/** The stack's database: Neon for every profile but `local`, which runs Postgres in the cluster. */
function databaseSettings(
  ns: string,
  profile: Profile,
  pullRequest: number | undefined,
  appName: string,
  c: Config,
  d: ProfileDefaults,
  issues: SettingsIssue[],
): Settings["database"] {
  const names = { name: c.database?.name ?? "app", role: c.database?.role ?? "app" };
  if (profile === "local") {
    return { kind: "local", image: c.postgres?.image ?? LOCAL_POSTGRES_IMAGE, storage: c.postgres?.storage ?? "1Gi", ...names };
  }
  const n = c.neon ?? {};
  if (profile !== "prod" && !n.projectId) {
    issues.push({
      key: `${ns}neon.projectId`,
      message: "got nothing, expected the Neon project id (the prod stack's `neonProjectId` output, or Neon console → Settings); only a prod stack creates the project",
    });
  }
  const branch =
    profile === "prod"
      ? { name: n.productionBranch ?? "main", adoptDefault: true, protected: true }
      : profile === "preview"
        ? { name: `preview/pr-${pullRequest}`, adoptDefault: false, parentName: n.previewParent ?? "dev", protected: false, ttlDays: n.previewTtlDays ?? 7 }
        : { name: n.previewParent ?? "dev", adoptDefault: false, protected: false };
  return {
    kind: "neon",
    projectId: n.projectId,
    project: { name: n.projectName ?? appName, regionId: n.regionId ?? "aws-us-east-2", pgVersion: n.pgVersion ?? 17, historyRetentionSeconds: n.historyRetentionSeconds ?? 86400 },
    branch,
    compute: { minCu: n.minCu ?? d.neon.minCu, maxCu: n.maxCu ?? d.neon.maxCu, suspendTimeoutSeconds: n.suspendTimeoutSeconds ?? d.neon.suspendTimeoutSeconds },
    ...names,
  };
}

function normalizeSha(sha: string | undefined): string | undefined {
  return sha && /^[0-9a-f]{7,40}$/.test(sha) ? sha : undefined;
}

/** Rules that involve more than one key, checked on the merged settings. */
function checkCrossField(ns: string, s: Settings, c: Config, issues: SettingsIssue[]): void {
  const a = s.autoscaling;
  if (a.enabled && a.minReplicas > a.maxReplicas) {
    issues.push({
      key: `${ns}autoscaling.minReplicas`,
      message: `got ${a.minReplicas}, expected at most ${ns}autoscaling.maxReplicas (${a.maxReplicas})`,
    });
  }
  const floor = a.enabled ? a.minReplicas : s.app.replicas;
  const pdb = s.disruptionBudget;
  if (pdb.enabled && pdb.minAvailable >= floor) {
    issues.push({
      key: `${ns}disruptionBudget.minAvailable`,
      message: `got ${pdb.minAvailable}, expected fewer than the ${floor} replica(s) that run at the least (${a.enabled ? `${ns}autoscaling.minReplicas` : `${ns}app.replicas`}), or no node could ever be drained`,
    });
  }
  if (s.ingress.enabled && !s.ingress.host) {
    const key = s.profile === "preview" ? `${ns}ingress.previewDomain` : `${ns}ingress.host`;
    const wants = s.profile === "preview" ? "a domain under which pr-<n>.<domain> resolves, e.g. preview.example.com" : "the public hostname, e.g. app.example.com";
    issues.push({ key, message: `got nothing, expected ${wants} (or set ${ns}ingress.enabled to false)` });
  }
  if (s.ingress.enabled && s.ingress.tls && !s.ingress.clusterIssuer) {
    issues.push({ key: `${ns}ingress.clusterIssuer`, message: `got nothing, expected a cert-manager ClusterIssuer name because ${ns}ingress.tls is true` });
  }
  if (s.database.kind === "neon" && s.database.compute.minCu > s.database.compute.maxCu) {
    issues.push({ key: `${ns}neon.minCu`, message: `got ${s.database.compute.minCu}, expected at most ${ns}neon.maxCu (${s.database.compute.maxCu})` });
  }
  if (c.registry?.username && !s.registry.password) {
    issues.push({ key: `${ns}registryPassword`, message: `got nothing, expected a secret because ${ns}registry.username is set: ${SECRET_KEYS.registryPassword.example}` });
  }
  if (s.registry.password && !s.registry.username) {
    issues.push({ key: `${ns}registry.username`, message: `got nothing, expected the user name that goes with ${ns}registryPassword for ${s.registry.address}` });
  }
}
