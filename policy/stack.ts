/**
 * Whole-stack guardrails, keyed on the profile label every stack's namespace carries:
 * production can ride out a node drain and a traffic spike, and previews clean up after
 * themselves.
 */
import { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { PROFILE_LABEL } from "../components/app-namespace";

export { PROFILE_LABEL };

function namespacesOf(resources: PolicyResource[], profile: string): string[] {
  return resources
    .filter((r) => r.type === "kubernetes:core/v1:Namespace")
    .map((r) => r.props.metadata as { name?: string; labels?: Record<string, string> } | undefined)
    .filter((m) => m?.labels?.[PROFILE_LABEL] === profile)
    .map((m) => m?.name ?? "");
}

const inNamespace = (r: PolicyResource, ns: string) => (r.props.metadata as { namespace?: string } | undefined)?.namespace === ns;

export const stackPolicies: StackValidationPolicy[] = [
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
