/**
 * GithubEnvironment: the GitHub Actions environment a long-lived stack deploys through —
 * required reviewers and a `main`-only branch policy for production, and exactly the
 * secrets and variables the workflows read. Secret values stay Pulumi secrets all the way
 * into GitHub (the provider encrypts them with the repository's public key).
 */
import * as pulumi from "@pulumi/pulumi";
import * as github from "@pulumi/github";

/** Arguments of `GithubEnvironment`. The owner comes from the GitHub provider in `opts`. */
export interface GithubEnvironmentArgs {
  /** Repository name (without owner). @example "web" */
  readonly repository: string;
  /** Environment name. @example "production" */
  readonly environment: string;
  /** Required reviewers by login and team slug; only for production. @default none */
  readonly reviewers?: { users?: string[]; teams?: string[] };
  /** Deploy only from `main`. @default false */
  readonly mainOnly?: boolean;
  /** Environment secrets, by name (values must be secrets). */
  readonly secrets?: Record<string, pulumi.Input<string>>;
  /** Environment variables, by name (never secret). */
  readonly variables?: Record<string, pulumi.Input<string>>;
  /** Repository-level secrets (what the preview workflow reads). @default {} */
  readonly repositorySecrets?: Record<string, pulumi.Input<string>>;
}

/** GitHub names: letters, digits and underscores, not starting with a digit or GITHUB_. */
export function checkGithubNames(names: string[]): string[] {
  return names.filter((n) => !/^[A-Za-z_][A-Za-z0-9_]*$/.test(n) || /^GITHUB_/i.test(n));
}

const slug = (name: string) => name.toLowerCase().replace(/_/g, "-");

/** A GitHub Actions environment with its secrets and variables. */
export class GithubEnvironment extends pulumi.ComponentResource {
  readonly environment: pulumi.Output<string>;

  constructor(name: string, args: GithubEnvironmentArgs, opts?: pulumi.ComponentResourceOptions) {
    super("nextjs-infra:github:GithubEnvironment", name, {}, opts);
    const names = [...Object.keys(args.secrets ?? {}), ...Object.keys(args.variables ?? {}), ...Object.keys(args.repositorySecrets ?? {})];
    const bad = checkGithubNames(names);
    if (bad.length > 0) {
      throw new pulumi.ResourceError(`GitHub secret and variable names must be letters, digits and _ and not start with GITHUB_; got ${bad.join(", ")}`, this);
    }
    const child = { parent: this };
    const users = (args.reviewers?.users ?? []).map((username) => github.getUserOutput({ username }, child).id.apply(Number));
    const teams = (args.reviewers?.teams ?? []).map((slug) => github.getTeamOutput({ slug, summaryOnly: true }, child).id.apply(Number));
    const env = new github.RepositoryEnvironment(
      `${name}-environment`,
      {
        repository: args.repository,
        environment: args.environment,
        reviewers: users.length + teams.length > 0 ? [{ users, teams }] : undefined,
        preventSelfReview: users.length + teams.length > 0 ? true : undefined,
        deploymentBranchPolicy: args.mainOnly ? { protectedBranches: false, customBranchPolicies: true } : undefined,
      },
      child,
    );
    if (args.mainOnly) {
      new github.RepositoryEnvironmentDeploymentPolicy(`${name}-main-only`, { repository: args.repository, environment: env.environment, branchPattern: "main" }, child);
    }
    for (const [secretName, value] of Object.entries(args.secrets ?? {})) {
      new github.ActionsEnvironmentSecret(`${name}-secret-${slug(secretName)}`, { repository: args.repository, environment: env.environment, secretName, value: pulumi.secret(value) }, child);
    }
    for (const [variableName, value] of Object.entries(args.variables ?? {})) {
      new github.ActionsEnvironmentVariable(`${name}-var-${slug(variableName)}`, { repository: args.repository, environment: env.environment, variableName, value }, child);
    }
    for (const [secretName, value] of Object.entries(args.repositorySecrets ?? {})) {
      new github.ActionsSecret(`${name}-repo-secret-${slug(secretName)}`, { repository: args.repository, secretName, value: pulumi.secret(value) }, child);
    }
    this.environment = env.environment;
    this.registerOutputs({ environment: this.environment });
  }
}
