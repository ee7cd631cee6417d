/**
 * The config contract: every key a stack may set under the `nextjs-infra:` namespace,
 * with what it expects. Values here are what a user wrote; profile defaults are merged
 * in by `settings.ts`. Each message states the expected form, because the error a user
 * sees is "<full key>: got <value>, expected <message>".
 */
import { z } from "zod";
import { PROFILES } from "./profiles";

/** DNS-1123 label (Kubernetes names, namespace parts). */
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** DNS-1123 subdomain, for hostnames. */
const HOSTNAME = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$/;
/** An image repository without tag or digest, e.g. `ghcr.io/acme/web` or `localhost:5001/web`. */
export const REPOSITORY = /^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/;
/** `<repository>@sha256:<64 hex>` with an optional tag before the digest. */
export const DIGEST_REF = /^([^@\s]+)@sha256:[a-f0-9]{64}$/;
/** `<repository>:<tag>`: resolved to a digest before it is deployed. */
export const TAG_REF = /^([^@\s]+):([\w][\w.-]{0,127})$/;
/** Kubernetes resource quantities as people write them for CPU and memory. */
const CPU = /^([0-9]+m|[0-9]+(\.[0-9]+)?)$/;
const MEMORY = /^[0-9]+(Ki|Mi|Gi|Ti|k|M|G|T)?$/;
/** Environment variable names. */
const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;
/** Names that only a secret should carry: such values go through Kubernetes Secrets or BuildKit secrets. */
export const SECRET_LOOKING = /(SECRET|TOKEN|PASSWORD|PASSWD|PRIVATE|API_?KEY|CREDENTIAL|DATABASE_URL|DIRECT_URL|DSN)/;
/** Env names the workload sets itself; a user value would be silently shadowed. */
export const RESERVED_ENV = ["NODE_ENV", "PORT", "HOSTNAME", "LOG_LEVEL", "NEXTAUTH_URL", "SENTRY_ENVIRONMENT", "SENTRY_RELEASE"];

/** The in-cluster Postgres of the local profile, pinned by digest (multi-arch index). */
export const LOCAL_POSTGRES_IMAGE = "postgres:17-alpine@sha256:742f40ea20b9ff2ff31db5458d127452988a2164df9e17441e191f3b72252193";

const label = (max: number) =>
  z
    .string()
    .max(max, { error: `a DNS label of at most ${max} characters` })
    .regex(DNS_LABEL, { error: `a DNS label: lowercase letters, digits and '-', at most ${max} characters` });

const hostname = z.string().regex(HOSTNAME, { error: "a lowercase DNS hostname such as app.example.com" });
const path = z
  .string()
  .regex(/^\/[^\s]*$/, { error: "an absolute URL path starting with '/', e.g. /api/health" });
const positiveInt = (max: number) =>
  z.int({ error: `a whole number from 1 to ${max}` }).min(1, { error: `a whole number from 1 to ${max}` }).max(max, {
    error: `a whole number from 1 to ${max}`,
  });

const plainEnv = (what: string) =>
  z.record(
    z
      .string()
      .regex(ENV_NAME, { error: `${what} names in UPPER_SNAKE_CASE` })
      .refine((k) => !SECRET_LOOKING.test(k), {
        error: `non-secret ${what} only; a name like this belongs in the app's Kubernetes Secret (Doppler), not in plain config`,
      }),
    z.string({ error: "string values" }),
  );

const resources = z.strictObject({
  requests: z
    .strictObject({
      cpu: z.string().regex(CPU, { error: 'a CPU quantity such as "250m" or "1"' }),
      memory: z.string().regex(MEMORY, { error: 'a memory quantity such as "512Mi" or "1Gi"' }),
    })
    .partial(),
  limits: z
    .strictObject({
      cpu: z.string().regex(CPU, { error: 'a CPU quantity such as "500m" or "2"' }),
      memory: z.string().regex(MEMORY, { error: 'a memory quantity such as "512Mi" or "1Gi"' }),
    })
    .partial(),
}).partial();

/** `nextjs-infra:image` */
export const ImageConfig = z
  .strictObject({
    ref: z.string().regex(new RegExp(`${DIGEST_REF.source}|${TAG_REF.source}`), {
      error: "a prebuilt image: <repository>@sha256:<64 hex digits> (or <repository>:<tag>, resolved to its digest)",
    }),
    repository: z.string().regex(REPOSITORY, {
      error: "an image repository without tag or digest, e.g. ghcr.io/acme/web",
    }),
    context: z.string().min(1, { error: "a directory path, relative to the project" }),
    dockerfile: z.string().min(1, { error: "a Dockerfile path, relative to the project" }),
    target: z.string().regex(/^[A-Za-z0-9][\w.-]*$/, { error: "a Dockerfile stage name" }),
    platforms: z
      .array(z.enum(["linux/amd64", "linux/arm64"], { error: 'one of "linux/amd64", "linux/arm64"' }))
      .min(1, { error: "at least one platform" }),
    buildArgs: plainEnv("build argument"),
    buildOnPreview: z.boolean({ error: "true or false" }),
    cache: z.boolean({ error: "true or false" }),
    gitSha: z.string().regex(/^[0-9a-f]{7,40}$/, { error: "a git commit SHA: 7 to 40 lowercase hex digits" }),
  })
  .partial();

/** `nextjs-infra:registry` */
export const RegistryConfig = z
  .strictObject({
    username: z.string().min(1, { error: "a non-empty user name" }),
  })
  .partial();

/** `nextjs-infra:app` */
export const AppConfig = z
  .strictObject({
    port: z.int({ error: "a TCP port from 1024 to 65535 (the app runs as non-root)" }).min(1024, {
      error: "a TCP port from 1024 to 65535 (the app runs as non-root)",
    }).max(65535, { error: "a TCP port from 1024 to 65535" }),
    replicas: positiveInt(50),
    logLevel: z.enum(["trace", "debug", "info", "warn", "error", "fatal"], {
      error: "one of trace, debug, info, warn, error, fatal",
    }),
    env: plainEnv("environment variable").refine((env) => !Object.keys(env).some((k) => RESERVED_ENV.includes(k)), {
      error: `no variable the program sets itself (${RESERVED_ENV.join(", ")})`,
    }),
    resources,
    livenessPath: path,
    readinessPath: path,
    migrate: z.boolean({ error: "true or false" }),
    migrationCommand: z.array(z.string().min(1)).min(1, { error: "a non-empty command array, e.g. [\"npx\", \"prisma\", \"migrate\", \"deploy\"]" }),
  })
  .partial();

/** `nextjs-infra:autoscaling` */
export const AutoscalingConfig = z
  .strictObject({
    enabled: z.boolean({ error: "true or false" }),
    minReplicas: positiveInt(100),
    maxReplicas: positiveInt(100),
    targetCpuUtilization: z.int({ error: "a percentage from 10 to 100" }).min(10, { error: "a percentage from 10 to 100" }).max(100, {
      error: "a percentage from 10 to 100",
    }),
  })
  .partial();

/** `nextjs-infra:disruptionBudget` */
export const DisruptionBudgetConfig = z
  .strictObject({
    enabled: z.boolean({ error: "true or false" }),
    minAvailable: positiveInt(100),
  })
  .partial();

/** `nextjs-infra:ingress` */
export const IngressConfig = z
  .strictObject({
    enabled: z.boolean({ error: "true or false" }),
    host: hostname,
    previewDomain: hostname,
    className: label(63),
    clusterIssuer: label(63),
    tls: z.boolean({ error: "true or false" }),
  })
  .partial();

/** `nextjs-infra:sentry` */
export const SentryConfig = z
  .strictObject({
    environment: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, { error: "a Sentry environment name (letters, digits, _ . -)" }),
  })
  .partial();

/** `nextjs-infra:kubernetes` */
export const KubernetesConfig = z
  .strictObject({
    /** Sets `pulumi.com/skipAwait` on workloads: for API servers without nodes (the engine test tier). */
    skipAwait: z.boolean({ error: "true or false" }),
  })
  .partial();

/** `nextjs-infra:neon` — the Neon project and this stack's branch and compute. */
export const NeonConfig = z
  .strictObject({
    projectId: z.string().regex(/^[a-z0-9-]{3,64}$/, { error: "a Neon project id such as \"cool-pond-12345678\" (Neon console → Settings)" }),
    projectName: z.string().min(1).max(64, { error: "a project name of at most 64 characters" }),
    regionId: z.string().regex(/^[a-z]+-[a-z0-9-]+$/, { error: "a Neon region id such as aws-eu-central-1" }),
    pgVersion: z.int({ error: "a Postgres major version from 14 to 18" }).min(14, { error: "a Postgres major version from 14 to 18" }).max(18, {
      error: "a Postgres major version from 14 to 18",
    }),
    historyRetentionSeconds: z.int({ error: "seconds from 0 to 2592000" }).min(0, { error: "seconds from 0 to 2592000" }).max(2592000, {
      error: "seconds from 0 to 2592000 (30 days)",
    }),
    productionBranch: z.string().min(1, { error: "the name of the project's default branch" }),
    minCu: z.number({ error: "compute units: 0.25, 0.5, or a whole or half number up to 56" }),
    maxCu: z.number({ error: "compute units: 0.25, 0.5, or a whole or half number up to 56" }),
    suspendTimeoutSeconds: z.int({ error: "-1 (never), 0 (Neon's default) or 60 to 604800 seconds" }),
    previewTtlDays: z.int({ error: "a whole number of days from 1 to 30" }).min(1, { error: "a whole number of days from 1 to 30" }).max(30, {
      error: "a whole number of days from 1 to 30 (Neon's longest branch expiry)",
    }),
    previewParent: z.string().min(1, { error: "the name of the branch previews copy, e.g. dev" }),
  })
  .partial();

/** `nextjs-infra:database` — names inside Postgres, on Neon and locally. */
export const DatabaseConfig = z
  .strictObject({
    name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_-]{0,62}$/, { error: "a Postgres database name" }),
    role: z.string().regex(/^[A-Za-z_][A-Za-z0-9_-]{0,62}$/, { error: "a Postgres role name" }),
  })
  .partial();

/** `nextjs-infra:postgres` — the in-cluster Postgres of the local profile. */
export const PostgresConfig = z
  .strictObject({
    image: z.string().regex(DIGEST_REF, { error: "a Postgres image pinned by digest: <repository>@sha256:<64 hex digits>" }),
    storage: z.string().regex(MEMORY, { error: 'a volume size such as "1Gi"' }),
  })
  .partial();

/** `nextjs-infra:doppler` — where the stack's secrets live and how they reach the cluster. */
export const DopplerConfig = z
  .strictObject({
    project: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, { error: "a Doppler project slug such as \"web\"" }),
    environment: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, { error: "a Doppler environment slug such as dev or prd" }),
    config: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, { error: "a Doppler config name such as dev or prd" }),
    sync: z.enum(["snapshot", "operator"], { error: "snapshot (Pulumi copies the config into a Secret) or operator (the Doppler operator syncs it)" }),
  })
  .partial();

/** `nextjs-infra:github` — the GitHub Actions environment of a long-lived stack. */
export const GithubConfig = z
  .strictObject({
    enabled: z.boolean({ error: "true or false" }),
    repository: z.string().regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/, { error: "owner/name of the app's repository, e.g. acme/web" }),
    environment: z.string().regex(/^[A-Za-z0-9 ._-]{1,255}$/, { error: "a GitHub environment name such as production" }),
    reviewers: z
      .strictObject({
        users: z.array(z.string().regex(/^[A-Za-z0-9-]{1,39}$/, { error: "GitHub user logins" })).max(6, { error: "at most 6 reviewers (GitHub's limit)" }),
        teams: z.array(z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, { error: "team slugs of the repository's organization" })).max(6, { error: "at most 6 reviewers (GitHub's limit)" }),
      })
      .partial(),
  })
  .partial();

/** `nextjs-infra:secrets` — secrets Pulumi owns. */
export const SecretsConfig = z
  .strictObject({
    /** Change it (e.g. to the date) to rotate NEXTAUTH_SECRET on the next `up`. */
    rotation: z.string().min(1, { error: "any non-empty keeper, e.g. 2026-11" }),
  })
  .partial();

/** `nextjs-infra:cluster` — add-ons a `cluster-<name>` stack installs. */
const addon = z.strictObject({ enabled: z.boolean({ error: "true or false" }), version: z.string().regex(/^v?[0-9]+\.[0-9]+\.[0-9]+$/, { error: "a chart version such as 1.6.1" }) }).partial();
export const ClusterConfig = z.strictObject({ dopplerOperator: addon, certManager: addon, ingressNginx: addon }).partial();

/** Env-var-named map: the shape of `appSecrets`, `ciSecrets` and `previewCiSecrets`. */
export const SecretMap = z.record(z.string().regex(ENV_NAME, { error: "names in UPPER_SNAKE_CASE" }), z.string({ error: "string values" }));

/** Every plain (non-secret) key a stack may set, without the namespace. */
export const ConfigSchema = z
  .strictObject({
    profile: z.enum(PROFILES, { error: `one of ${PROFILES.join(", ")}` }),
    appName: label(30),
    image: ImageConfig,
    registry: RegistryConfig,
    app: AppConfig,
    autoscaling: AutoscalingConfig,
    disruptionBudget: DisruptionBudgetConfig,
    ingress: IngressConfig,
    sentry: SentryConfig,
    kubernetes: KubernetesConfig,
    neon: NeonConfig,
    database: DatabaseConfig,
    postgres: PostgresConfig,
    doppler: DopplerConfig,
    github: GithubConfig,
    secrets: SecretsConfig,
    cluster: ClusterConfig,
    /** Neon API base URL, read by the Neon provider; for proxies and test doubles. */
    neonApiUrl: z.url({ protocol: /^https?$/, error: "an http(s) URL of the Neon API v2" }),
  })
  .partial();
export type Config = z.infer<typeof ConfigSchema>;

/**
 * Keys that hold credentials. They must be set with `pulumi config set --secret`,
 * and stay `Output`s marked secret from here on.
 */
export const SECRET_KEYS = {
  /** Password or token for pushing to the image registry. */
  registryPassword: { example: "pulumi config set --secret registryPassword <token>" },
  /** Neon API key; the Neon provider reads it at run time (or `NEON_API_KEY`). */
  neonApiKey: { example: "pulumi config set --secret neonApiKey <key> (or export NEON_API_KEY)" },
  /** local profile: the app's own secrets (e.g. SENTRY_DSN), instead of Doppler. */
  appSecrets: { example: "pulumi config set --secret --path appSecrets.SENTRY_DSN <value>" },
  /** Extra secrets of the stack's GitHub environment (e.g. PULUMI_ACCESS_TOKEN, KUBECONFIG). */
  ciSecrets: { example: "pulumi config set --secret --path ciSecrets.PULUMI_ACCESS_TOKEN <token>" },
  /** Repository secrets the preview workflow needs; set on the dev stack only. */
  previewCiSecrets: { example: "pulumi config set --secret --path previewCiSecrets.NEON_API_KEY <key>" },
} as const;

/** Secret keys that hold a map of secrets rather than one value. */
export const SECRET_MAP_KEYS: readonly SecretKey[] = ["appSecrets", "ciSecrets", "previewCiSecrets"];

/** Provider credentials the program checks for (stack config secret, or the provider's env var). */
export const PROVIDER_TOKENS = {
  doppler: { key: "doppler:dopplerToken", env: "DOPPLER_TOKEN", example: "pulumi config set --secret doppler:dopplerToken <token> (or export DOPPLER_TOKEN)" },
  github: { key: "github:token", env: "GITHUB_TOKEN", example: "pulumi config set --secret github:token <token> (or export GITHUB_TOKEN)" },
} as const;
export type SecretKey = keyof typeof SECRET_KEYS;

/** Top-level keys whose value is a structured object (JSON in the raw config map). */
export const OBJECT_KEYS = new Set(
  Object.entries(ConfigSchema.shape)
    .filter(([, s]) => s.unwrap() instanceof z.ZodObject)
    .map(([k]) => k),
);
