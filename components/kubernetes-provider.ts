/**
 * The one Kubernetes provider a stack uses, passed to every component (default providers
 * are disabled in Pulumi.yaml, so nothing can reach another cluster by accident). Its
 * flags are a decision made here, once:
 * - ConfigMaps and Secrets are mutable: a change updates them in place. The default
 *   (immutable: replace on change) deletes a live Secret before recreating it, and pods
 *   that start in between fail; config changes roll pods through checksum annotations.
 * - The context is pinned in settings (`kubernetes.context`), not taken from whatever the
 *   kubeconfig's current context is on the machine that runs `up`.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";

/** Arguments of `kubernetesProvider`. */
export interface KubernetesProviderArgs {
  /** The kubeconfig context to use. @default the kubeconfig's current context */
  readonly context?: string;
}

/** The provider's settings, exported for tests and the cluster stack. */
export function kubernetesProviderArgs(args: KubernetesProviderArgs): k8s.ProviderArgs {
  return { context: args.context, enableConfigMapMutable: true, enableSecretMutable: true };
}

/** Creates the stack's Kubernetes provider. */
export function kubernetesProvider(name: string, args: KubernetesProviderArgs, opts?: pulumi.CustomResourceOptions): k8s.Provider {
  return new k8s.Provider(name, kubernetesProviderArgs(args), opts);
}
