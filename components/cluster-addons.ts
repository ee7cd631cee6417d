/**
 * ClusterAddons: what a `cluster-<name>` stack installs once per cluster, so that app
 * stacks can rely on it. Chief among them the Doppler operator, whose CRD must exist
 * before an app stack can even preview a `DopplerSecret` — a CRD installed by Helm and
 * used in the same program breaks `pulumi preview`, hence a stack of its own. Every chart
 * is pinned, so an install today and one next month are the same. cert-manager comes with
 * the ClusterIssuers the app profiles name (`letsencrypt-prod`, and `letsencrypt-staging`
 * to try without rate limits); metrics-server feeds the production autoscaler.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { PreviewAccess, PreviewAccessArgs } from "./preview-access";

/** One Helm-installed add-on. */
export interface AddonArgs {
  readonly enabled: boolean;
  /** Chart version. @default the version pinned in ADDON_CHARTS */
  readonly version?: string;
}

/** How cert-manager's issuers prove a domain: HTTP-01 through the ingress class, or a DNS-01 solver (cert-manager's own `dns01` spec). */
export interface IssuerArgs {
  /** The ACME account's contact address (Let's Encrypt writes about expiring certificates). */
  readonly email: string;
  /** HTTP-01 through this ingress class. @default "nginx" */
  readonly ingressClass?: string;
  /** A DNS-01 solver instead (e.g. `{ cloudflare: { apiTokenSecretRef: { name, key } } }`): needed for wildcard hosts and private clusters. @default none (HTTP-01) */
  readonly dns01?: Record<string, unknown>;
}

/** Arguments of `ClusterAddons`. */
export interface ClusterAddonsArgs {
  /** The Doppler Kubernetes operator (needed by app stacks with `doppler.sync: operator`). */
  readonly dopplerOperator: AddonArgs;
  /** cert-manager, for the Ingress TLS certificates. */
  readonly certManager: AddonArgs & { issuers?: IssuerArgs };
  /** ingress-nginx, when the cluster has no ingress controller; `serviceAnnotations` go on its load balancer Service (what the cloud's load balancer needs). */
  readonly ingressNginx: AddonArgs & { serviceAnnotations?: Readonly<Record<string, string>> };
  /** metrics-server, which the production autoscaler reads (EKS, kind and self-managed clusters lack it; GKE and AKS ship it). @default disabled */
  readonly metricsServer?: AddonArgs;
  /** The preview contract (`PreviewAccess`): roles for pull requests' OIDC identities and their admission policies. @default none */
  readonly previewAccess?: PreviewAccessArgs;
}

/** The charts, where they come from, the version installed unless one is given, and the values we set. */
export const ADDON_CHARTS = {
  dopplerOperator: {
    chart: "doppler-kubernetes-operator",
    repo: "https://helm.doppler.com",
    version: "1.7.1",
    namespace: "doppler-operator-system",
    values: {},
  },
  certManager: {
    chart: "cert-manager",
    repo: "https://charts.jetstack.io",
    version: "v1.21.1",
    namespace: "cert-manager",
    values: { crds: { enabled: true } },
  },
  ingressNginx: { chart: "ingress-nginx", repo: "https://kubernetes.github.io/ingress-nginx", version: "4.15.1", namespace: "ingress-nginx", values: {} },
  metricsServer: {
    chart: "metrics-server",
    repo: "https://kubernetes-sigs.github.io/metrics-server/",
    version: "3.13.1",
    namespace: "kube-system",
    values: {},
  },
} as const;

/** Production's pods' PriorityClass: a busy node evicts previews and dev first. */
export const PRODUCTION_PRIORITY_CLASS = "nextjs-infra-production";

/** Let's Encrypt's ACME endpoints, by issuer name. */
export const ACME_SERVERS = {
  "letsencrypt-prod": "https://acme-v02.api.letsencrypt.org/directory",
  "letsencrypt-staging": "https://acme-staging-v02.api.letsencrypt.org/directory",
} as const;

/** A ClusterIssuer's spec for one ACME endpoint. Pure, for tests. */
export function issuerSpec(name: keyof typeof ACME_SERVERS, args: IssuerArgs): Record<string, unknown> {
  const solver = args.dns01 ? { dns01: args.dns01 } : { http01: { ingress: { ingressClassName: args.ingressClass ?? "nginx" } } };
  return { acme: { server: ACME_SERVERS[name], email: args.email, privateKeySecretRef: { name: `${name}-account` }, solvers: [solver] } };
}

/** ingress-nginx's chart values: the controller Service's annotations, when the cloud needs some. Pure, for tests. */
export function ingressNginxValues(args: ClusterAddonsArgs["ingressNginx"]): Record<string, unknown> {
  const annotations = args.serviceAnnotations ?? {};
  return Object.keys(annotations).length === 0
    ? { ...ADDON_CHARTS.ingressNginx.values }
    : { ...ADDON_CHARTS.ingressNginx.values, controller: { service: { annotations } } };
}

/** Cluster-wide add-ons, each a Helm release in its own namespace. */
export class ClusterAddons extends pulumi.ComponentResource {
  /** Names of the releases installed. */
  readonly releases: pulumi.Output<string[]>;
  /** The API server's JWT authenticator for preview jobs (YAML), when the preview contract is installed. */
  readonly previewAuthentication?: pulumi.Output<string>;

  constructor(name: string, args: ClusterAddonsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("nextjs-infra:cluster:ClusterAddons", name, {}, opts);
    const installed: Partial<Record<keyof typeof ADDON_CHARTS, k8s.helm.v3.Release>> = {};
    for (const key of Object.keys(ADDON_CHARTS) as (keyof typeof ADDON_CHARTS)[]) {
      const addon = args[key];
      if (!addon?.enabled) continue;
      const chart = ADDON_CHARTS[key];
      installed[key] = new k8s.helm.v3.Release(
        `${name}-${chart.chart}`,
        {
          chart: chart.chart,
          version: addon.version ?? chart.version,
          repositoryOpts: { repo: chart.repo },
          namespace: chart.namespace,
          createNamespace: chart.namespace !== "kube-system",
          atomic: true,
          values: key === "ingressNginx" ? ingressNginxValues(args.ingressNginx) : chart.values,
        },
        { parent: this },
      );
    }
    const certManager = installed.certManager;
    if (certManager && args.certManager.issuers) {
      for (const issuer of Object.keys(ACME_SERVERS) as (keyof typeof ACME_SERVERS)[]) {
        new k8s.apiextensions.CustomResource(
          `${name}-${issuer}`,
          { apiVersion: "cert-manager.io/v1", kind: "ClusterIssuer", metadata: { name: issuer }, spec: issuerSpec(issuer, args.certManager.issuers) },
          { parent: this, dependsOn: [certManager] },
        );
      }
    }
    new k8s.scheduling.v1.PriorityClass(
      `${name}-production-priority`,
      {
        metadata: { name: PRODUCTION_PRIORITY_CLASS },
        value: 100000,
        globalDefault: false,
        preemptionPolicy: "PreemptLowerPriority",
        description: "The production app's pods (nextjs-infra): scheduled first, evicted last.",
      },
      { parent: this },
    );
    this.releases = pulumi.all(Object.values(installed).map((r) => r.name));
    if (args.previewAccess) this.previewAuthentication = new PreviewAccess(`${name}-preview-access`, args.previewAccess, { parent: this }).authentication;
    this.registerOutputs({ releases: this.releases, previewAuthentication: this.previewAuthentication });
  }
}
