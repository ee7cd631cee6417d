/**
 * The config contract: every key a stack may set under the `nextjs-infra:` namespace,
 * with what it expects. Values here are what a user wrote; profile defaults are merged
 * in by `settings.ts`. Each message states the expected form, because the error a user
 * sees is "<full key>: got <value>, expected <message>".
 */
import { z } from "zod";
import { PROFILES } from "./profiles";
import { NEON_PLANS } from "../components/neon/plans";
import { APP_DEFAULTS } from "../components/app-contract";
import { isNeonCu, isSuspendTimeout, NEON_ORG_ID, NEON_REGION, PG_NAME, SUSPEND_TIMEOUT_FORM } from "../components/neon/rules";

/** DNS-1123 label (namespaces, most Kubernetes names). */
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** DNS-1035 label: what a Service name must be (starts with a letter). */
export const DNS_1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
/** A lowercase DNS hostname: labels of at most 63 characters, 253 in all. */
export const HOSTNAME = /^(?=.{1,253}$)([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)+$/;
/** One path component of an image repository (OCI distribution spec), lowercase. */
const REPO_PART = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
/** A registry host with an optional port. */
const REGISTRY_HOST = "(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?/)";
/** An image repository without tag or digest, e.g. `ghcr.io/acme/web` or `localhost:5001/web`. */
export const REPOSITORY = new RegExp(`^${REGISTRY_HOST}?${REPO_PART}(?:/${REPO_PART})*$`);
const TAG = "[\\w][\\w.-]{0,127}";
/** `<repository>[:<tag>]@sha256:<64 hex>`: an image pinned by digest. */
export const DIGEST_REF = new RegExp(`^(${REGISTRY_HOST}?${REPO_PART}(?:/${REPO_PART})*)(?::${TAG})?@sha256:[a-f0-9]{64}$`);
/** `<repository>:<tag>`: resolved to a digest before it is deployed. */
export const TAG_REF = new RegExp(`^(${REGISTRY_HOST}?${REPO_PART}(?:/${REPO_PART})*):(${TAG})$`);
/** Kubernetes resource quantities as people write them for CPU and memory. */
const CPU = /^([0-9]+m|[0-9]+(\.[0-9]{1,3})?)$/;
const MEMORY = /^[0-9]+(Ki|Mi|Gi|Ti|k|M|G|T)?$/;
/** Environment variable names. */
export const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;

/** Words that, as a part of an env name (split on `_`), mark a value only a secret should carry. */
const SECRET_WORDS = new Set([
  "SECRET",
  "SECRETS",
  "TOKEN",
  "TOKENS",
  "PASSWORD",
  "PASSWORDS",
  "PASSWD",
  "PASS",
  "PWD",
  "PASSPHRASE",
  "KEY",
  "KEYS",
  "APIKEY",
  "PRIVATE",
  "CREDENTIAL",
  "CREDENTIALS",
  "CREDS",
  "SIGNING",
  "SIGNATURE",
  "SALT",
  "PEPPER",
  "DSN",
  "CERT",
  "CERTIFICATE",
  "PEM",
  "AUTH",
  "COOKIE",
  "SESSION",
  "BEARER",
  "WEBHOOK",
]);
/** Whole names that hold credentials though no word says so. */
const SECRET_NAMES = new Set(["DATABASE_URL", "DIRECT_URL", "REDIS_URL", "MONGODB_URI", "MONGO_URL", "AMQP_URL", "CONNECTION_STRING"]);
/** Fragments that mark a secret wherever they appear inside a word (`CLIENTSECRET`). */
const SECRET_FRAGMENTS = /(SECRET|PASSWORD|PASSWD|TOKEN|CREDENTIAL|PRIVATEKEY|APIKEY)/;

/**
 * Whether an env name looks like it carries a credential. Such values go through
 * Kubernetes Secrets (Doppler) or BuildKit secrets, never plain config.
 */
export function isSecretLooking(name: string): boolean {
  const upper = name.toUpperCase();
  if (SECRET_NAMES.has(upper) || SECRET_FRAGMENTS.test(upper)) return true;
  return upper.split("_").some((word) => SECRET_WORDS.has(word));
}

/** Env names the workload sets itself; a user value would be silently shadowed. */
export const RESERVED_ENV = [
  "NODE_ENV",
  "PORT",
  "HOSTNAME",
  "LOG_LEVEL",
  "NEXTAUTH_URL",
  "NEXTAUTH_SECRET",
  "SENTRY_ENVIRONMENT",
  "SENTRY_RELEASE",
  "DATABASE_URL",
  "DIRECT_URL",
  "NODE_OPTIONS",
  "HOME",
  "PATH",
];

/** The in-cluster Postgres of the local profile, pinned by digest (multi-arch index). */
export const LOCAL_POSTGRES_IMAGE = "postgres:17-alpine@sha256:742f40ea20b9ff2ff31db5458d127452988a2164df9e17441e191f3b72252193";

const label = (max: number, pattern = DNS_LABEL, what = "a DNS label: lowercase letters, digits and '-'") =>
  z
    .string()
    .max(max, { error: `${what}, at most ${max} characters` })
    .regex(pattern, { error: `${what}, at most ${max} characters` })
    .describe(`${what}, at most ${max} characters`);

const hostname = z
  .string()
  .regex(HOSTNAME, { error: "a lowercase DNS hostname such as app.example.com (labels of at most 63 characters)" })
  .describe("a lowercase DNS hostname such as app.example.com (labels of at most 63 characters)");
const path = z
  .string()
  .regex(/^\/[^\s]*$/, { error: "an absolute URL path starting with '/', e.g. /api/health" })
  .describe("an absolute URL path starting with '/', e.g. /api/health");
const bool = z.boolean({ error: "true or false" });
const intRange = (min: number, max: number, what: string, why = "") => {
  const error = `${what} from ${min} to ${max}${why ? ` (${why})` : ""}`;
  return z.int({ error }).min(min, { error }).max(max, { error });
};

const plainEnv = (what: string) =>
  z.record(
    z
      .string()
      .regex(ENV_NAME, { error: `${what} names in UPPER_SNAKE_CASE` })
      .refine((k) => !isSecretLooking(k), {
        error: `non-secret ${what} only; a name like this belongs in the app's Kubernetes Secret (Doppler), not in plain config`,
      }),
    z.string({ error: "string values" }),
  );

const quantities = (cpuExample: string) =>
  z
    .strictObject({
      cpu: z
        .string()
        .regex(CPU, { error: `a CPU quantity such as "${cpuExample}" or "1"` })
        .describe(`a CPU quantity such as "${cpuExample}" or "1"`),
      memory: z.string().regex(MEMORY, { error: 'a memory quantity such as "512Mi" or "1Gi"' }).describe('a memory quantity such as "512Mi" or "1Gi"'),
    })
    .partial();
const resources = z.strictObject({ requests: quantities("250m"), limits: quantities("500m") }).partial();

const neonCu = z
  .number({ error: `compute units: one of 0.25, 0.5, 1, 2, … 56` })
  .refine((v) => isNeonCu(v), {
    error: "compute units: one of 0.25, 0.5, 1, 2, … 56 (Neon's sizes)",
  })
  .describe("compute units: 0.25, 0.5, 1, 2, … 56");

/** `nextjs-infra:image` */
export const ImageConfig = z
  .strictObject({
    ref: z
      .string()
      .refine((v) => DIGEST_REF.test(v) || TAG_REF.test(v), {
        error: "a prebuilt image: <repository>@sha256:<64 hex digits> (or <repository>:<tag>, resolved to its digest), the repository lowercase",
      })
      .describe("<repository>@sha256:<64 hex digits>, or <repository>:<tag>"),
    migratorRef: z
      .string()
      .refine((v) => DIGEST_REF.test(v) || TAG_REF.test(v), {
        error: "the migration image: <repository>@sha256:<64 hex digits> (or <repository>:<tag>), the repository lowercase",
      })
      .describe("<repository>@sha256:<64 hex digits>, or <repository>:<tag>"),
    migratorTarget: z
      .string()
      .regex(/^[A-Za-z0-9][\w.-]*$/, { error: "a Dockerfile stage name" })
      .describe("a Dockerfile stage name"),
    repository: z
      .string()
      .regex(REPOSITORY, { error: "an image repository without tag or digest, lowercase, e.g. ghcr.io/acme/web" })
      .describe("an image repository without tag or digest, lowercase, e.g. ghcr.io/acme/web"),
    previewRepository: z
      .string()
      .regex(REPOSITORY, { error: "an image repository without tag or digest, lowercase, e.g. ghcr.io/acme/web-preview" })
      .describe("an image repository without tag or digest, lowercase, e.g. ghcr.io/acme/web-preview"),
    context: z.string().min(1, { error: "a directory path, relative to the project" }).describe("a directory path, relative to the project"),
    dockerfile: z.string().min(1, { error: "a Dockerfile path, relative to the project" }).describe("a Dockerfile path, relative to the project"),
    target: z
      .string()
      .regex(/^[A-Za-z0-9][\w.-]*$/, { error: "a Dockerfile stage name" })
      .describe("a Dockerfile stage name"),
    platforms: z.array(z.enum(["linux/amd64", "linux/arm64"], { error: 'one of "linux/amd64", "linux/arm64"' })).min(1, { error: "at least one platform" }),
    buildArgs: plainEnv("build argument"),
    buildOnPreview: bool,
    cache: bool,
    gitSha: z
      .string()
      .regex(/^[0-9a-f]{7,40}$/, { error: "a git commit SHA: 7 to 40 lowercase hex digits" })
      .describe("a git commit SHA: 7 to 40 lowercase hex digits"),
  })
  .partial();

/** `nextjs-infra:registry` */
export const RegistryConfig = z.strictObject({ username: z.string().min(1, { error: "a non-empty user name" }).describe("a non-empty user name") }).partial();

/** `nextjs-infra:app` */
export const AppConfig = z
  .strictObject({
    port: intRange(1024, 65535, "a TCP port", "the app runs as non-root"),
    replicas: intRange(1, 50, "a whole number"),
    logLevel: z.enum(["trace", "debug", "info", "warn", "error", "fatal"], { error: "one of trace, debug, info, warn, error, fatal" }),
    env: plainEnv("environment variable").refine((env) => !Object.keys(env).some((k) => RESERVED_ENV.includes(k)), {
      error: `no variable the program sets itself (${RESERVED_ENV.join(", ")})`,
    }),
    resources,
    livenessPath: path,
    readinessPath: path,
    migrate: bool,
    migrationCommand: z.array(z.string().min(1)).min(1, { error: `a non-empty command array, e.g. ${JSON.stringify(APP_DEFAULTS.migrationCommand)}` }),
    seed: bool,
    seedCommand: z.array(z.string().min(1)).min(1, { error: `a non-empty command array, e.g. ${JSON.stringify(APP_DEFAULTS.seedCommand)}` }),
    requestLocalStorage: bool,
    spreadAcrossNodes: z.enum(["required", "preferred"], { error: "required (replicas never share a node that has a free neighbour) or preferred" }),
    priorityClassName: z
      .string()
      .regex(/^$|^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, { error: 'a PriorityClass name, or "" for none' })
      .describe('a PriorityClass name, or "" for none'),
  })
  .partial();

/** `nextjs-infra:network` — what a cluster's network needs that the defaults do not assume. */
export const NetworkConfig = z
  .strictObject({
    dnsNamespaces: z.array(label(63)).min(1, { error: "at least one namespace name" }),
    dnsPorts: z.array(intRange(1, 65535, "a port")).min(1, { error: "at least one port" }),
    dnsCidrs: z.array(
      z
        .string()
        .regex(/^([0-9]{1,3}(\.[0-9]{1,3}){3}\/[0-9]{1,2}|[0-9a-fA-F:]+\/[0-9]{1,3})$/, { error: "CIDR ranges such as 169.254.20.10/32" })
        .describe("CIDR ranges such as 169.254.20.10/32"),
    ),
    ingressCidrs: z.array(
      z
        .string()
        .regex(/^([0-9]{1,3}(\.[0-9]{1,3}){3}\/[0-9]{1,2}|[0-9a-fA-F:]+\/[0-9]{1,3})$/, { error: "CIDR ranges such as 203.0.113.0/24" })
        .describe("CIDR ranges such as 203.0.113.0/24"),
    ),
  })
  .partial();

/** `nextjs-infra:cloud` — where the stack runs and the identities CI reaches it with (stacks/cloud.ts checks each provider's fields). */
export const CloudConfig = z
  .strictObject({
    provider: z.enum(["any", "aws", "gcp", "azure"], { error: "one of any, aws (EKS + ECR), gcp (GKE + Artifact Registry), azure (AKS + ACR)" }),
    region: z.string().min(1).describe("a region (GKE: or a zone)"),
    cluster: z.string().min(1).describe("the cluster's name"),
    project: z.string().min(1).describe("a Google Cloud project ID"),
    workloadIdentityProvider: z.string().min(1).describe("a workload identity provider's resource name"),
    tenantId: z.string().min(1).describe("an Azure tenant ID"),
    subscriptionId: z.string().min(1).describe("an Azure subscription ID"),
    resourceGroup: z.string().min(1).describe("an Azure resource group"),
    deployIdentity: z.string().min(1).describe("a role ARN, service account email or client ID"),
    readIdentity: z.string().min(1).describe("a role ARN, service account email or client ID"),
  })
  .partial();

/** `nextjs-infra:autoscaling` */
export const AutoscalingConfig = z
  .strictObject({
    enabled: bool,
    minReplicas: intRange(1, 100, "a whole number"),
    maxReplicas: intRange(1, 100, "a whole number"),
    targetCpuUtilization: intRange(10, 100, "a percentage"),
  })
  .partial();

/** `nextjs-infra:disruptionBudget` */
export const DisruptionBudgetConfig = z.strictObject({ enabled: bool, minAvailable: intRange(1, 100, "a whole number") }).partial();

/** `nextjs-infra:ingress` */
export const IngressConfig = z
  .strictObject({
    enabled: bool,
    host: hostname,
    previewDomain: hostname,
    className: label(63),
    clusterIssuer: label(63),
    controllerNamespace: label(63),
    tls: bool,
  })
  .partial();

/** A Sentry organization or project slug. */
const sentrySlug = (what: string) =>
  z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]{0,49}$/, { error: `a Sentry ${what} slug (lowercase letters, digits, _ and -)` })
    .describe(`a Sentry ${what} slug`);

/** `nextjs-infra:sentry` */
export const SentryConfig = z
  .strictObject({
    environment: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,64}$/, { error: "a Sentry environment name (letters, digits, _ . -)" })
      .describe("a Sentry environment name (letters, digits, _ . -)"),
    org: sentrySlug("organization"),
    project: sentrySlug("project"),
    url: z
      .url({ protocol: /^https?$/, error: "an https URL of your Sentry (plain http only on loopback)" })
      .refine((u) => URL.canParse(u) && (new URL(u).protocol === "https:" || ["localhost", "127.0.0.1", "[::1]"].includes(new URL(u).hostname)), {
        error: "an https URL of your Sentry (plain http only on loopback: the token travels with every request)",
      }),
  })
  .partial();

/** `nextjs-infra:kubernetes` */
export const KubernetesConfig = z
  .strictObject({
    /** Sets `pulumi.com/skipAwait` on workloads: for API servers without nodes. Never in production. */
    skipAwait: bool,
    /** The kubeconfig context the stack's provider uses, pinned. */
    context: z
      .string()
      .regex(/^[\w@.:/-]{1,253}$/, { error: "a kubeconfig context name such as kind-kind" })
      .describe("a kubeconfig context name such as kind-kind"),
  })
  .partial();

/** What a stack's Neon branch starts with: its parent's rows, or its schema alone. */
export const BRANCH_DATA = ["copy", "schema-only"] as const;

/** `nextjs-infra:neon` — the Neon project and this stack's branch and compute. */
export const NeonConfig = z
  .strictObject({
    plan: z.enum(NEON_PLANS, { error: `one of ${NEON_PLANS.join(", ")} (your Neon plan)` }),
    orgId: z
      .string()
      .regex(NEON_ORG_ID, { error: "a Neon organization id such as org-morning-bread-81040908" })
      .describe("a Neon organization id such as org-morning-bread-81040908"),
    passwordRotation: z.string().min(1, { error: "any non-empty keeper, e.g. 2026-11" }).describe("any non-empty keeper, e.g. 2026-11"),
    projectId: z
      .string()
      .regex(/^[a-z0-9-]{3,64}$/, { error: 'a Neon project id such as "cool-pond-12345678" (Neon console → Settings)' })
      .describe('a Neon project id such as "cool-pond-12345678" (Neon console → Settings)'),
    projectName: z.string().min(1).max(64, { error: "a project name of at most 64 characters" }).describe("a project name of at most 64 characters"),
    regionId: z.string().regex(NEON_REGION, { error: "a Neon region id such as aws-eu-central-1" }).describe("a Neon region id such as aws-eu-central-1"),
    pgVersion: intRange(14, 18, "a Postgres major version"),
    historyRetentionSeconds: intRange(0, 2592000, "seconds", "30 days at most"),
    productionBranch: z
      .string()
      .regex(/^[A-Za-z0-9][\w./-]{0,255}$/, { error: "the name of the project's default branch, e.g. main" })
      .describe("the name of the project's default branch, e.g. main"),
    minCu: neonCu,
    maxCu: neonCu,
    suspendTimeoutSeconds: z
      .int({ error: SUSPEND_TIMEOUT_FORM })
      .refine((s) => isSuspendTimeout(s), { error: SUSPEND_TIMEOUT_FORM })
      .describe(SUSPEND_TIMEOUT_FORM),
    previewTtlDays: intRange(1, 29, "a whole number of days", "the expiry rounds up to the next midnight, and Neon's longest is 30 days"),
    data: z.enum(BRANCH_DATA, { error: `one of ${BRANCH_DATA.join(", ")}` }).describe(`one of ${BRANCH_DATA.join(", ")}`),
    resetOnDeploy: z.boolean({ error: "true or false" }).describe("true or false"),
    previewParent: z
      .string()
      .regex(/^[A-Za-z0-9][\w./-]{0,255}$/, { error: "the name of the branch previews copy, e.g. dev" })
      .describe("the name of the branch previews copy, e.g. dev"),
  })
  .partial();

/** `nextjs-infra:database` — names inside Postgres, on Neon and locally. */
export const DatabaseConfig = z
  .strictObject({
    name: z.string().regex(PG_NAME, { error: "a Postgres database name" }).describe("a Postgres database name"),
    role: z.string().regex(PG_NAME, { error: "a Postgres role name" }).describe("a Postgres role name"),
  })
  .partial();

/** `nextjs-infra:postgres` — the in-cluster Postgres of the local profile. */
export const PostgresConfig = z
  .strictObject({
    image: z
      .string()
      .regex(DIGEST_REF, { error: "a Postgres image pinned by digest: <repository>@sha256:<64 hex digits>" })
      .describe("a Postgres image pinned by digest: <repository>@sha256:<64 hex digits>"),
    storage: z.string().regex(MEMORY, { error: 'a volume size such as "1Gi"' }).describe('a volume size such as "1Gi"'),
  })
  .partial();

const SLUG = /^[a-z0-9][a-z0-9_-]{0,63}$/;
/** `nextjs-infra:doppler` — where the stack's secrets live and how they reach the cluster. */
export const DopplerConfig = z
  .strictObject({
    project: z.string().regex(SLUG, { error: 'a Doppler project slug such as "web"' }).describe('a Doppler project slug such as "web"'),
    environment: z
      .string()
      .regex(SLUG, { error: "a Doppler environment slug such as dev, stg or prd" })
      .describe("a Doppler environment slug such as dev, stg or prd"),
    config: z.string().regex(SLUG, { error: "a Doppler config name such as dev or dev_staging" }).describe("a Doppler config name such as dev or dev_staging"),
    sync: z.enum(["snapshot", "operator"], { error: "snapshot (Pulumi copies the config into a Secret) or operator (the Doppler operator syncs it)" }),
  })
  .partial();

const githubPeople = (what: string) =>
  z
    .strictObject({
      users: z
        .array(
          z
            .string()
            .regex(/^[A-Za-z0-9-]{1,39}$/, { error: "GitHub user logins" })
            .describe("GitHub user logins"),
        )
        .max(6, { error: `at most 6 ${what} (GitHub's limit)` }),
      teams: z
        .array(
          z
            .string()
            .regex(/^[a-z0-9][a-z0-9_-]*$/, { error: "team slugs of the repository's organization" })
            .describe("team slugs of the repository's organization"),
        )
        .max(6, { error: `at most 6 ${what} (GitHub's limit)` }),
    })
    .partial();

/** `nextjs-infra:github` — a long-lived stack's environment name; the repository stack's repository, reviewers and ruleset. */
export const GithubConfig = z
  .strictObject({
    repository: z
      .string()
      .regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/, { error: "owner/name of the app's repository, e.g. acme/web" })
      .describe("owner/name of the app's repository, e.g. acme/web"),
    environment: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,255}$/, { error: "a GitHub environment name such as staging (letters, digits, . _ -)" })
      .describe("a GitHub environment name such as staging (letters, digits, . _ -)"),
    reviewers: githubPeople("reviewers"),
    admins: githubPeople("reviewers"),
    requiredApprovals: intRange(1, 6, "a whole number of approving reviews"),
    requiredChecks: z.array(z.string().min(1, { error: "status check names" })).min(1, { error: "at least one status check" }),
    variables: z.record(
      z.string().regex(/^[A-Za-z0-9._-]{1,255}$/, { error: "GitHub environment names" }),
      z.record(z.string().regex(ENV_NAME, { error: "names in UPPER_SNAKE_CASE" }), z.string({ error: "string values" })),
    ),
  })
  .partial();

/** `nextjs-infra:secrets` — secrets Pulumi owns. */
export const SecretsConfig = z
  .strictObject({ rotation: z.string().min(1, { error: "any non-empty keeper, e.g. 2026-11" }).describe("any non-empty keeper, e.g. 2026-11") })
  .partial();

/** `nextjs-infra:drift` — what the drift job may ignore (fields the server or an autoscaler owns). */
export const DriftConfig = z
  .strictObject({
    ignore: z.array(
      z.strictObject({
        type: z
          .string()
          .regex(/^[\w.-]+:[\w./-]*:[\w]+$|^\*$/, { error: "a resource type token such as kubernetes:apps/v1:Deployment, or *" })
          .describe("a resource type token such as kubernetes:apps/v1:Deployment, or *"),
        name: z.string().min(1, { error: "a resource name" }).describe("a resource name").optional(),
        path: z
          .string()
          .regex(/^[\w.[\]/-]+$/, { error: "a property path such as spec.replicas" })
          .describe("a property path such as spec.replicas")
          .optional(),
      }),
    ),
  })
  .partial();

/** `nextjs-infra:cluster` — add-ons a `cluster-<name>` stack installs. */
const addon = z
  .strictObject({
    enabled: bool,
    version: z
      .string()
      .regex(/^v?[0-9]+\.[0-9]+\.[0-9]+$/, { error: "a chart version such as 1.6.1" })
      .describe("a chart version such as 1.6.1"),
  })
  .partial();
const CIDR = /^([0-9]{1,3}(\.[0-9]{1,3}){3}\/[0-9]{1,2}|[0-9a-fA-F:]+\/[0-9]{1,3})$/;
const cidrs = z.array(
  z.string().regex(CIDR, { error: "CIDR ranges such as 203.0.113.0/24 or 2001:db8::/32" }).describe("CIDR ranges such as 203.0.113.0/24 or 2001:db8::/32"),
);
const namespaceNames = z.array(label(63)).min(1, { error: "at least one namespace name" });
export const ClusterConfig = z
  .strictObject({
    dopplerOperator: addon,
    certManager: z
      .strictObject({
        enabled: bool,
        version: addon.shape.version,
        email: z.email({ error: "an email address for the ACME account, e.g. ops@example.com" }),
        dns01: z.record(z.string(), z.unknown(), { error: "a cert-manager dns01 solver, e.g. { cloudflare: { apiTokenSecretRef: { name, key } } }" }),
      })
      .partial(),
    ingressNginx: addon,
    metricsServer: addon,
    previewAccess: z
      .strictObject({
        enabled: bool,
        issuer: z.url({ protocol: /^https$/, error: "an https OIDC issuer URL, e.g. https://token.actions.githubusercontent.com" }),
        audience: z
          .string()
          .regex(/^[\w.:/-]{1,128}$/, { error: "an audience string such as nextjs-infra-preview" })
          .describe("an audience string such as nextjs-infra-preview"),
        dnsNamespaces: namespaceNames,
        ingressNamespaces: namespaceNames,
        blockedCidrs: cidrs,
        exemptCidrs: cidrs,
      })
      .partial(),
  })
  .partial();

/** An http(s) URL; plain http only to this machine (a proxy or test double on loopback). */
const apiUrl = z
  .url({ protocol: /^https?$/, error: "an https URL of the Neon API v2 (plain http only on loopback)" })
  .refine((u) => URL.canParse(u) && (new URL(u).protocol === "https:" || ["localhost", "127.0.0.1", "[::1]"].includes(new URL(u).hostname)), {
    error: "an https URL of the Neon API v2 (plain http only on loopback: the API key travels with every request)",
  });

/** Env-var-named map: the shape of `appSecrets` and the `*CiSecrets` maps. */
export const SecretMap = z.record(
  z.string().regex(ENV_NAME, { error: "names in UPPER_SNAKE_CASE" }).describe("names in UPPER_SNAKE_CASE"),
  z.string({ error: "string values" }),
);

/** Every plain (non-secret) key a stack may set, without the namespace. */
export const ConfigSchema = z
  .strictObject({
    profile: z.enum(PROFILES, { error: `one of ${PROFILES.join(", ")}` }),
    productionStack: label(40, DNS_LABEL, "the name of the one stack that is production"),
    appName: label(30, DNS_1035_LABEL, "a DNS label that starts with a letter: lowercase letters, digits and '-'"),
    image: ImageConfig,
    registry: RegistryConfig,
    app: AppConfig,
    autoscaling: AutoscalingConfig,
    disruptionBudget: DisruptionBudgetConfig,
    ingress: IngressConfig,
    network: NetworkConfig,
    cloud: CloudConfig,
    sentry: SentryConfig,
    kubernetes: KubernetesConfig,
    neon: NeonConfig,
    database: DatabaseConfig,
    postgres: PostgresConfig,
    doppler: DopplerConfig,
    github: GithubConfig,
    secrets: SecretsConfig,
    drift: DriftConfig,
    cluster: ClusterConfig,
    /** Neon API base URL, read by the Neon provider; for proxies and test doubles. */
    neonApiUrl: apiUrl,
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
  /** A pull-only registry token for the cluster (private images), with `registry.username`. */
  imagePullToken: { example: "pulumi config set --secret imagePullToken <read-only token>" },
  /** Neon API key; the Neon provider reads it at run time (or `NEON_API_KEY`). */
  neonApiKey: { example: "pulumi config set --secret neonApiKey <key> (or export NEON_API_KEY)" },
  /** local profile: the app's own secrets (e.g. SENTRY_DSN), instead of Doppler. */
  appSecrets: { example: "pulumi config set --secret --path appSecrets.SENTRY_DSN <value>" },
  /** The repository stack: every environment's secrets, by environment and name. */
  ciSecrets: { example: "pulumi config set --secret --path 'ciSecrets.preview.NEON_API_KEY' <project-scoped key> (on the github stack)" },
} as const;
export type SecretKey = keyof typeof SECRET_KEYS;

/** Secret keys that hold a map of secrets rather than one value. */
export const SECRET_MAP_KEYS: readonly SecretKey[] = ["appSecrets"];

/** Keys that held CI credentials in app stacks; the repository stack holds them now. */
export const MOVED_KEYS: Readonly<Record<string, string>> = {
  previewCiSecrets: "ciSecrets.preview",
  planCiSecrets: "nothing: pull requests no longer plan dev",
  driftCiSecrets: "ciSecrets.production-read",
};

/** Provider credentials the program checks for (stack config secret, or the provider's env var). */
export const PROVIDER_TOKENS = {
  doppler: { key: "doppler:dopplerToken", env: "DOPPLER_TOKEN", example: "pulumi config set --secret doppler:dopplerToken <token> (or export DOPPLER_TOKEN)" },
  github: { key: "github:token", env: "GITHUB_TOKEN", example: "pulumi config set --secret github:token <token> (or export GITHUB_TOKEN)" },
} as const;

/** Config namespaces that belong to providers this program uses (anything else is a typo). */
export const PROVIDER_NAMESPACES = ["pulumi", "doppler", "github", "docker", "docker-build"];

/** Top-level keys whose value is a structured object (JSON in the raw config map). */
export const OBJECT_KEYS = new Set(
  Object.entries(ConfigSchema.shape)
    .filter(([, s]) => s.unwrap() instanceof z.ZodObject)
    .map(([k]) => k),
);
