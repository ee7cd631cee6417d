/**
 * The NetworkPolicies an app opens in its default-deny namespace, as plain specs (pure,
 * so tests read them directly): traffic in from the ingress controller only, and out to
 * HTTPS and Postgres on public addresses only — never to other namespaces' pods and
 * Services, private ranges, or the cloud metadata endpoint.
 */
import type * as k8s from "@pulumi/kubernetes";

type PolicySpec = k8s.types.input.networking.v1.NetworkPolicySpec;

/** Addresses a workload never reaches: private, shared and link-local ranges (the metadata endpoint is 169.254.169.254). */
export const NON_PUBLIC_RANGES = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16", "127.0.0.0/8"];
/** The same for IPv6: unique local, link-local, loopback. */
export const NON_PUBLIC_RANGES_V6 = ["fc00::/7", "fe80::/10", "::1/128"];

/**
 * Ingress to the app's pods on its port, from the ingress controller's namespace, and from
 * `sources` (CIDRs: a cloud load balancer that routes to pod IPs, a hostNetwork controller's nodes).
 */
export function ingressFromController(
  selector: Record<string, string>,
  controllerNamespace: string,
  port: string | number,
  sources: readonly string[] = [],
): PolicySpec {
  return {
    podSelector: { matchLabels: selector },
    policyTypes: ["Ingress"],
    ingress: [
      {
        from: [
          { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": controllerNamespace } } },
          ...sources.map((cidr) => ({ ipBlock: { cidr } })),
        ],
        ports: [{ protocol: "TCP", port }],
      },
    ],
  };
}

/**
 * Egress from the app's pods (server and migrations): HTTPS (Sentry, Doppler, OAuth) and
 * Postgres (Neon) to public addresses, and Postgres to pods of the same namespace (the
 * in-cluster database of the local profile).
 */
export function appEgress(appName: string): PolicySpec {
  const publicOnly = [{ ipBlock: { cidr: "0.0.0.0/0", except: NON_PUBLIC_RANGES } }, { ipBlock: { cidr: "::/0", except: NON_PUBLIC_RANGES_V6 } }];
  return {
    podSelector: { matchLabels: { "app.kubernetes.io/name": appName } },
    policyTypes: ["Egress"],
    egress: [
      {
        to: publicOnly,
        ports: [
          { protocol: "TCP", port: 443 },
          { protocol: "TCP", port: 5432 },
        ],
      },
      { to: [{ podSelector: {} }], ports: [{ protocol: "TCP", port: 5432 }] },
    ],
  };
}

/** Ingress to the in-cluster Postgres from the app's pods only. */
export function postgresIngress(selector: Record<string, string>, appName: string, port: number): PolicySpec {
  return {
    podSelector: { matchLabels: selector },
    policyTypes: ["Ingress"],
    ingress: [{ from: [{ podSelector: { matchLabels: { "app.kubernetes.io/name": appName } } }], ports: [{ protocol: "TCP", port }] }],
  };
}
