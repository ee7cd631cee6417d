/**
 * Data and credential guardrails: production's database cannot be deleted by Pulumi,
 * and credentials stored by Doppler and GitHub resources stay encrypted in state.
 */
import { ResourceValidationPolicy } from "@pulumi/policy";

/** Resource types that store a credential, and the outputs that must be secret. */
export const SECRET_FIELDS: Record<string, string[]> = {
  "doppler:index/secret:Secret": ["value"],
  "doppler:index/serviceToken:ServiceToken": ["key"],
  "github:index/actionsSecret:ActionsSecret": ["value", "plaintextValue"],
  "github:index/actionsEnvironmentSecret:ActionsEnvironmentSecret": ["value", "plaintextValue"],
  "pulumi-nodejs:dynamic/neon:Role": ["password"],
};

export const dataPolicies: ResourceValidationPolicy[] = [
  {
    name: "production-environment-reviewed",
    description:
      "The GitHub environments production and the repository's settings change through have required reviewers nobody can bypass, and a branch policy (main only).",
    enforcementLevel: "mandatory",
    configSchema: { properties: { environments: { type: "array", items: { type: "string" }, default: ["production", "repository-admin"] } } },
    validateResource: (args, report) => {
      if (args.type !== "github:index/repositoryEnvironment:RepositoryEnvironment") return;
      const { environments = ["production", "repository-admin"] } = args.getConfig<{ environments?: string[] }>();
      if (!environments.includes(String(args.props.environment))) return;
      const reviewers = (args.props.reviewers ?? []) as { users?: unknown[]; teams?: unknown[] }[];
      if (!reviewers.some((r) => (r.users?.length ?? 0) + (r.teams?.length ?? 0) > 0))
        report(`environment "${String(args.props.environment)}" has no required reviewers`);
      if (!args.props.deploymentBranchPolicy) report(`environment "${String(args.props.environment)}" has no deployment branch policy (main only)`);
      // GitHub's default lets an admin deploy without the review.
      if (args.props.canAdminsBypass !== false)
        report(`environment "${String(args.props.environment)}" lets admins bypass its reviewers (set canAdminsBypass: false)`);
    },
  },
  {
    name: "neon-production-branch-protected",
    description: "The Neon branch production runs on (the project's default branch) is protected by Pulumi, and in Neon where the plan offers it (not Free).",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
      if (args.type !== "pulumi-nodejs:dynamic/neon:Branch" || args.props.adoptDefault !== true) return;
      if (args.props.protected !== true && args.props.protectable !== false) report("the production branch must be protected in Neon (protected: true)");
      if (!args.opts.protect) report("the production branch must have the `protect` resource option, so `pulumi destroy` refuses");
    },
  },
  {
    name: "credentials-kept-secret",
    description: "Doppler, GitHub and Neon resources that hold credentials mark them as secret outputs, so state stores them encrypted.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
      const fields = SECRET_FIELDS[args.type];
      if (!fields) return;
      const secret = new Set(args.opts.additionalSecretOutputs);
      const missing = fields.filter((f) => !secret.has(f));
      if (missing.length) report(`${missing.join(", ")} must be listed in additionalSecretOutputs`);
    },
  },
];
