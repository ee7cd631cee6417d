/**
 * nextjs-infra: settings → components → exports. Everything a stack differs by is in
 * its settings (stacks/); everything it creates is in a component (components/).
 * The program is a function (Pulumi awaits it) so that what must be known before
 * anything is created — the digest production keeps — is known first.
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
  deployedImageRefs,
  GithubEnvironment,
  kubernetesProvider,
  RepositoryProtection,
  NextjsApp,
  NextjsAppArgs,
  PREVIEW_QUOTA,
  previewExpiry,
} from "./components";
import { ClusterSettings, loadSettings, RepositorySettings, Settings, SettingsError } from "./stacks";

/**
 * Your changes to the app's Kubernetes objects that no setting covers (a sidecar, a probe,
 * another egress port), per child: an object merged into its args, or a function that edits
 * them. Examples, each tested: README.md, "Change what the components create".
 */
const APP_TRANSFORM: NextjsAppArgs["transform"] = {};

/** What a stack exports; a cluster stack fills only its own part. */
interface StackOutputs {
  stackProfile: string;
  url?: pulumi.Output<string>;
  imageRef?: pulumi.Output<string>;
  migratorRef?: pulumi.Output<string>;
  namespace?: pulumi.Output<string>;
  /** The app's Service (a port-forward's target where there is no ingress controller). */
  service?: pulumi.Output<string>;
  pullRequest?: number;
  neonProjectId?: pulumi.Output<string>;
  databaseBranch?: pulumi.Output<string>;
  /** When Neon deletes a preview's branch: the branch's own expiry, as Neon holds it. */
  databaseExpiresAt?: pulumi.Output<string | undefined>;
  /** What a pull request's comment compares: the branch, the one it was made from, and the database (scripts/lib/schema-diff.ts). */
  schemaDiff?: { projectId: pulumi.Output<string>; branchId: pulumi.Output<string>; baseBranchId: pulumi.Output<string | undefined>; database: string };
  dopplerConfig?: pulumi.Output<string>;
  /** Where a deploy records its Sentry release (scripts/deploy.ts), when the stack names a Sentry project. */
  sentry?: { org: string; project: string; url?: string; environment: string; release: pulumi.Output<string> };
  releases?: pulumi.Output<string[]>;
  previewAuthentication?: pulumi.Output<string>;
  environments?: pulumi.Output<string[]>;
  rulesetId?: pulumi.Output<number>;
}

/**
 * The images to deploy: built from source (the app and its migrator), prebuilt references,
 * or (prod) the digests it runs now. Prod reads what it runs from its own last deployment:
 * a rollback that names only the app's digest keeps the migrator it has.
 */
async function imageArgs(s: Settings): Promise<AppImageArgs> {
  const registry =
    s.registry.address && s.registry.username && s.registry.password
      ? { address: s.registry.address, username: s.registry.username, password: s.registry.password }
      : undefined;
  const deployed = () => deployedImageRefs(`${pulumi.getOrganization()}/${s.project}/${s.stack}`);
  if (s.image.kind === "prebuilt") {
    const migrator = s.image.migratorRef ?? (s.profile === "prod" && s.app.migrate ? (await deployed()).migratorRef : undefined);
    return { prebuilt: s.image.ref, prebuiltMigrator: migrator, registry };
  }
  if (s.image.kind === "deployed") {
    const { imageRef: ref, migratorRef } = await deployed();
    if (!ref) {
      throw new SettingsError(s.stack, [
        {
          key: `${s.project}:image.ref`,
          message:
            'got nothing, and the stack runs no image yet: the prod profile never builds; promote a digest, e.g. `npm run deploy -- --stack prod --image-ref "$(pulumi stack output imageRef -s dev)"`',
        },
      ]);
    }
    return { prebuilt: ref, prebuiltMigrator: migratorRef };
  }
  const img = s.image;
  // Source maps go to Sentry from this build only when it holds the token (scripts/sourcemaps.mjs in the app).
  const sentry = s.sentry.buildToken
    ? { SENTRY_ORG: s.sentry.org ?? "", SENTRY_PROJECT: s.sentry.project ?? "", ...(s.sentry.url ? { SENTRY_URL: s.sentry.url } : {}) }
    : {};
  return {
    registry,
    build: {
      repository: img.repository,
      context: img.context,
      dockerfile: img.dockerfile,
      target: img.target,
      platforms: img.platforms,
      buildArgs: { ...img.buildArgs, ...sentry },
      secrets: s.sentry.buildToken ? { sentry_auth_token: s.sentry.buildToken } : undefined,
      buildOnPreview: img.buildOnPreview,
      tags: img.tags,
      cache: img.cache,
      migratorTarget: s.app.migrate ? img.migratorTarget : undefined,
    },
  };
}

/** Neon for deployed profiles, in-cluster Postgres for `local`. */
function databaseArgs(s: Settings, namespace: pulumi.Output<string>): AppDatabaseArgs {
  const db = s.database;
  if (db.kind === "local") {
    return { name: db.name, role: db.role, local: { namespace, appName: s.appName, image: db.image, storage: db.storage, skipAwait: s.kubernetes.skipAwait } };
  }
  const { ttlDays, ...branch } = db.branch;
  return {
    name: db.name,
    role: db.role,
    retain: s.protect,
    neon: {
      projectId: db.manageProject ? undefined : db.projectId,
      manageProject: db.manageProject ? { ...db.project, adoptId: db.projectId } : undefined,
      branch: { ...branch, expiresAt: ttlDays !== undefined ? previewExpiry(ttlDays) : undefined },
      compute: db.compute,
      passwordRotation: db.passwordRotation,
    },
  };
}

/** A stack that deploys the app. */
async function deployApp(s: Settings): Promise<StackOutputs> {
  // A laptop cluster may have no ingress controller: local does not wait for an address.
  const ingress =
    s.ingress.enabled && s.ingress.host
      ? {
          host: s.ingress.host,
          className: s.ingress.className,
          clusterIssuer: s.ingress.clusterIssuer,
          tls: s.ingress.tls,
          awaitAddress: s.profile !== "local",
        }
      : undefined;
  const image = new AppImage(`${s.appName}-image`, await imageArgs(s));
  // One explicit Kubernetes provider for everything in the cluster (default providers are off).
  const k8s = { providers: [kubernetesProvider("kubernetes", { context: s.kubernetes.context })] };
  const ns = new AppNamespace(
    s.appName,
    {
      name: s.namespace,
      profile: s.profile,
      protect: s.protect,
      labels: { "app.kubernetes.io/instance": s.stack },
      quota: s.profile === "preview" ? PREVIEW_QUOTA : undefined,
      previewAccess: s.previewAccess,
      dns: { namespaces: s.network.dnsNamespaces, ports: s.network.dnsPorts, cidrs: s.network.dnsCidrs },
    },
    k8s,
  );
  const database = new AppDatabase(`${s.appName}-db`, databaseArgs(s, ns.name), k8s);
  const d = s.secrets.doppler;
  // The default Doppler provider reads doppler:dopplerToken or DOPPLER_TOKEN itself.
  const secrets = new AppSecrets(
    `${s.appName}-secrets`,
    {
      appName: s.appName,
      namespace: ns.name,
      rotation: s.secrets.rotation,
      doppler: d ? { project: d.project, environment: d.environment, config: d.config, branch: d.branch, sync: d.sync } : undefined,
      local: s.secrets.local,
      skipAwait: s.kubernetes.skipAwait,
    },
    k8s,
  );
  const pull =
    s.registry.address && s.registry.pullToken && s.registry.username
      ? { registry: s.registry.address, username: s.registry.username, password: s.registry.pullToken }
      : undefined;

  const app = new NextjsApp(
    s.appName,
    {
      transform: APP_TRANSFORM,
      appName: s.appName,
      stack: s.stack,
      namespace: ns.name,
      imageRef: image.imageRef,
      migrationImageRef: image.migratorRef,
      port: s.app.port,
      replicas: s.app.replicas,
      resources: s.app.resources,
      env: s.app.env,
      logLevel: s.app.logLevel,
      sentryEnvironment: s.sentry.environment,
      databaseUrl: database.databaseUrl,
      directUrl: database.directUrl,
      secretEnvFrom: [secrets.secretName],
      secretEnvChecksum: secrets.checksum,
      deploymentAnnotations: secrets.deploymentAnnotations,
      livenessPath: s.app.livenessPath,
      readinessPath: s.app.readinessPath,
      migrationCommand: s.app.migrate ? s.app.migrationCommand : undefined,
      seedCommand: s.app.migrate ? s.app.seedCommand : undefined,
      autoscaling: s.autoscaling.enabled ? s.autoscaling : undefined,
      disruptionBudget: s.disruptionBudget.enabled ? s.disruptionBudget : undefined,
      ingress,
      ingressControllerNamespace: s.ingress.controllerNamespace,
      imagePullCredentials: pull,
      skipAwait: s.kubernetes.skipAwait,
      guardrailsDeletedWith: s.previewAccess ? ns.namespace : undefined,
      ingressSources: s.network.ingressCidrs,
      spreadAcrossNodes: s.app.spreadAcrossNodes,
      requestLocalStorage: s.app.requestLocalStorage,
      priorityClassName: s.app.priorityClassName,
    },
    k8s,
  );

  return {
    url: app.url,
    imageRef: image.imageRef,
    migratorRef: image.migratorRef,
    namespace: app.namespace,
    service: app.service.metadata.name,
    stackProfile: s.profile,
    pullRequest: s.pullRequest,
    neonProjectId: database.projectId,
    databaseBranch: database.branchName,
    databaseExpiresAt: s.database.kind === "neon" && s.database.branch.ttlDays !== undefined ? database.expiresAt : undefined,
    schemaDiff:
      database.projectId && database.branchId && database.sourceBranchId
        ? { projectId: database.projectId, branchId: database.branchId, baseBranchId: database.sourceBranchId, database: s.database.name }
        : undefined,
    dopplerConfig: secrets.dopplerConfig,
    sentry:
      s.sentry.org && s.sentry.project
        ? { org: s.sentry.org, project: s.sentry.project, url: s.sentry.url, environment: s.sentry.environment, release: app.sentryRelease }
        : undefined,
  };
}

/**
 * The repository stack (`github`): every environment the workflows use, with exactly the
 * secrets its contract lists, and main's protection. The only stack that holds a
 * credential for the repository's settings.
 */
function deployRepository(s: RepositorySettings): StackOutputs {
  const provider = new github.Provider("github", { owner: s.owner, token: s.token });
  const opts = { providers: [provider] };
  const environments = s.environments.map(({ contract, reviewers, secrets, variables }) => {
    const missing = contract.credentials.filter((c) => c.kind === "secret" && !c.optional && !(c.name in secrets)).map((c) => c.name);
    if (missing.length > 0)
      void pulumi.log.warn(`environment ${contract.name} has no ${missing.join(", ")} yet: its jobs fail until \`ciSecrets.${contract.name}.<NAME>\` is set`);
    return new GithubEnvironment(
      `${s.repository}-${contract.name}`,
      { repository: s.repository, environment: contract.name, reviewers, mainOnly: contract.branches === "main", secrets, variables },
      opts,
    ).environment;
  });
  const protection = new RepositoryProtection(
    s.repository,
    { repository: s.repository, requiredChecks: s.ruleset.requiredChecks, approvals: s.ruleset.approvals },
    opts,
  );
  return { stackProfile: s.profile, environments: pulumi.all(environments), rulesetId: protection.rulesetId };
}

/** A `cluster-<name>` stack: cluster add-ons only. */
function deployCluster(s: ClusterSettings): StackOutputs {
  const addons = new ClusterAddons("cluster", s, { providers: [kubernetesProvider("kubernetes", { context: s.kubernetes.context })] });
  return { stackProfile: s.profile, releases: addons.releases, previewAuthentication: addons.previewAuthentication };
}

/** The program: its result becomes the stack's outputs. */
export = async (): Promise<Record<string, unknown>> => {
  const settings = loadSettings();
  const out = settings.role === "cluster" ? deployCluster(settings) : settings.role === "github" ? deployRepository(settings) : await deployApp(settings);
  // Only outputs that exist: a cluster stack exports no app URL.
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined));
};
