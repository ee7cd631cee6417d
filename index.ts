/**
 * nextjs-infra: settings → components → exports. Everything a stack differs by is in
 * its settings (stacks/); everything it creates is in a component (components/).
 */
import * as pulumi from "@pulumi/pulumi";
import * as github from "@pulumi/github";
import {
  AppDatabase,
  AppDatabaseArgs,
  AppImage,
  AppImageArgs,
  AppNamespace,
  AppSecrets,
  ClusterAddons,
  GithubEnvironment,
  NextjsApp,
  previewExpiry,
  publicUrl,
} from "./components";
import { ClusterSettings, loadSettings, Settings } from "./stacks";


/** What a stack exports; a cluster stack fills only its own part. */
interface StackOutputs {
  stackProfile: string;
  url?: pulumi.Output<string>;
  imageRef?: pulumi.Output<string>;
  namespace?: pulumi.Output<string>;
  pullRequest?: number;
  databaseUrl?: pulumi.Output<string>;
  neonProjectId?: pulumi.Output<string>;
  databaseBranch?: pulumi.Output<string>;
  dopplerConfig?: pulumi.Output<string>;
  releases?: pulumi.Output<string[]>;
}

/** The image to deploy: built from source, or the prebuilt reference from settings. */
function imageArgs(s: Settings): AppImageArgs {
  const registry =
    s.registry.username && s.registry.password ? { address: s.registry.address, username: s.registry.username, password: s.registry.password } : undefined;
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

/** A stack that deploys the app. */
function deployApp(s: Settings): StackOutputs {
  const ingress = s.ingress.enabled && s.ingress.host ? { host: s.ingress.host, className: s.ingress.className, clusterIssuer: s.ingress.clusterIssuer, tls: s.ingress.tls } : undefined;
  const url = publicUrl(ingress);
  const image = new AppImage(`${s.appName}-image`, imageArgs(s));
  const ns = new AppNamespace(s.appName, { name: s.namespace, profile: s.profile, protect: s.protect, labels: { "app.kubernetes.io/instance": s.stack } });
  const database = new AppDatabase(`${s.appName}-db`, databaseArgs(s, ns.name));
  const d = s.secrets.doppler;
  const secrets = new AppSecrets(
    `${s.appName}-secrets`,
    {
      appName: s.appName,
      namespace: ns.name,
      rotation: s.secrets.rotation,
      derived: { DATABASE_URL: database.databaseUrl, DIRECT_URL: database.directUrl, ...(url ? { NEXTAUTH_URL: url } : {}) },
      doppler: d ? { project: d.project, environment: d.environment, config: d.config, branch: d.branch, sync: d.sync } : undefined,
      local: s.secrets.local,
      ciToken: s.github !== undefined && d !== undefined,
      skipAwait: s.kubernetes.skipAwait,
    },
    // The default Doppler provider reads doppler:dopplerToken or DOPPLER_TOKEN itself.
  );

  const app = new NextjsApp(s.appName, {
    appName: s.appName,
    stack: s.stack,
    namespace: ns.name,
    imageRef: image.imageRef,
    port: s.app.port,
    replicas: s.app.replicas,
    resources: s.app.resources,
    env: s.app.env,
    logLevel: s.app.logLevel,
    sentryEnvironment: s.sentry.environment,
    sentryRelease: s.image.gitSha,
    databaseUrl: database.databaseUrl,
    directUrl: database.directUrl,
    secretEnvFrom: [secrets.secretName],
    secretEnvChecksum: secrets.checksum,
    deploymentAnnotations: secrets.deploymentAnnotations,
    livenessPath: s.app.livenessPath,
    readinessPath: s.app.readinessPath,
    migrationCommand: s.app.migrate ? s.app.migrationCommand : undefined,
    autoscaling: s.autoscaling.enabled ? s.autoscaling : undefined,
    disruptionBudget: s.disruptionBudget.enabled ? s.disruptionBudget : undefined,
    ingress,
    skipAwait: s.kubernetes.skipAwait,
  });

  if (s.github) {
    const g = s.github;
    const provider = new github.Provider("github", { owner: g.owner, token: g.token });
    // GHCR pushes with the workflow's own GITHUB_TOKEN; other registries need their credential.
    const ciSecrets: Record<string, pulumi.Output<string>> = { ...g.secrets };
    if (s.registry.password && s.registry.kind !== "ghcr") ciSecrets.REGISTRY_PASSWORD = s.registry.password;
    if (secrets.ciToken) ciSecrets.DOPPLER_READ_TOKEN = secrets.ciToken;
    new GithubEnvironment(
      `${s.appName}-github`,
      {
        repository: g.repository,
        environment: g.environment,
        reviewers: g.reviewers,
        mainOnly: g.mainOnly,
        secrets: ciSecrets,
        variables: { APP_URL: app.url, PULUMI_STACK: s.stack, ...(s.registry.username ? { REGISTRY_USERNAME: s.registry.username } : {}) },
        repositorySecrets: g.repositorySecrets,
      },
      { providers: [provider] },
    );
  }

  return {
    url: app.url,
    imageRef: image.imageRef,
    namespace: app.namespace,
    stackProfile: s.profile,
    pullRequest: s.pullRequest,
    databaseUrl: pulumi.secret(database.databaseUrl),
    neonProjectId: database.projectId,
    databaseBranch: database.branchName,
    dopplerConfig: secrets.dopplerConfig,
  };
}

/** A `cluster-<name>` stack: cluster add-ons only. */
function deployCluster(s: ClusterSettings): StackOutputs {
  const addons = new ClusterAddons("cluster", s);
  return { stackProfile: s.profile, releases: addons.releases };
}

const settings = loadSettings();
const out = settings.role === "cluster" ? deployCluster(settings) : deployApp(settings);

/** Base URL of the app. */
export const url = out.url;
/** The deployed image, pinned by digest. */
export const imageRef = out.imageRef;
/** Kubernetes namespace of this stack. */
export const namespace = out.namespace;
/** The profile this stack runs under. */
export const stackProfile = out.stackProfile;
/** Pull request number of a preview stack. */
export const pullRequest = out.pullRequest;
/** Connection string the app uses; exported only as a secret. */
export const databaseUrl = out.databaseUrl;
/** Neon project id: what the other stacks set as `neon.projectId`. */
export const neonProjectId = out.neonProjectId;
/** Neon branch of this stack. */
export const databaseBranch = out.databaseBranch;
/** Doppler config of this stack. */
export const dopplerConfig = out.dopplerConfig;
/** Helm releases of a cluster stack. */
export const releases = out.releases;
