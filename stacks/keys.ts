/**
 * Every setting, documented once: which profiles read it, its default, and what changing
 * it does. The settings loader refuses a key a stack's profile does not read (unless it
 * comes unchanged from the project level, which every stack inherits), and the README's
 * settings table is generated from this list and the schema (`npm run docs:settings`).
 */
import { z } from "zod";
import type { Profile } from "./profiles";
import { ConfigSchema, SECRET_KEYS, SecretKey } from "./schema";
import { APP_DEFAULTS } from "../components/app-contract";
import { DEFAULT_SECRET_SYNC } from "../components/app-secrets";
import { DATABASE_DEFAULTS } from "../components/database";
import { FIRST_ROTATION } from "../components/generated-secret";
import { LOCAL_POSTGRES_STORAGE } from "../components/local-postgres";
import { NEON_PROJECT_DEFAULTS } from "../components/neon/project";
import { INGRESS_CONTROLLER_NAMESPACE } from "../components/nextjs-app";
import { DEFAULT_APPROVALS } from "../components/repository-protection";
import { DEFAULT_APP_NAME } from "./names";

/** A default as the docs show a literal: in code type. */
const code = (value: string) => `\`${value}\``;
/** A command as the docs show it: a JSON array in code type. */
const codeList = (values: readonly string[]) => code(`[${values.map((v) => JSON.stringify(v)).join(", ")}]`);

/** Documentation and applicability of one key (a dotted path under the namespace). */
export interface KeyDoc {
  /** Profiles that read the key; any other profile refuses it. */
  profiles: readonly Profile[];
  /** The default, per profile where they differ. */
  default: string;
  /** What it does; what changing it replaces, where it replaces something stateful. */
  notes: string;
}

const ALL: readonly Profile[] = ["local", "dev", "preview", "prod", "cluster", "github"];
const CLUSTERS: readonly Profile[] = ["local", "dev", "preview", "prod", "cluster"];
const APP: readonly Profile[] = ["local", "dev", "preview", "prod"];
const DEPLOYED: readonly Profile[] = ["dev", "preview", "prod"];
const BUILDS: readonly Profile[] = ["local", "dev", "preview"];
const LONG_LIVED: readonly Profile[] = ["dev", "prod"];

/** Plain keys (config values), in the order the README lists them. */
export const PLAIN_KEYS: Readonly<Record<string, KeyDoc>> = {
  profile: { profiles: ALL, default: "from the stack name", notes: "required for stack names other than local, dev, prod, pr-<n>, cluster-<name>" },
  productionStack: {
    profiles: ALL,
    default: "`prod`",
    notes: "the one stack that owns the production names (Neon default branch, Doppler `prd`, GitHub `production`); set it project-level",
  },
  appName: {
    profiles: [...APP, "cluster"],
    default: code(DEFAULT_APP_NAME),
    notes:
      "names the namespace `<app>-<stack>` (previews' `<app>-pr-<n>`, which the cluster stack's admission holds them to), Deployment and Service; **changing it replaces the namespace and everything in it**",
  },
  "image.ref": {
    profiles: APP,
    default: "prod: the digest deployed now",
    notes: "deploy a prebuilt image, no build; a tag is resolved to its digest (prod takes digests only)",
  },
  "image.migratorRef": {
    profiles: APP,
    default: "with `image.ref`: that image; prod: the migrator deployed now",
    notes: "the prebuilt migration image the migration Job runs",
  },
  "image.migratorTarget": {
    profiles: BUILDS,
    default: "`migrator`",
    notes: "the Dockerfile stage built as the migration image (its digest names the migration Job)",
  },
  "image.repository": { profiles: BUILDS, default: "local: `localhost:5001/<app>`", notes: "where builds push; `Pulumi.yaml` sets it project-level" },
  "image.previewRepository": {
    profiles: ["preview"],
    default: "`<repository>-preview`",
    notes: "where previews push, so pull requests never write what main's builds read",
  },
  "image.context": { profiles: BUILDS, default: "`app`", notes: "build context" },
  "image.dockerfile": { profiles: BUILDS, default: "`<context>/Dockerfile`", notes: "" },
  "image.target": { profiles: BUILDS, default: "the last stage", notes: "" },
  "image.platforms": { profiles: BUILDS, default: "`[linux/amd64]`", notes: "" },
  "image.buildArgs": { profiles: BUILDS, default: "`{}`", notes: "non-secret only (e.g. `NEXT_PUBLIC_*`); secret-looking names are refused" },
  "image.buildOnPreview": { profiles: BUILDS, default: "dev: true; others: false", notes: "whether `pulumi preview` builds (it never pushes)" },
  "image.cache": { profiles: BUILDS, default: "true", notes: "registry cache `buildcache-<stack>`; previews read dev's, write only their own" },
  "image.gitSha": { profiles: BUILDS, default: "`$GITHUB_SHA`", notes: "an extra image tag for people; the image's identity is its content" },
  "registry.username": { profiles: APP, default: "GHCR: `$GITHUB_ACTOR`; ECR: `AWS`; GAR: `oauth2accesstoken`", notes: "needs `registryPassword`" },
  "app.port": { profiles: APP, default: "3000", notes: "must match the image's `ENV PORT`" },
  "app.replicas": { profiles: APP, default: "local/dev/preview 1; prod 2", notes: "ignored while an autoscaler runs" },
  "app.logLevel": { profiles: APP, default: "prod `info`; others `debug`", notes: "" },
  "app.env": { profiles: APP, default: "`{}`", notes: "non-secret env; secret-looking and reserved names are refused" },
  "app.resources.requests.cpu": { profiles: APP, default: "preview 50m; local/dev 100m; prod 250m", notes: "at most the limit" },
  "app.resources.requests.memory": { profiles: APP, default: "preview 192Mi; local/dev 256Mi; prod 512Mi", notes: "at most the limit" },
  "app.resources.limits.cpu": { profiles: APP, default: "500m; prod 1", notes: "more than zero" },
  "app.resources.limits.memory": { profiles: APP, default: "512Mi; prod 1Gi", notes: "at least 64Mi" },
  "app.livenessPath": { profiles: APP, default: "`/api/health?probe=liveness`", notes: "" },
  "app.readinessPath": { profiles: APP, default: "`/api/health?probe=readiness`", notes: "" },
  "app.migrate": { profiles: APP, default: "true", notes: "run the migration Job once per image before it takes traffic" },
  "app.migrationCommand": {
    profiles: APP,
    default: codeList(APP_DEFAULTS.migrationCommand),
    notes: "a program the migrator image holds (its own, or an installed CLI), never `npx`",
  },
  "app.seed": {
    profiles: ["local", "dev", "preview"],
    default: "local, preview true; dev false",
    notes: "after the migrations, the migration Job runs `app.seedCommand`: rows a new database starts with (never production)",
  },
  "app.seedCommand": {
    profiles: ["local", "dev", "preview"],
    default: codeList(APP_DEFAULTS.seedCommand),
    notes: "idempotent: it runs once per migrator image",
  },
  "app.requestLocalStorage": {
    profiles: APP,
    default: "true",
    notes: "request (128Mi) and cap (2Gi) each container's local disk; false for nodes that report no local storage capacity",
  },
  "app.spreadAcrossNodes": {
    profiles: APP,
    default: "prod `required`; others `preferred`",
    notes: "replicas on different nodes (a one-node cluster still schedules)",
  },
  "app.priorityClassName": { profiles: APP, default: "prod `nextjs-infra-production` (the cluster stack creates it); others none", notes: '`""` for none' },
  "network.dnsNamespaces": {
    profiles: APP,
    default: "`[kube-system]`",
    notes: "where the pods may send DNS (add OpenShift's `openshift-dns`, or the node-local cache's)",
  },
  "network.dnsPorts": { profiles: APP, default: "`[53]`", notes: "DNS ports (OpenShift's CoreDNS listens on 5353)" },
  "network.dnsCidrs": {
    profiles: APP,
    default: "`[]`",
    notes: "DNS servers outside any namespace: NodeLocal DNSCache (`169.254.20.10/32`), a node-local resolver",
  },
  "network.ingressCidrs": {
    profiles: APP,
    default: "`[]`",
    notes:
      "more sources the app's pods admit besides the controller's namespace: a cloud load balancer that routes to pod IPs, a hostNetwork controller's nodes",
  },
  "cloud.provider": {
    profiles: [...DEPLOYED, "cluster"],
    default: "`any`",
    notes:
      "`aws` (EKS + ECR), `gcp` (GKE + Artifact Registry), `azure` (AKS + ACR): CI reaches the cluster and the registry with each environment's own identity by OIDC, nothing stored; `any`: a kubeconfig and a registry token per environment (docs/clouds/); the cluster stack reads only the provider (its load balancer's annotations)",
  },
  "cloud.region": { profiles: DEPLOYED, default: "—", notes: "aws, gcp: the cluster's region (GKE: or zone); ECR's must match the image repository's" },
  "cloud.cluster": { profiles: DEPLOYED, default: "—", notes: "aws, gcp, azure: the cluster's name" },
  "cloud.project": { profiles: DEPLOYED, default: "—", notes: "gcp: the cluster's project" },
  "cloud.workloadIdentityProvider": { profiles: DEPLOYED, default: "—", notes: "gcp: the pool provider that trusts the repository's OIDC tokens" },
  "cloud.tenantId": { profiles: DEPLOYED, default: "—", notes: "azure" },
  "cloud.subscriptionId": { profiles: DEPLOYED, default: "—", notes: "azure" },
  "cloud.resourceGroup": { profiles: DEPLOYED, default: "—", notes: "azure: the cluster's resource group" },
  "cloud.deployIdentity": {
    profiles: DEPLOYED,
    default: "—",
    notes:
      "the role (aws), service account (gcp) or client ID (azure) the stack's environment deploys with; project-level: the previews' (push to the preview repository only); every stack its own",
  },
  "cloud.readIdentity": {
    profiles: LONG_LIVED,
    default: "—",
    notes: "the read-only identity of the stack's `-read` environment (plans, drift); never the deploy identity",
  },
  "autoscaling.enabled": { profiles: APP, default: "prod true; others false", notes: "prod requires it" },
  "autoscaling.minReplicas": { profiles: APP, default: "2", notes: "prod: at least 2" },
  "autoscaling.maxReplicas": { profiles: APP, default: "6", notes: "" },
  "autoscaling.targetCpuUtilization": { profiles: APP, default: "70", notes: "" },
  "disruptionBudget.enabled": { profiles: APP, default: "prod true; others false", notes: "prod requires it" },
  "disruptionBudget.minAvailable": { profiles: APP, default: "1", notes: "fewer than the replicas that run at the least" },
  "ingress.enabled": { profiles: APP, default: "true", notes: "prod requires it" },
  "ingress.host": {
    profiles: APP,
    default: "local: `<app>.localhost`",
    notes: "must not be another stack's host or a preview host; prod may not use `*.localhost`",
  },
  "ingress.previewDomain": {
    profiles: ["preview", "cluster"],
    default: "—",
    notes: "previews are served on `pr-<n>.<domain>` (and, by the cluster stack's admission, on nothing else); set it project-level",
  },
  "ingress.className": { profiles: [...APP, "cluster"], default: "the cluster's default", notes: "the cluster stack's issuers solve HTTP-01 through it" },
  "ingress.clusterIssuer": { profiles: APP, default: "`letsencrypt-prod` (not local)", notes: "cert-manager ClusterIssuer" },
  "ingress.controllerNamespace": {
    profiles: APP,
    default: code(INGRESS_CONTROLLER_NAMESPACE),
    notes: "the only namespace whose pods may reach the app (NetworkPolicy)",
  },
  "ingress.tls": { profiles: APP, default: "local false; others true", notes: "prod requires it" },
  "sentry.environment": { profiles: APP, default: "previews `preview`; others the stack name", notes: "only the production stack may say `production`" },
  "sentry.org": {
    profiles: APP,
    default: "none",
    notes:
      "with `sentry.project`: dev-profile builds upload source maps (by debug ID, token `$SENTRY_AUTH_TOKEN` as a BuildKit secret) and every deploy of a long-lived stack records a Sentry release (the image's digest) in its environment; set it project-level",
  },
  "sentry.project": { profiles: APP, default: "none", notes: "the Sentry project's slug; set it project-level" },
  "sentry.url": { profiles: APP, default: "`https://sentry.io/`", notes: "a self-hosted Sentry (https; http only on loopback)" },
  "kubernetes.context": {
    profiles: CLUSTERS,
    default: "the kubeconfig's current context",
    notes: "pins the cluster the stack's one Kubernetes provider talks to",
  },
  "kubernetes.skipAwait": {
    profiles: BUILDS,
    default: "false",
    notes: "don't wait for pods (API servers without nodes); removes the migrations-first guarantee, so never in prod",
  },
  "neon.plan": {
    profiles: DEPLOYED,
    default: "`free`",
    notes: "your Neon plan: defaults are valid on it, and a setting that needs a higher plan is refused; set it project-level",
  },
  "neon.orgId": {
    profiles: ["prod"],
    default: "the API key's own account",
    notes: "the organization the production stack creates the project in (organization accounts require it)",
  },
  "neon.passwordRotation": { profiles: DEPLOYED, default: "none", notes: "change it to give the database role a new password (the app's pods roll)" },
  "neon.projectId": {
    profiles: DEPLOYED,
    default: "—",
    notes:
      "the Neon project of the stack's branch: project-level it is the previews' own; dev and prod set theirs in their stack files (a key reaches every branch of its project, so no two trust levels share one); the production stack creates its project without it (and adopts it once set); **changing it replaces the branch and its data**",
  },
  "neon.projectName": { profiles: ["prod"], default: "`<app>`", notes: "used only when the production stack creates the project" },
  "neon.regionId": { profiles: ["prod"], default: code(NEON_PROJECT_DEFAULTS.regionId), notes: "used only when the production stack creates the project" },
  "neon.pgVersion": { profiles: ["prod"], default: String(NEON_PROJECT_DEFAULTS.pgVersion), notes: "used only when the production stack creates the project" },
  "neon.historyRetentionSeconds": {
    profiles: ["prod"],
    default: "free 21600; launch, scale 86400",
    notes: "the project's restore window, set by the production stack (free plan: at most 6 hours)",
  },
  "neon.productionBranch": {
    profiles: ["prod"],
    default: "`main`",
    notes: "the production stack adopts the project's default branch under this name (protected on paid plans)",
  },
  "neon.minCu": { profiles: DEPLOYED, default: "0.25; prod 0.5", notes: "a Neon size; span to maxCu at most 8" },
  "neon.maxCu": { profiles: DEPLOYED, default: "preview 0.25; dev 1; prod 4 (free plan: 2)", notes: "a Neon size; autoscaling up to 16 (free plan: 2)" },
  "neon.suspendTimeoutSeconds": {
    profiles: DEPLOYED,
    default: "scale plan: preview 60, dev 300, prod 0; others 0 (Neon's default, 5 minutes)",
    notes: "scale to zero after this idle time; free: only 0; launch: 0 or -1 (never)",
  },
  "neon.previewTtlDays": { profiles: ["preview"], default: "7", notes: "a preview branch expires no sooner than this" },
  "neon.data": {
    profiles: ["dev", "preview"],
    default: "`copy`",
    notes:
      "what the stack's branch starts with: `copy`, its parent's rows (copy-on-write; in the stack's own project, never production's), or `schema-only`, the schema alone (a root branch: the plan allows few, see docs/neon.md); **changing it replaces the branch and its data**",
  },
  "neon.resetOnDeploy": {
    profiles: ["preview"],
    default: "false",
    notes: "reset the preview's branch from its parent on every new commit, before migrations run; needs `neon.data: copy`",
  },
  "neon.previewParent": {
    profiles: ["preview"],
    default: "the previews' project's default branch",
    notes: "the branch previews copy, in the previews' own project",
  },
  "database.name": { profiles: APP, default: code(DATABASE_DEFAULTS.name), notes: "" },
  "database.role": { profiles: APP, default: code(DATABASE_DEFAULTS.role), notes: "**changing it replaces the role (a new password)**" },
  "postgres.image": { profiles: ["local"], default: "`postgres:17-alpine@sha256:…`", notes: "pinned by digest" },
  "postgres.storage": { profiles: ["local"], default: code(LOCAL_POSTGRES_STORAGE), notes: "" },
  "doppler.project": { profiles: DEPLOYED, default: "—", notes: "required; `Pulumi.yaml` sets it project-level" },
  "doppler.environment": {
    profiles: DEPLOYED,
    default: "production `prd`; previews `preview`; others `dev`",
    notes: "a stack other than production may not use production's; previews never a long-lived stack's",
  },
  "doppler.config": {
    profiles: DEPLOYED,
    default: "production `prd`; `dev` `dev`; previews `preview_pr_<n>`; others `<env>_<stack>`",
    notes: "never another stack's config",
  },
  "doppler.sync": { profiles: DEPLOYED, default: code(DEFAULT_SECRET_SYNC), notes: "`snapshot` or `operator`" },
  "github.repository": {
    profiles: ["github", "preview", "cluster"],
    default: "—",
    notes:
      "`owner/name`; `Pulumi.yaml` sets it project-level: the repository the github stack administers, and whose pull requests' tokens are previews' Kubernetes identities",
  },
  "github.environment": {
    profiles: LONG_LIVED,
    default: "production `production`; others the stack name",
    notes:
      "the stack's GitHub environment (its read-only twin is `<name>-read`); never another stack's, `preview` or `repository-admin`; **changing it replaces the environment and its secrets**",
  },
  "github.reviewers.users": { profiles: ["github"], default: "none", notes: "who approves production deploys; at least one user or team" },
  "github.reviewers.teams": { profiles: ["github"], default: "none", notes: "" },
  "github.admins.users": { profiles: ["github"], default: "the reviewers", notes: "who approves changes to the repository's settings (`repository-admin`)" },
  "github.admins.teams": { profiles: ["github"], default: "the reviewers", notes: "" },
  "github.requiredApprovals": {
    profiles: ["github"],
    default: String(DEFAULT_APPROVALS),
    notes: "approving reviews a pull request to main needs (code owners' among them)",
  },
  "github.variables": {
    profiles: ["github"],
    default: "`{}`",
    notes: "plain environment variables by environment, `<environment>.<NAME>`, only the names its contract lists (preview: `KUBE_SERVER`, `KUBE_CA`)",
  },
  "github.requiredChecks": { profiles: ["github"], default: "the jobs of `.github/workflows/ci.yml`", notes: "status checks main's ruleset requires" },
  "secrets.rotation": { profiles: APP, default: code(FIRST_ROTATION), notes: "change it to rotate `NEXTAUTH_SECRET`" },
  "drift.ignore": { profiles: LONG_LIVED, default: "`[]`", notes: "`{type, name?, path?}` entries the drift job does not report" },
  "cluster.dopplerOperator.enabled": { profiles: ["cluster"], default: "true", notes: "" },
  "cluster.dopplerOperator.version": { profiles: ["cluster"], default: "`1.7.1`", notes: "" },
  "cluster.certManager.enabled": { profiles: ["cluster"], default: "false", notes: "" },
  "cluster.certManager.version": { profiles: ["cluster"], default: "`v1.21.1`", notes: "" },
  "cluster.certManager.email": {
    profiles: ["cluster"],
    default: "—",
    notes:
      "required with cert-manager: the ACME account of the `letsencrypt-prod` and `letsencrypt-staging` ClusterIssuers the stack creates (HTTP-01 through `ingress.className`)",
  },
  "cluster.certManager.dns01": {
    profiles: ["cluster"],
    default: "none (HTTP-01)",
    notes: "a cert-manager dns01 solver instead, for wildcard hosts or clusters the internet cannot reach",
  },
  "cluster.ingressNginx.enabled": { profiles: ["cluster"], default: "false", notes: "" },
  "cluster.ingressNginx.version": { profiles: ["cluster"], default: "`4.15.1`", notes: "" },
  "cluster.metricsServer.enabled": {
    profiles: ["cluster"],
    default: "false",
    notes: "the production autoscaler reads it: enable it on EKS, kind and self-managed clusters (GKE and AKS ship one)",
  },
  "cluster.metricsServer.version": { profiles: ["cluster"], default: "`3.13.1`", notes: "" },
  "cluster.previewAccess.enabled": {
    profiles: ["cluster"],
    default: "true",
    notes:
      "the preview contract: roles for pull requests' OIDC identities and the admission policies that hold them (docs/previews.md); exports `previewAuthentication`, the API server's JWT authenticator",
  },
  "cluster.previewAccess.issuer": {
    profiles: ["cluster"],
    default: "GitHub's (`https://token.actions.githubusercontent.com`)",
    notes: "the OIDC issuer of preview jobs' tokens",
  },
  "cluster.previewAccess.audience": { profiles: ["cluster"], default: "`nextjs-infra-preview`", notes: "the audience preview jobs request their token for" },
  "cluster.previewAccess.dnsNamespaces": {
    profiles: ["cluster"],
    default: "`[kube-system]`",
    notes: "namespaces a preview's egress policies may open for DNS",
  },
  "cluster.previewAccess.ingressNamespaces": {
    profiles: ["cluster"],
    default: "`[ingress-nginx]`",
    notes: "namespaces a preview's ingress policies may admit traffic from",
  },
  "cluster.previewAccess.exemptCidrs": {
    profiles: ["cluster"],
    default: "`[]`",
    notes: "blocked ranges a preview's policies may still name, exactly: NodeLocal DNSCache's address, a hostNetwork controller's nodes",
  },
  "cluster.previewAccess.blockedCidrs": {
    profiles: ["cluster"],
    default: "`[]`",
    notes: "ranges no preview policy may open, besides private, shared and link-local ones (your pod and service ranges, if public)",
  },
  neonApiUrl: { profiles: DEPLOYED, default: "Neon's public API", notes: "https (http only on loopback)" },
};

/** Secret keys, documented the same way. */
export const SECRET_KEY_DOCS: Readonly<Record<SecretKey, KeyDoc>> = {
  registryPassword: { profiles: APP, default: "ambient `docker login`", notes: "registry token" },
  imagePullToken: {
    profiles: APP,
    default: "none (public images)",
    notes: "a pull-only token the cluster pulls private images with (an image pull Secret), with `registry.username`",
  },
  neonApiKey: { profiles: DEPLOYED, default: "`$NEON_API_KEY`", notes: "read by the Neon provider at run time, never stored in state" },
  appSecrets: { profiles: ["local"], default: "—", notes: "the app's own secrets; deployed stacks keep them in Doppler" },
  ciSecrets: {
    profiles: ["github"],
    default: "—",
    notes: "every environment's secrets, `ciSecrets.<environment>.<NAME>`; only the names its contract lists (docs/credentials.md)",
  },
};

/** The doc of a dotted path, if the path is documented as one key. */
export function keyDoc(path: string): KeyDoc | undefined {
  return PLAIN_KEYS[path] ?? (path in SECRET_KEYS ? SECRET_KEY_DOCS[path as SecretKey] : undefined);
}

/** Dotted paths present in a config value that name documented keys (the deepest documented level). */
export function presentKeys(value: unknown, prefix = ""): string[] {
  if (prefix && PLAIN_KEYS[prefix]) return [prefix];
  if (value === null || typeof value !== "object" || Array.isArray(value)) return prefix ? [prefix] : [];
  return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => (v === undefined ? [] : presentKeys(v, prefix ? `${prefix}.${k}` : k)));
}

type JsonSchema = {
  type?: string | string[];
  description?: string;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  additionalProperties?: JsonSchema | boolean;
  maxLength?: number;
  format?: string;
  anyOf?: JsonSchema[];
};

/** A short type description of a key, read from the schema itself. */
export function typeOf(path: string): string {
  const schema = z.toJSONSchema(ConfigSchema, { unrepresentable: "any", io: "input" }) as JsonSchema;
  let node: JsonSchema | undefined = schema;
  for (const part of path.split(".")) node = node?.properties?.[part];
  return node ? describe(node) : "?";
}

function describe(s: JsonSchema): string {
  if (s.enum) return s.enum.map((v) => `\`${String(v)}\``).join(" \\| ");
  if (s.description && s.type !== "string") return s.description;
  if (s.anyOf) return s.anyOf.map(describe).join(" \\| ");
  const range = s.minimum !== undefined || s.maximum !== undefined ? ` ${s.minimum ?? ""}–${s.maximum ?? ""}` : "";
  switch (s.type) {
    case "integer":
      return `integer${range}`;
    case "number":
      return "number";
    case "boolean":
      return "boolean";
    case "array":
      return `list of ${s.items ? describe(s.items) : "values"}`;
    case "object":
      return s.additionalProperties && typeof s.additionalProperties === "object" ? `map of ${describe(s.additionalProperties)}` : "object";
    case "string":
      return s.description ?? (s.format === "uri" ? "URL" : s.maxLength ? `string ≤ ${s.maxLength}` : "string");
    default:
      return "value";
  }
}

/** The README's settings table, generated: every key, its type, the profiles that read it, its default. */
export function settingsTable(): string {
  const rows = [
    "| key | type | profiles | default | notes |",
    "|---|---|---|---|---|",
    ...Object.entries(PLAIN_KEYS).map(([k, d]) => `| \`${k}\` | ${typeOf(k)} | ${d.profiles.join(", ")} | ${d.default} | ${d.notes} |`),
    ...Object.entries(SECRET_KEY_DOCS).map(
      ([k, d]) => `| \`${k}\` | **secret**${k.endsWith("Secrets") ? " map" : ""} | ${d.profiles.join(", ")} | ${d.default} | ${d.notes} |`,
    ),
  ];
  return rows.join("\n");
}
