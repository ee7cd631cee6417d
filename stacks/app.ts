/**
 * Settings of a stack that deploys the app: profile defaults merged with validated config,
 * section by section, then the rules that involve more than one key.
 */
import * as pulumi from "@pulumi/pulumi";
import { AppProfile, PROFILE_DEFAULTS, ProfileDefaults } from "./profiles";
import { Config, DIGEST_REF, LOCAL_POSTGRES_IMAGE, SECRET_KEYS } from "./schema";
import { namespaceName } from "../components/naming";
import { registryOf } from "../components/registry";
import type { Settings, SettingsInput, SettingsIssue } from "./types";

/** What the merge needs besides the config. */
export interface MergeContext {
  input: SettingsInput;
  /** `nextjs-infra:` */
  ns: string;
  profile: AppProfile;
  pullRequest?: number;
  issues: SettingsIssue[];
}

/** Merges everything but secrets and GitHub (see integrations.ts). */
export function mergeApp(ctx: MergeContext, c: Config, registryPassword: string | undefined): Omit<Settings, "secrets" | "github"> {
  const { input, ns, profile, pullRequest, issues } = ctx;
  const d = PROFILE_DEFAULTS[profile];
  const appName = c.appName ?? "web";
  const image = imageSettings(ctx, c, appName, d);
  const { address, kind, defaultUsername } = registryOf(image.kind === "build" ? image.repository : image.ref);
  const ingressHost =
    c.ingress?.host ??
    (profile === "local" ? `${appName}.localhost` : undefined) ??
    (pullRequest !== undefined && c.ingress?.previewDomain ? `pr-${pullRequest}.${c.ingress.previewDomain}` : undefined);

  return {
    role: "app",
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
      username: c.registry?.username ?? (registryPassword ? defaultUsername(input.env) : undefined),
      password: registryPassword !== undefined ? pulumi.secret(registryPassword) : undefined,
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
      // The app image puts the Prisma CLI (with its schema engine) on PATH for this.
      migrationCommand: c.app?.migrationCommand ?? ["prisma", "migrate", "deploy"],
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
    database: databaseSettings(ns, profile, pullRequest, appName, c, d, issues),
  };
}

function imageSettings(ctx: MergeContext, c: Config, appName: string, d: ProfileDefaults): Settings["image"] {
  const gitSha = c.image?.gitSha ?? normalizeSha(ctx.input.env.GITHUB_SHA);
  if (c.image?.ref) return { kind: "prebuilt", ref: c.image.ref, pinned: DIGEST_REF.test(c.image.ref), gitSha };
  const repository = c.image?.repository ?? (ctx.profile === "local" ? `localhost:5001/${appName}` : undefined);
  if (!repository) {
    ctx.issues.push({
      key: `${ctx.ns}image.repository`,
      message: `got nothing, expected an image repository such as ghcr.io/acme/web (or set ${ctx.ns}image.ref to deploy a prebuilt image)`,
    });
  }
  const context = c.image?.context ?? "app";
  return {
    kind: "build",
    repository: repository ?? "",
    context,
    dockerfile: c.image?.dockerfile ?? `${context}/Dockerfile`,
    target: c.image?.target,
    platforms: c.image?.platforms ?? ["linux/amd64"],
    buildArgs: c.image?.buildArgs ?? {},
    buildOnPreview: c.image?.buildOnPreview ?? d.buildOnPreview,
    cache: c.image?.cache ?? true,
    gitSha,
  };
}

function normalizeSha(sha: string | undefined): string | undefined {
  return sha && /^[0-9a-f]{7,40}$/.test(sha) ? sha : undefined;
}

/** The stack's database: Neon for every profile but `local`, which runs Postgres in the cluster. */
function databaseSettings(
  ns: string,
  profile: AppProfile,
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

/** Rules that involve more than one key, checked on the merged settings. */
export function checkApp(ns: string, s: Omit<Settings, "secrets" | "github">, c: Config, issues: SettingsIssue[]): void {
  const a = s.autoscaling;
  if (a.enabled && a.minReplicas > a.maxReplicas) {
    issues.push({ key: `${ns}autoscaling.minReplicas`, message: `got ${a.minReplicas}, expected at most ${ns}autoscaling.maxReplicas (${a.maxReplicas})` });
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
