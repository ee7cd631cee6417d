/**
 * Traffic guardrails: nothing exposed by a cloud load balancer unless allowed, and every
 * Ingress host served over TLS (laptop hosts excepted).
 */
import { ResourceValidationPolicy } from "@pulumi/policy";

/** `*.localhost` style patterns → a matcher. */
export function hostMatches(host: string, patterns: string[]): boolean {
  return patterns.some((p) => (p.startsWith("*.") ? host.endsWith(p.slice(1)) : host === p));
}

export const networkPolicies: ResourceValidationPolicy[] = [
  {
    name: "service-no-load-balancer",
    description: "Services are not of type LoadBalancer (traffic enters through the Ingress) unless allow-listed.",
    enforcementLevel: "mandatory",
    configSchema: { properties: { allowedServices: { type: "array", items: { type: "string" }, default: [] } } },
    validateResource: (args, report) => {
      if (args.type !== "kubernetes:core/v1:Service") return;
      const { allowedServices = [] } = args.getConfig<{ allowedServices?: string[] }>();
      const name = (args.props.metadata as { name?: string } | undefined)?.name ?? args.name;
      if ((args.props.spec as { type?: string } | undefined)?.type === "LoadBalancer" && !allowedServices.includes(name)) {
        report(`Service "${name}" is a LoadBalancer; expose it through the Ingress or add it to allowedServices`);
      }
    },
  },
  {
    name: "ingress-tls",
    description: "Every Ingress host is covered by a TLS entry (hosts matching allowedPlainHosts excepted).",
    enforcementLevel: "mandatory",
    configSchema: { properties: { allowedPlainHosts: { type: "array", items: { type: "string" }, default: ["*.localhost", "localhost"] } } },
    validateResource: (args, report) => {
      if (args.type !== "kubernetes:networking.k8s.io/v1:Ingress") return;
      const { allowedPlainHosts = ["*.localhost", "localhost"] } = args.getConfig<{ allowedPlainHosts?: string[] }>();
      const spec = (args.props.spec ?? {}) as { rules?: { host?: string }[]; tls?: { hosts?: string[] }[] };
      const covered = new Set((spec.tls ?? []).flatMap((t) => t.hosts ?? []));
      for (const rule of spec.rules ?? []) {
        const host = rule.host ?? "*";
        if (!covered.has(host) && !hostMatches(host, allowedPlainHosts)) report(`host "${host}" has no TLS entry`);
      }
    },
  },
];
