/**
 * nextjs-infra: settings → components → exports. Everything a stack differs by is in
 * its settings (stacks/); everything it creates is in a component (components/).
 */
import * as pulumi from "@pulumi/pulumi";
import { AppDatabase, AppDatabaseArgs, AppImage, AppImageArgs, AppNamespace, NextjsApp, previewExpiry } from "./components";
import { loadSettings, Settings } from "./stacks";

const settings = loadSettings();

/** The image to deploy: built from source, or the prebuilt reference from settings. */
function imageArgs(s: Settings): AppImageArgs {
  const registry =
    s.registry.username && s.registry.password
      ? { address: s.registry.address, username: s.registry.username, password: s.registry.password }
      : undefined;
  if (s.image.kind === "prebuilt") return { prebuilt: s.image.ref, registry };
  const img = s.image;
  return {
    registry,
    build: {
      repository: img.repository,
      context: img.context,
      dockerfile: img.dockerfile,
      target: img.target,
      platforms: img.platforms,
      buildArgs: img.buildArgs,
      buildOnPreview: img.buildOnPreview,
      tags: img.gitSha ? [img.gitSha, s.stack] : [s.stack],
      // Previews and prod start from the cache that main's dev builds keep warm.
      cache: img.cache ? { to: s.stack, from: ["dev"] } : undefined,
      labels: img.gitSha ? { "org.opencontainers.image.revision": img.gitSha } : undefined,
    },
  };
}

/** Neon for deployed profiles, in-cluster Postgres for `local`. */
function databaseArgs(s: Settings, namespace: pulumi.Output<string>): AppDatabaseArgs {
  const db = s.database;
  if (db.kind === "local") {
    return { name: db.name, role: db.role, local: { namespace, image: db.image, storage: db.storage, skipAwait: s.kubernetes.skipAwait } };
  }
  const { ttlDays, ...branch } = db.branch;
  return {
    name: db.name,
    role: db.role,
    retain: s.protect,
    neon: {
      projectId: db.projectId,
      createProject: db.projectId ? undefined : db.project,
      branch: { ...branch, expiresAt: ttlDays !== undefined ? previewExpiry(ttlDays) : undefined },
      compute: db.compute,
    },
  };
}

const image = new AppImage(`${settings.appName}-image`, imageArgs(settings));
const ns = new AppNamespace(settings.appName, { name: settings.namespace, protect: settings.protect, labels: { "app.kubernetes.io/instance": settings.stack } });
const database = new AppDatabase(`${settings.appName}-db`, databaseArgs(settings, ns.name));

const app = new NextjsApp(settings.appName, {
  appName: settings.appName,
  stack: settings.stack,
  namespace: ns.name,
  imageRef: image.imageRef,
  port: settings.app.port,
  replicas: settings.app.replicas,
  resources: settings.app.resources,
  env: settings.app.env,
  logLevel: settings.app.logLevel,
  sentryEnvironment: settings.sentry.environment,
  sentryRelease: settings.image.gitSha,
  databaseUrl: database.databaseUrl,
  directUrl: database.directUrl,
  livenessPath: settings.app.livenessPath,
  readinessPath: settings.app.readinessPath,
  migrationCommand: settings.app.migrate ? settings.app.migrationCommand : undefined,
  autoscaling: settings.autoscaling.enabled ? settings.autoscaling : undefined,
  disruptionBudget: settings.disruptionBudget.enabled ? settings.disruptionBudget : undefined,
  ingress:
    settings.ingress.enabled && settings.ingress.host
      ? { host: settings.ingress.host, className: settings.ingress.className, clusterIssuer: settings.ingress.clusterIssuer, tls: settings.ingress.tls }
      : undefined,
  skipAwait: settings.kubernetes.skipAwait,
});

/** Base URL of the app. */
export const url = app.url;
/** The deployed image, pinned by digest. */
export const imageRef = image.imageRef;
/** Kubernetes namespace of this stack. */
export const namespace = app.namespace;
/** The profile this stack runs under. */
export const stackProfile = settings.profile;
/** Pull request number of a preview stack. */
export const pullRequest = settings.pullRequest;
/** Connection string the app uses; exported only as a secret. */
export const databaseUrl = pulumi.secret(database.databaseUrl);
/** Neon project id: what the other stacks set as `neon.projectId`. */
export const neonProjectId = database.projectId;
/** Neon branch of this stack. */
export const databaseBranch = database.branchName;
