/**
 * GithubEnvironment: one GitHub Actions environment and exactly the secrets the workflow
 * jobs that use it read. Credentials live only in environments, never at repository level:
 * an environment restricted to `main` cannot be used by a pull request's branch, however
 * that branch edits its workflows. A reviewed environment cannot be walked around: admins
 * may not bypass it and nobody approves their own run. Secret values stay Pulumi secrets
 * all the way into GitHub (the provider encrypts them with the repository's public key).
 */
import * as pulumi from "@pulumi/pulumi";
import * as github from "@pulumi/github";

/** Arguments of `GithubEnvironment`. The owner comes from the GitHub provider in `opts`. */
export interface GithubEnvironmentArgs {
  /** Repository name (without owner). @example "web" */
  readonly repository: string;
  /** Environment name. **Changing it replaces the environment and its secrets.** @example "production" */
  readonly environment: string;
  /** Required reviewers by login and team slug; with any, admins cannot bypass them. @default none */
  readonly reviewers?: { users?: string[]; teams?: string[] };
  /** Jobs may use the environment (and its secrets) only from `main`. @default false */
  readonly mainOnly?: boolean;
  /** Environment secrets, by name (values must be secrets). @default {} */
  readonly secrets?: Record<string, pulumi.Input<string>>;
  /** Plain environment variables, by name (addresses, certificates: never a credential). @default {} */
  readonly variables?: Record<string, pulumi.Input<string>>;
}

/** Names GitHub refuses for Actions secrets and variables: letters, digits and `_`, not starting with a digit or `GITHUB_`. */
export function isGithubReservedName(name: string): boolean {
  return !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) || /^GITHUB_/i.test(name);
}

const slug = (name: string) => name.toLowerCase().replace(/_/g, "-");

/** A GitHub Actions environment with its secrets. */
export class GithubEnvironment extends pulumi.ComponentResource {
  readonly environment: pulumi.Output<string>;

  constructor(name: string, args: GithubEnvironmentArgs, opts?: pulumi.ComponentResourceOptions) {
    super("nextjs-infra:github:GithubEnvironment", name, {}, opts);
    const bad = [...Object.keys(args.secrets ?? {}), ...Object.keys(args.variables ?? {})].filter(isGithubReservedName);
    if (bad.length > 0) {
      throw new pulumi.ResourceError(
        `GitHub secret names in \`secrets\` must be letters, digits and _ and not start with GITHUB_; got ${bad.join(", ")}`,
        this,
      );
    }
    const child = { parent: this };
    const users = (args.reviewers?.users ?? []).map((username) => github.getUserOutput({ username }, child).id.apply(Number));
    const teams = (args.reviewers?.teams ?? []).map((slug) => github.getTeamOutput({ slug, summaryOnly: true }, child).id.apply(Number));
    const reviewed = users.length + teams.length > 0;
    const env = new github.RepositoryEnvironment(
      `${name}-environment`,
      {
        repository: args.repository,
        environment: args.environment,
        reviewers: reviewed ? [{ users, teams }] : undefined,
        // GitHub's default lets an admin deploy without the review; a review nobody can skip is the point.
        canAdminsBypass: false,
        preventSelfReview: reviewed ? true : undefined,
        deploymentBranchPolicy: args.mainOnly ? { protectedBranches: false, customBranchPolicies: true } : undefined,
      },
      child,
    );
    if (args.mainOnly) {
      new github.RepositoryEnvironmentDeploymentPolicy(
        `${name}-main-only`,
        { repository: args.repository, environment: env.environment, branchPattern: "main" },
        child,
      );
    }
    for (const [secretName, value] of Object.entries(args.secrets ?? {})) {
      new github.ActionsEnvironmentSecret(
        `${name}-secret-${slug(secretName)}`,
        { repository: args.repository, environment: env.environment, secretName, value: pulumi.secret(value) },
        { ...child, additionalSecretOutputs: ["value", "plaintextValue"] },
      );
    }
    for (const [variableName, value] of Object.entries(args.variables ?? {})) {
      new github.ActionsEnvironmentVariable(
        `${name}-variable-${slug(variableName)}`,
        { repository: args.repository, environment: env.environment, variableName, value },
        child,
      );
    }
    this.environment = env.environment;
    this.registerOutputs({ environment: this.environment });
  }
}
