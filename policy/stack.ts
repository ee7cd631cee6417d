/**
 * Whole-stack guardrails, keyed on the profile label every stack's namespace carries:
 * production can ride out a node drain and a traffic spike, and previews clean up after
 * themselves.
 */
import { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { PROFILE_LABEL } from "../components/preview-access";

export { PROFILE_LABEL };

function namespacesOf(resources: PolicyResource[], profile: string): string[] {
  return resources
    .filter((r) => r.type === "kubernetes:core/v1:Namespace")
    .map((r) => r.props.metadata as { name?: string; labels?: Record<string, string> } | undefined)
    .filter((m) => m?.labels?.[PROFILE_LABEL] === profile)
    .map((m) => m?.name ?? "");
}

const inNamespace = (r: PolicyResource, ns: string) => (r.props.metadata as { namespace?: string } | undefined)?.namespace === ns;

/** Whether a NetworkPolicy denies all traffic of every pod it selects (an empty selector, both directions, no rules). */
function isDefaultDeny(props: Record<string, unknown>): boolean {
  const spec = (props.spec ?? {}) as {
    podSelector?: { matchLabels?: object; matchExpressions?: unknown[] };
    policyTypes?: string[];
    ingress?: unknown[];
    egress?: unknown[];
  };
  const all = Object.keys(spec.podSelector?.matchLabels ?? {}).length === 0 && (spec.podSelector?.matchExpressions?.length ?? 0) === 0;
  return all && ["Ingress", "Egress"].every((t) => spec.policyTypes?.includes(t)) && !spec.ingress?.length && !spec.egress?.length;
}

export const stackPolicies: StackValidationPolicy[] = [
  {
    name: "workload-namespace-default-deny",
    description: "Every namespace that runs a workload has a default-deny NetworkPolicy; traffic is then allowed on purpose.",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
      const workloads = args.resources.filter((r) => r.type === "kubernetes:apps/v1:Deployment" || r.type === "kubernetes:apps/v1:StatefulSet");
      for (const ns of new Set(workloads.map((r) => (r.props.metadata as { namespace?: string } | undefined)?.namespace ?? ""))) {
        const denied = args.resources.some((r) => r.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy" && inNamespace(r, ns) && isDefaultDeny(r.props));
        if (!denied) report(`namespace "${ns}" runs workloads without a default-deny NetworkPolicy`);
      }
    },
  },
  {
    name: "prod-disruption-budget-and-autoscaler",
    description: "A prod-profile stack has a PodDisruptionBudget and a HorizontalPodAutoscaler for its app.",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
      for (const ns of namespacesOf(args.resources, "prod")) {
        const has = (type: string) => args.resources.some((r) => r.type === type && inNamespace(r, ns));
        if (!has("kubernetes:policy/v1:PodDisruptionBudget")) report(`prod namespace "${ns}" has no PodDisruptionBudget`);
        if (!has("kubernetes:autoscaling/v2:HorizontalPodAutoscaler")) report(`prod namespace "${ns}" has no HorizontalPodAutoscaler`);
      }
    },
  },
  {
    name: "preview-database-expires",
    description: "A preview stack's Neon branch carries an expiry, so it dies even if every workflow fails.",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
      if (namespacesOf(args.resources, "preview").length === 0) return;
      for (const b of args.resources.filter((r) => r.type === "pulumi-nodejs:dynamic/neon:Branch")) {
        if (!b.props.expiresAt) report(`preview branch "${String(b.props.name)}" has no expiresAt`, b.urn);
      }
    },
  },
];
