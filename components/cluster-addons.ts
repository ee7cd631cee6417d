/**
 * ClusterAddons: what a `cluster-<name>` stack installs once per cluster, so that app
 * stacks can rely on it. Chief among them the Doppler operator, whose CRD must exist
 * before an app stack can even preview a `DopplerSecret` — a CRD installed by Helm and
 * used in the same program breaks `pulumi preview`, hence a stack of its own.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { PreviewAccess, PreviewAccessArgs } from "./preview-access";

/** One Helm-installed add-on. */
export interface AddonArgs {
  readonly enabled: boolean;
  /** Chart version. @default the chart's latest (pin it for repeatable installs) */
  readonly version?: string;
}

/** Arguments of `ClusterAddons`. */
export interface ClusterAddonsArgs {
  /** The Doppler Kubernetes operator (needed by app stacks with `doppler.sync: operator`). */
  readonly dopplerOperator: AddonArgs;
  /** cert-manager, for the Ingress TLS certificates. */
  readonly certManager: AddonArgs;
  /** ingress-nginx, when the cluster has no ingress controller. */
  readonly ingressNginx: AddonArgs;
  /** The preview contract (`PreviewAccess`): roles for pull requests' OIDC identities and their admission policies. @default none */
  readonly previewAccess?: PreviewAccessArgs;
}

/** The charts, where they come from, and the values we set. */
export const ADDON_CHARTS = {
  dopplerOperator: { chart: "doppler-kubernetes-operator", repo: "https://helm.doppler.com", namespace: "doppler-operator-system", values: {} },
  certManager: { chart: "cert-manager", repo: "https://charts.jetstack.io", namespace: "cert-manager", values: { crds: { enabled: true } } },
  ingressNginx: { chart: "ingress-nginx", repo: "https://kubernetes.github.io/ingress-nginx", namespace: "ingress-nginx", values: {} },
} as const;

/** Cluster-wide add-ons, each a Helm release in its own namespace. */
export class ClusterAddons extends pulumi.ComponentResource {
  /** Names of the releases installed. */
  readonly releases: pulumi.Output<string[]>;
  /** The API server's JWT authenticator for preview jobs (YAML), when the preview contract is installed. */
  readonly previewAuthentication?: pulumi.Output<string>;

  constructor(name: string, args: ClusterAddonsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("nextjs-infra:cluster:ClusterAddons", name, {}, opts);
    const installed: pulumi.Output<string>[] = [];
    for (const key of Object.keys(ADDON_CHARTS) as (keyof typeof ADDON_CHARTS)[]) {
      const addon = args[key];
      if (!addon.enabled) continue;
      const chart = ADDON_CHARTS[key];
      const release = new k8s.helm.v3.Release(
        `${name}-${chart.chart}`,
        {
          chart: chart.chart,
          version: addon.version,
          repositoryOpts: { repo: chart.repo },
          namespace: chart.namespace,
          createNamespace: true,
          atomic: true,
          values: chart.values,
        },
        { parent: this },
      );
      installed.push(release.name);
    }
    this.releases = pulumi.all(installed);
    if (args.previewAccess) this.previewAuthentication = new PreviewAccess(`${name}-preview-access`, args.previewAccess, { parent: this }).authentication;
    this.registerOutputs({ releases: this.releases, previewAuthentication: this.previewAuthentication });
  }
}
