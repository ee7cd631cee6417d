/**
 * Settings of a stack that deploys the app: profile defaults merged with validated config,
 * section by section, then the rules that involve more than one key.
 */
import * as pulumi from "@pulumi/pulumi";
import { AppProfile, NEON_COMPUTE_DEFAULTS, PROFILE_DEFAULTS, ProfileDefaults } from "./profiles";
import { Config, DIGEST_REF, HOSTNAME, LOCAL_POSTGRES_IMAGE, SECRET_KEYS } from "./schema";
import { DEV_STACK, ExternalNames, PRODUCTION, DEFAULT_APP_NAME } from "./names";
import { computeProblems } from "../components/neon/rules";
import { defaultHistoryRetention, PLAN_LIMITS, PlanLimits, planFor, suspendAllowed } from "../components/neon/plans";
import { DNS_LABEL_MAX } from "../components/naming";
import { registryOf } from "../components/registry";
import { previewUsername, sweeperUsername } from "../components/preview-access";
import { APP_DEFAULTS } from "../components/app-contract";
import type { SettingsIssue } from "./errors";
import type { NeonDatabaseSettings, Settings, SettingsInput } from "./types";
import { DATABASE_DEFAULTS } from "../components/database";
import { LOCAL_POSTGRES_STORAGE } from "../components/local-postgres";
import { INGRESS_CONTROLLER_NAMESPACE } from "../components/nextjs-app";
import { NEON_PROJECT_DEFAULTS } from "../components/neon/project";

/** What the merge needs besides the config. */
export interface MergeContext {
  input: SettingsInput;
  /** `nextjs-infra:` */
  ns: string;
  profile: AppProfile;
  pullRequest?: number;
  names: ExternalNames;
  issues: SettingsIssue[];
}

/** Merges everything but secrets and GitHub (see integrations.ts). */
export function mergeApp(ctx: MergeContext, c: Config, registryPassword: string | undefined, imagePullToken?: string): Omit<Settings, "secrets" | "github"> {
  const { input, profile, pullRequest, names } = ctx;
  const d = PROFILE_DEFAULTS[profile];
  const appName = c.appName ?? DEFAULT_APP_NAME;
  const image = imageSettings(ctx, c, appName, d);
  // Production deploys a promoted digest: its registry is the repository's, when one is named.
  const source = image.kind === "build" ? image.repository : image.kind === "prebuilt" ? image.ref : c.image?.repository;
  const registry = source ? registryOf(source) : undefined;

  return {
    role: "app",
    project: input.project,
    stack: input.stack,
    profile,
    pullRequest,
    appName,
    namespace: names.namespace,
    production: names.production,
    names,
    protect: d.protect,
    image,
    registry: {
      address: registry?.address,
      username: c.registry?.username ?? (registryPassword !== undefined || imagePullToken !== undefined ? registry?.defaultUsername(input.env) : undefined),
      password: registryPassword !== undefined ? pulumi.secret(registryPassword) : undefined,
      pullToken: imagePullToken !== undefined ? pulumi.secret(imagePullToken) : undefined,
    },
    app: {
      port: c.app?.port ?? APP_DEFAULTS.port,
      replicas: c.app?.replicas ?? d.replicas,
      logLevel: c.app?.logLevel ?? d.logLevel,
      env: c.app?.env ?? {},
      resources: {
        requests: { ...d.resources.requests, ...c.app?.resources?.requests },
        limits: { ...d.resources.limits, ...c.app?.resources?.limits },
      },
      livenessPath: c.app?.livenessPath ?? APP_DEFAULTS.livenessPath,
      readinessPath: c.app?.readinessPath ?? APP_DEFAULTS.readinessPath,
      migrate: c.app?.migrate ?? true,
      // The image puts the Prisma CLI (with its schema engine) on PATH for this.
      migrationCommand: c.app?.migrationCommand ?? [...APP_DEFAULTS.migrationCommand],
      // Seeded where a database starts empty of anyone's data: local, previews (dev by choice).
      seedCommand: (c.app?.seed ?? (profile === "local" || profile === "preview")) ? (c.app?.seedCommand ?? [...APP_DEFAULTS.seedCommand]) : undefined,
      spreadAcrossNodes: c.app?.spreadAcrossNodes ?? d.spreadAcrossNodes,
      requestLocalStorage: c.app?.requestLocalStorage ?? true,
      // "" turns production's class off (a cluster without the cluster stack has none).
      priorityClassName: c.app?.priorityClassName === "" ? undefined : (c.app?.priorityClassName ?? d.priorityClassName),
    },
    network: {
      dnsNamespaces: c.network?.dnsNamespaces ?? ["kube-system"],
      dnsPorts: c.network?.dnsPorts ?? [53],
      dnsCidrs: c.network?.dnsCidrs ?? [],
      ingressCidrs: c.network?.ingressCidrs ?? [],
    },
    autoscaling: { ...d.autoscaling, ...c.autoscaling },
    disruptionBudget: { ...d.disruptionBudget, ...c.disruptionBudget },
    ingress: {
      enabled: c.ingress?.enabled ?? true,
      host: names.host,
      className: c.ingress?.className,
      clusterIssuer: c.ingress?.clusterIssuer ?? d.ingress.clusterIssuer,
      tls: c.ingress?.tls ?? d.ingress.tls,
      controllerNamespace: c.ingress?.controllerNamespace ?? INGRESS_CONTROLLER_NAMESPACE,
    },
    sentry: sentrySettings(ctx, c),
    kubernetes: { skipAwait: c.kubernetes?.skipAwait ?? false, context: c.kubernetes?.context },
    drift: { ignore: c.drift?.ignore ?? [] },
    database: databaseSettings(ctx, c),
    previewAccess: profile === "preview" ? previewIdentity(ctx, c) : undefined,
  };
}

/** The Kubernetes users a preview namespace binds: its pull request's own OIDC identity and the nightly sweeper's. */
function previewIdentity(ctx: MergeContext, c: Config): { users: string[] } {
  const repository = c.github?.repository;
  if (!repository) {
    ctx.issues.push({
      key: `${ctx.ns}github.repository`,
      message:
        "got nothing, expected owner/name of the app's repository (project-level): a preview's Kubernetes identity is its pull request's token from that repository",
    });
    return { users: [] };
  }
  return { users: [previewUsername(repository, ctx.pullRequest ?? 0), sweeperUsername(repository)] };
}

/** Full reference of a build cache scope. */
export const cacheRef = (repository: string, scope: string) => `${repository}:buildcache-${scope}`;

function imageSettings(ctx: MergeContext, c: Config, appName: string, d: ProfileDefaults): Settings["image"] {
  const { ns, profile, issues, input } = ctx;
  const ref = c.image?.ref;
  if (ref) {
    const pinned = DIGEST_REF.test(ref);
    if (profile === "prod" && !pinned) {
      issues.push({
        key: `${ns}image.ref`,
        message: `got ${JSON.stringify(ref)}, expected a digest (<repository>@sha256:<64 hex digits>): the prod profile deploys only a promoted digest, never a tag that can move`,
      });
    }
    const migratorRef = c.image?.migratorRef;
    if (profile === "prod" && migratorRef && !DIGEST_REF.test(migratorRef)) {
      issues.push({
        key: `${ns}image.migratorRef`,
        message: `got ${JSON.stringify(migratorRef)}, expected a digest (<repository>@sha256:<64 hex digits>): the prod profile deploys only promoted digests`,
      });
    }
    // A promotion or rollback deploys only what the app's own builds pushed: never an image from elsewhere.
    // A stack-level `image` (a promotion sets image.ref) replaces the project's whole object: fall back to it.
    const own = c.image?.repository ?? projectImageRepository(ctx);
    if (profile === "prod" && own) {
      for (const [key, value] of [
        ["image.ref", ref],
        ["image.migratorRef", migratorRef],
      ] as const) {
        const repo = value ? DIGEST_REF.exec(value)?.[1] : undefined;
        if (repo !== undefined && repo !== own)
          issues.push({
            key: `${ns}${key}`,
            message: `got an image of ${repo}, expected a digest of ${own} (${ns}image.repository): production runs only what the app's own builds pushed`,
          });
      }
    }
    return { kind: "prebuilt", ref, pinned, migratorRef };
  }
  // The prod profile never builds: without a new digest it keeps the one it runs.
  if (profile === "prod") return { kind: "deployed" };
  const main = c.image?.repository ?? (profile === "local" ? `localhost:5001/${appName}` : undefined);
  if (!main) {
    issues.push({
      key: `${ns}image.repository`,
      message: `got nothing, expected an image repository such as ghcr.io/acme/web (or set ${ns}image.ref to deploy a prebuilt image)`,
    });
  }
  // Previews push elsewhere: nothing a pull request builds is ever read by a main build.
  const repository = profile === "preview" ? (c.image?.previewRepository ?? `${main ?? ""}-preview`) : (main ?? "");
  const context = c.image?.context ?? "app";
  const gitSha = deployedCommit(ctx, c);
  const scope = input.stack;
  const cache =
    (c.image?.cache ?? true) && main
      ? { to: cacheRef(repository, scope), from: [...new Set([cacheRef(repository, scope), cacheRef(main, profile === "preview" ? DEV_STACK : scope)])] }
      : undefined;
  return {
    kind: "build",
    repository,
    context,
    dockerfile: c.image?.dockerfile ?? `${context}/Dockerfile`,
    target: c.image?.target,
    migratorTarget: c.image?.migratorTarget ?? APP_DEFAULTS.migratorTarget,
    platforms: c.image?.platforms ?? ["linux/amd64"],
    buildArgs: c.image?.buildArgs ?? {},
    buildOnPreview: c.image?.buildOnPreview ?? d.buildOnPreview,
    cache,
    tags: gitSha ? [gitSha, input.stack] : [input.stack],
  };
}

/** `image.repository` as the project level (Pulumi.yaml) sets it. */
function projectImageRepository(ctx: MergeContext): string | undefined {
  const raw = ctx.input.projectConfig?.[`${ctx.ns}image`];
  try {
    const value = raw ? (JSON.parse(raw) as { repository?: unknown }).repository : undefined;
    return typeof value === "string" ? value : undefined;
  } catch {
    return undefined;
  }
}

/** The commit being deployed: `image.gitSha`, or GitHub's `$GITHUB_SHA`. It tags images and keys a preview's reset. */
function deployedCommit(ctx: MergeContext, c: Config): string | undefined {
  return c.image?.gitSha ?? normalizeSha(ctx.input.env.GITHUB_SHA);
}

function normalizeSha(sha: string | undefined): string | undefined {
  return sha && /^[0-9a-f]{7,40}$/.test(sha) ? sha : undefined;
}

/** The stack's database: Neon for every profile but `local`, which runs Postgres in the cluster. */
function databaseSettings(ctx: MergeContext, c: Config): Settings["database"] {
  const { ns, profile, names, issues } = ctx;
  const db = { name: c.database?.name ?? DATABASE_DEFAULTS.name, role: c.database?.role ?? DATABASE_DEFAULTS.role };
  if (profile === "local") {
    return { kind: "local", image: c.postgres?.image ?? LOCAL_POSTGRES_IMAGE, storage: c.postgres?.storage ?? LOCAL_POSTGRES_STORAGE, ...db };
  }
  const n = c.neon ?? {};
  if (!names.production && !n.projectId) {
    issues.push({
      key: `${ns}neon.projectId`,
      message:
        "got nothing, expected the Neon project id (the production stack's `neonProjectId` output, or Neon console → Settings); only the production stack creates the project",
    });
  }
  const plan = n.plan ?? "free";
  const limits = PLAN_LIMITS[plan];
  const initSource = n.data === "schema-only" ? "schema-only" : "parent-data";
  // A reset on every new commit: the key is the commit deployed, so a second `up` of it changes nothing.
  const resetKey = n.resetOnDeploy ? deployedCommit(ctx, c) : undefined;
  if (n.resetOnDeploy && initSource === "schema-only") {
    issues.push({
      key: `${ns}neon.resetOnDeploy`,
      message: `got true with ${ns}neon.data schema-only, expected false: a schema-only branch has no parent to reset from (a restore from its source would copy the source's rows)`,
    });
  } else if (n.resetOnDeploy && !resetKey) {
    issues.push({
      key: `${ns}neon.resetOnDeploy`,
      message: `got true, expected the commit being deployed to key the reset: $GITHUB_SHA (set in GitHub Actions) or ${ns}image.gitSha`,
    });
  }
  // Neon's protected flag is a paid feature; Pulumi's own `protect` guards production on every plan.
  const branch = {
    ...names.neonBranch,
    protected: names.production && limits.protectedBranches,
    protectable: limits.protectedBranches,
    initSource,
    ...(resetKey ? { resetKey } : {}),
    ...(names.neonBranch.adoptDefault ? {} : { branchLimit: { plan, max: limits.maxBranches, maxRoots: limits.maxRootBranches } }),
    ...(profile === "preview" ? { ttlDays: n.previewTtlDays ?? 7 } : {}),
  } as const;
  // Defaults valid on the plan: sizes capped, scale-to-zero tuned only where the plan allows it.
  const dn = NEON_COMPUTE_DEFAULTS[profile];
  const maxCu = n.maxCu ?? Math.min(dn.maxCu, limits.maxAutoscalingCu);
  const suspend = n.suspendTimeoutSeconds ?? (suspendAllowed(limits, dn.suspendTimeoutSeconds) ? dn.suspendTimeoutSeconds : 0);
  return {
    kind: "neon",
    plan,
    projectId: n.projectId,
    manageProject: names.production,
    project: {
      name: n.projectName ?? c.appName ?? DEFAULT_APP_NAME,
      regionId: n.regionId ?? NEON_PROJECT_DEFAULTS.regionId,
      pgVersion: n.pgVersion ?? NEON_PROJECT_DEFAULTS.pgVersion,
      historyRetentionSeconds: n.historyRetentionSeconds ?? defaultHistoryRetention(plan),
      orgId: n.orgId,
    },
    passwordRotation: n.passwordRotation,
    branch,
    compute: { minCu: n.minCu ?? Math.min(dn.minCu, maxCu), maxCu, suspendTimeoutSeconds: suspend },
    ...db,
  };
}

/** Millicores of a CPU quantity. */
export function cpuMillis(q: string): number {
  return q.endsWith("m") ? Number(q.slice(0, -1)) : Math.round(Number(q) * 1000);
}

const UNITS: Record<string, number> = { "": 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 };
/** Bytes of a memory quantity. */
export function memoryBytes(q: string): number {
  const m = /^([0-9]+)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(q);
  return m ? Number(m[1]) * UNITS[m[2] ?? ""] : NaN;
}

/** Rules that involve more than one key, checked on the merged settings. */
export function checkApp(ns: string, s: Omit<Settings, "secrets" | "github">, c: Config, issues: SettingsIssue[]): void {
  checkNames(ns, s, issues);
  checkResources(ns, s, issues);
  checkReplicas(ns, s, issues);
  if (s.ingress.enabled && !s.ingress.host) {
    const key = s.profile === "preview" ? `${ns}ingress.previewDomain` : `${ns}ingress.host`;
    const wants =
      s.profile === "preview" ? "a domain under which pr-<n>.<domain> resolves, e.g. preview.example.com" : "the public hostname, e.g. app.example.com";
    issues.push({ key, message: `got nothing, expected ${wants} (or set ${ns}ingress.enabled to false)` });
  }
  if (s.ingress.enabled && s.ingress.tls && !s.ingress.clusterIssuer) {
    issues.push({ key: `${ns}ingress.clusterIssuer`, message: `got nothing, expected a cert-manager ClusterIssuer name because ${ns}ingress.tls is true` });
  }
  if (s.profile === "prod") checkProduction(ns, s, issues);
  if (s.database.kind === "neon") {
    checkNeonCompute(ns, s.database.compute, issues);
    checkNeonPlan(ns, s.database, issues);
  }
  if ((s.registry.pullToken ?? s.registry.password) && !s.registry.address) {
    issues.push({ key: `${ns}image.repository`, message: `got nothing, expected the repository the registry credentials are for, such as ghcr.io/acme/web` });
  }
  if (s.registry.pullToken && !s.registry.username) {
    issues.push({ key: `${ns}registry.username`, message: `got nothing, expected the user name that goes with ${ns}imagePullToken for ${s.registry.address}` });
  }
  if (c.registry?.username && !s.registry.password && !s.registry.pullToken) {
    issues.push({
      key: `${ns}registryPassword`,
      message: `got nothing, expected a secret because ${ns}registry.username is set: ${SECRET_KEYS.registryPassword.example}`,
    });
  }
  if (s.registry.password && !s.registry.username) {
    issues.push({
      key: `${ns}registry.username`,
      message: `got nothing, expected the user name that goes with ${ns}registryPassword for ${s.registry.address}`,
    });
  }
}

/** Names built from the stack name and app name must fit Kubernetes' and DNS's limits. */
function checkNames(ns: string, s: Omit<Settings, "secrets" | "github">, issues: SettingsIssue[]): void {
  const full = `${s.appName}-${s.stack}`;
  if (full.length > DNS_LABEL_MAX) {
    issues.push({
      key: "stack name",
      message: `got "${s.stack}" (${s.stack.length} characters), expected a shorter name: the namespace "${full}" would be ${full.length} characters, over Kubernetes' 63`,
    });
  }
  if (s.ingress.host && !HOSTNAME.test(s.ingress.host)) {
    const key = s.profile === "preview" ? `${ns}ingress.previewDomain` : `${ns}ingress.host`;
    issues.push({ key, message: `gives the host "${s.ingress.host}", expected a DNS name of at most 253 characters with labels of at most 63` });
  }
}

function checkResources(ns: string, s: Omit<Settings, "secrets" | "github">, issues: SettingsIssue[]): void {
  const { requests, limits } = s.app.resources;
  const key = (k: string) => `${ns}app.resources.${k}`;
  if (cpuMillis(limits.cpu) <= 0) issues.push({ key: key("limits.cpu"), message: `got "${limits.cpu}", expected more than zero` });
  if (memoryBytes(limits.memory) < 64 * 2 ** 20)
    issues.push({ key: key("limits.memory"), message: `got "${limits.memory}", expected at least 64Mi (the Node.js server does not start in less)` });
  if (cpuMillis(requests.cpu) > cpuMillis(limits.cpu)) {
    issues.push({
      key: key("requests.cpu"),
      message: `got "${requests.cpu}", expected at most ${key("limits.cpu")} ("${limits.cpu}"): Kubernetes refuses requests above limits`,
    });
  }
  if (memoryBytes(requests.memory) > memoryBytes(limits.memory)) {
    issues.push({
      key: key("requests.memory"),
      message: `got "${requests.memory}", expected at most ${key("limits.memory")} ("${limits.memory}"): Kubernetes refuses requests above limits`,
    });
  }
}

function checkReplicas(ns: string, s: Omit<Settings, "secrets" | "github">, issues: SettingsIssue[]): void {
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
}

/** What no prod-profile stack may configure away. */
function checkProduction(ns: string, s: Omit<Settings, "secrets" | "github">, issues: SettingsIssue[]): void {
  const want = (key: string, got: unknown, expected: string) =>
    issues.push({ key: `${ns}${key}`, message: `got ${JSON.stringify(got)}, expected ${expected} (the prod profile requires it)` });
  if (!s.autoscaling.enabled) want("autoscaling.enabled", false, "true: production rides out traffic spikes");
  else if (s.autoscaling.minReplicas < 2)
    want("autoscaling.minReplicas", s.autoscaling.minReplicas, "at least 2, so one pod can be drained while another serves");
  if (!s.disruptionBudget.enabled) want("disruptionBudget.enabled", false, "true: a node drain never takes every pod at once");
  if (!s.ingress.enabled) want("ingress.enabled", false, "true: production is served");
  if (!s.ingress.tls) want("ingress.tls", false, "true: production is served over TLS");
  if (s.ingress.host && /(^|\.)localhost$/.test(s.ingress.host)) want("ingress.host", s.ingress.host, "a public hostname, not a laptop's *.localhost");
  if (s.kubernetes.skipAwait) want("kubernetes.skipAwait", true, "false: production waits for migrations and pods");
}

/** What the stack asks of Neon must be something its plan (`neon.plan`) allows. */
function checkNeonPlan(ns: string, db: NeonDatabaseSettings, issues: SettingsIssue[]): void {
  const limits = PLAN_LIMITS[db.plan];
  const needs = (key: string, got: unknown, ok: (l: PlanLimits) => boolean, what: string) => {
    const plan = planFor(ok);
    issues.push({
      key: `${ns}${key}`,
      message: `got ${JSON.stringify(got)}, expected ${what} on Neon's ${db.plan} plan (${ns}neon.plan)${plan ? `; the ${plan} plan allows it` : ""}`,
    });
  };
  const { minCu, maxCu, suspendTimeoutSeconds } = db.compute;
  const fixed = minCu === maxCu;
  const cap = fixed ? limits.maxFixedCu : limits.maxAutoscalingCu;
  if (maxCu > cap) needs("neon.maxCu", maxCu, (l) => maxCu <= (fixed ? l.maxFixedCu : l.maxAutoscalingCu), `at most ${cap} CU`);
  if (!suspendAllowed(limits, suspendTimeoutSeconds)) {
    const allowed = [...limits.suspend.values.map(String), ...(limits.suspend.range ? [`${limits.suspend.range[0]}–${limits.suspend.range[1]}`] : [])].join(
      ", ",
    );
    needs("neon.suspendTimeoutSeconds", suspendTimeoutSeconds, (l) => suspendAllowed(l, suspendTimeoutSeconds), `one of ${allowed}`);
  }
  if (db.manageProject && db.project.historyRetentionSeconds > limits.maxHistoryRetentionSeconds) {
    needs(
      "neon.historyRetentionSeconds",
      db.project.historyRetentionSeconds,
      (l) => db.project.historyRetentionSeconds <= l.maxHistoryRetentionSeconds,
      `at most ${limits.maxHistoryRetentionSeconds} seconds`,
    );
  }
}

/** Neon's compute sizes and autoscaling range: the rules the Endpoint provider checks too (components/neon/rules.ts). */
function checkNeonCompute(ns: string, compute: { minCu: number; maxCu: number }, issues: SettingsIssue[]): void {
  for (const p of computeProblems(compute.minCu, compute.maxCu, (f) => `${ns}neon.${f}`)) issues.push({ key: `${ns}neon.${p.field}`, message: p.reason });
}

/** Sentry: the environment the app reports as, and where releases and source maps go. */
function sentrySettings(ctx: MergeContext, c: Config): Settings["sentry"] {
  const { input, ns, profile, names, issues } = ctx;
  const { org, project, url } = c.sentry ?? {};
  if ((org === undefined) !== (project === undefined)) {
    issues.push({
      key: `${ns}sentry.${org === undefined ? "org" : "project"}`,
      message: `got nothing, expected a slug: sentry.org and sentry.project go together (set both project-level, or neither)`,
    });
  }
  // Source maps are uploaded by the builds production promotes (and local ones), never a pull request's.
  const token = input.env.SENTRY_AUTH_TOKEN;
  const builds = profile === "dev" || profile === "local";
  return {
    environment: c.sentry?.environment ?? (names.production ? PRODUCTION.sentryEnvironment : profile === "preview" ? "preview" : input.stack),
    org,
    project,
    url,
    buildToken: builds && org && project && token ? pulumi.secret(token) : undefined,
  };
}
