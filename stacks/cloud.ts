/**
 * Where a stack runs: any cluster with a registry token (`any`), or EKS + ECR, GKE +
 * Artifact Registry, AKS + ACR, reached from CI by the job's own OIDC token (nothing
 * stored: a role, a service account or an app registration per environment). One table of
 * what each provider needs and implies; the settings check a stack's `cloud` against it
 * before anything is created, the repository stack hands each environment its identity as
 * the `CLOUD` variable, and the setup action logs in from that variable.
 */
import type { Config } from "./schema";
import type { SettingsIssue } from "./errors";

export const CLOUD_PROVIDERS = ["any", "aws", "gcp", "azure"] as const;
export type CloudProvider = (typeof CLOUD_PROVIDERS)[number];
export type CloudConfig = NonNullable<Config["cloud"]>;
type CloudField = Exclude<keyof CloudConfig, "provider">;

/** What one provider needs, and what it implies for the cluster and the registry. */
export interface CloudFacts {
  title: string;
  /** Fields the provider needs (the read identity only on long-lived stacks). */
  fields: readonly CloudField[];
  /** What an identity is, and its form. */
  identity: { what: string; pattern: RegExp; form: string };
  /** The registry host `image.repository` must name, given the config. */
  registry: { pattern: (c: CloudConfig) => RegExp; form: string };
  /** The ingress-nginx controller Service's annotations the provider's load balancer needs. */
  ingressServiceAnnotations: Readonly<Record<string, string>>;
  /** Its page under docs/clouds/. */
  doc: string;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

export const CLOUDS: Readonly<Record<CloudProvider, CloudFacts>> = {
  any: {
    title: "any cluster, any registry",
    fields: [],
    identity: { what: "none: a KUBE_CONFIG secret and a REGISTRY_TOKEN secret per environment", pattern: /^$/, form: "" },
    registry: { pattern: () => /^.+$/, form: "any registry" },
    ingressServiceAnnotations: {},
    doc: "docs/clouds/any.md",
  },
  aws: {
    title: "EKS + ECR",
    fields: ["region", "cluster", "deployIdentity", "readIdentity"],
    identity: {
      what: "an IAM role the environment's OIDC token may assume",
      pattern: /^arn:aws(-[a-z]+)*:iam::[0-9]{12}:role\/[\w+=,.@/-]{1,512}$/,
      form: "arn:aws:iam::<12-digit account>:role/<name>",
    },
    registry: {
      pattern: (c) => new RegExp(`^[0-9]{12}\\.dkr\\.ecr\\.${escape(c.region ?? "<region>")}\\.amazonaws\\.com$`),
      form: "<account>.dkr.ecr.<cloud.region>.amazonaws.com",
    },
    // The in-tree controller's network load balancer: client addresses reach the controller.
    ingressServiceAnnotations: { "service.beta.kubernetes.io/aws-load-balancer-type": "nlb" },
    doc: "docs/clouds/eks.md",
  },
  gcp: {
    title: "GKE + Artifact Registry",
    fields: ["project", "region", "cluster", "workloadIdentityProvider", "deployIdentity", "readIdentity"],
    identity: {
      what: "a service account the workload identity pool may impersonate",
      pattern: /^[a-z][a-z0-9-]{4,28}[a-z0-9]@[a-z][a-z0-9-]{4,28}[a-z0-9]\.iam\.gserviceaccount\.com$/,
      form: "<name>@<project>.iam.gserviceaccount.com",
    },
    registry: { pattern: () => /^[a-z0-9-]+-docker\.pkg\.dev$/, form: "<location>-docker.pkg.dev" },
    ingressServiceAnnotations: {},
    doc: "docs/clouds/gke.md",
  },
  azure: {
    title: "AKS + ACR",
    fields: ["tenantId", "subscriptionId", "resourceGroup", "cluster", "deployIdentity", "readIdentity"],
    identity: {
      what: "the client ID of an app registration or managed identity with a federated credential for the environment",
      pattern: GUID,
      form: "a client ID (GUID, lowercase)",
    },
    registry: { pattern: () => /^[a-z0-9]{5,50}\.azurecr\.io$/, form: "<registry>.azurecr.io" },
    // Azure's load balancer probes the controller over HTTP; without a path it probes `/` and marks it down.
    ingressServiceAnnotations: { "service.beta.kubernetes.io/azure-load-balancer-health-probe-request-path": "/healthz" },
    doc: "docs/clouds/aks.md",
  },
};

/** The form of each field, checked once the provider is known. */
const FIELD_FORMS: Readonly<Record<Exclude<CloudField, "deployIdentity" | "readIdentity">, { pattern: RegExp; form: string }>> = {
  region: { pattern: /^[a-z]{2,}(-[a-z]+)+-?[0-9]+(-[a-z])?$/, form: "a region (eu-west-1, europe-west1) or, on GKE, a zone (europe-west1-b)" },
  cluster: { pattern: /^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/, form: "the cluster's name" },
  project: { pattern: /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, form: "a Google Cloud project ID" },
  workloadIdentityProvider: {
    pattern: /^projects\/[0-9]+\/locations\/global\/workloadIdentityPools\/[a-z0-9-]{4,32}\/providers\/[a-z0-9-]{4,32}$/,
    form: "projects/<number>/locations/global/workloadIdentityPools/<pool>/providers/<provider>",
  },
  tenantId: { pattern: GUID, form: "a tenant ID (GUID, lowercase)" },
  subscriptionId: { pattern: GUID, form: "a subscription ID (GUID, lowercase)" },
  resourceGroup: { pattern: /^[\w().-]{0,89}[\w()-]$/, form: "the cluster's resource group" },
};

/** A stack's cloud, resolved: the provider (`any` when unset) and its fields. */
export function cloudOf(c: Config): CloudConfig & { provider: CloudProvider } {
  return { ...c.cloud, provider: c.cloud?.provider ?? "any" };
}

/** The registry host of an image repository (`ghcr.io/acme/web` → `ghcr.io`). */
export function registryHost(repository: string): string {
  const first = repository.split("/")[0];
  return repository.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost") ? first : "docker.io";
}

/**
 * Checks a stack's `cloud` against its provider: every field it needs in its form, none it
 * does not read, an image repository in the provider's registry, and a read identity that
 * is not the deploy identity (a plan or drift check must not be able to write).
 */
export function checkCloud(ns: string, c: Config, longLived: boolean, repositories: readonly string[], issues: SettingsIssue[]): void {
  const cloud = cloudOf(c);
  const facts = CLOUDS[cloud.provider];
  const key = (f: string) => `${ns}cloud.${f}`;
  const needed = facts.fields.filter((f) => f !== "readIdentity" || longLived);
  for (const f of Object.keys(cloud).filter((k): k is CloudField => k !== "provider")) {
    if (!needed.includes(f))
      issues.push({
        key: key(f),
        message: `got a value, expected none: ${cloud.provider === "any" ? "only with cloud.provider aws, gcp or azure" : f === "readIdentity" ? "previews have no read-only environment" : `provider ${cloud.provider} does not read it`}`,
      });
  }
  for (const f of needed) {
    const value = cloud[f];
    const form = f === "deployIdentity" || f === "readIdentity" ? facts.identity : FIELD_FORMS[f];
    if (value === undefined)
      issues.push({
        key: key(f),
        message: `got nothing, expected ${form.form}${f.endsWith("Identity") ? ` (${facts.identity.what})` : ""}: provider ${cloud.provider} needs it`,
      });
    else if (!form.pattern.test(value)) issues.push({ key: key(f), message: `got "${value}", expected ${form.form}` });
  }
  if (longLived && cloud.deployIdentity !== undefined && cloud.deployIdentity === cloud.readIdentity) {
    issues.push({
      key: key("readIdentity"),
      message: `got "${cloud.readIdentity}", the deploy identity; expected one that can only read, or a plan or drift check could change the stack`,
    });
  }
  for (const repository of repositories) {
    const host = registryHost(repository);
    if (!facts.registry.pattern(cloud).test(host)) {
      issues.push({
        key: `${ns}image.repository`,
        message: `got "${repository}", expected a repository in ${facts.registry.form} (cloud.provider ${cloud.provider}: ${facts.title}), which the environment's identity can push to`,
      });
    }
  }
}

/** The identities a stack's environments use: deploy, and read on long-lived stacks. */
export function cloudIdentities(c: Config, longLived: boolean): string[] {
  const cloud = cloudOf(c);
  if (cloud.provider === "any") return [];
  return [cloud.deployIdentity, longLived ? cloud.readIdentity : undefined].filter((x): x is string => x !== undefined);
}

/**
 * The `CLOUD` variable of one environment: what the setup action logs in with. `registry`
 * only where the environment's jobs push; `cluster` only where they reach the cluster
 * through the cloud (previews reach it with their own OIDC identity instead).
 */
export function cloudVariable(c: Config, access: "deploy" | "read", opts: { registry?: string; cluster: boolean }): string | undefined {
  const cloud = cloudOf(c);
  if (cloud.provider === "any") return undefined;
  const { provider, region, project, workloadIdentityProvider, tenantId, subscriptionId, resourceGroup, cluster } = cloud;
  const identity = access === "deploy" ? cloud.deployIdentity : cloud.readIdentity;
  const value = {
    provider,
    identity,
    region,
    project,
    workloadIdentityProvider,
    tenantId,
    subscriptionId,
    resourceGroup,
    cluster: opts.cluster ? cluster : undefined,
    registry: opts.registry,
  };
  return JSON.stringify(Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)));
}

/** The keys a `CLOUD` variable may hold. */
const VARIABLE_KEYS = [
  "provider",
  "identity",
  "region",
  "project",
  "workloadIdentityProvider",
  "tenantId",
  "subscriptionId",
  "resourceGroup",
  "cluster",
  "registry",
] as const;

/**
 * Reads a `CLOUD` variable back, as the setup action does before it logs in: a provider
 * that logs in by OIDC, its fields in their forms and nothing else, so a mistyped variable
 * fails naming the field instead of half-logging in.
 */
export function parseCloudVariable(text: string): Record<string, string> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(`CLOUD: got ${JSON.stringify(text.slice(0, 40))}, expected the JSON the repository stack sets`);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw new Error("CLOUD: expected a JSON object");
  const v = value as Record<string, unknown>;
  const provider = v.provider;
  if (provider !== "aws" && provider !== "gcp" && provider !== "azure")
    throw new Error(`CLOUD.provider: got ${JSON.stringify(provider)}, expected aws, gcp or azure`);
  const facts = CLOUDS[provider];
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) {
    if (!(VARIABLE_KEYS as readonly string[]).includes(k)) throw new Error(`CLOUD.${k}: not a field of the variable (expected ${VARIABLE_KEYS.join(", ")})`);
    if (typeof x !== "string") throw new Error(`CLOUD.${k}: expected a string`);
    const form =
      k === "identity"
        ? facts.identity
        : k === "registry"
          ? { pattern: facts.registry.pattern({ region: v.region as string | undefined }), form: facts.registry.form }
          : k === "provider"
            ? undefined
            : FIELD_FORMS[k as keyof typeof FIELD_FORMS];
    if (form && !form.pattern.test(x)) throw new Error(`CLOUD.${k}: got "${x}", expected ${form.form}`);
    out[k] = x;
  }
  const needed = facts.fields.filter((f) => !f.endsWith("Identity") && f !== "cluster");
  for (const f of [...needed, "identity"]) if (out[f] === undefined) throw new Error(`CLOUD.${f}: missing (provider ${provider} needs it)`);
  return out;
}
