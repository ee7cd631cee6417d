/**
 * RepositoryProtection: what makes "main only" and "reviewed" mean something. A ruleset on
 * the default branch (a pull request with approving reviews, code owners' among them, the
 * CI checks passing on the latest commit, no force push, no deletion, nobody bypassing),
 * a workflow token that is read-only by default and may never approve a pull request, and
 * third-party actions that must be pinned to a full commit SHA.
 */
import * as pulumi from "@pulumi/pulumi";
import * as github from "@pulumi/github";

/** Approving reviews a pull request to main needs unless asked otherwise. */
export const DEFAULT_APPROVALS = 1;
/** GitHub Actions' app id: a required check must come from a workflow, not from any status a token can post. */
export const GITHUB_ACTIONS_APP_ID = 15368;

/** Arguments of `RepositoryProtection`. The owner comes from the GitHub provider in `opts`. */
export interface RepositoryProtectionArgs {
  /** Repository name (without owner). @example "web" */
  readonly repository: string;
  /** Status checks (workflow job names) every change to main must pass. @example ["npm test"] */
  readonly requiredChecks: string[];
  /** Approving reviews a pull request needs, code owners' among them. @default 1 */
  readonly approvals?: number;
}

/** Main's ruleset and the repository's Actions settings. */
export class RepositoryProtection extends pulumi.ComponentResource {
  readonly rulesetId: pulumi.Output<number>;

  constructor(name: string, args: RepositoryProtectionArgs, opts?: pulumi.ComponentResourceOptions) {
    super("nextjs-infra:github:RepositoryProtection", name, {}, opts);
    if (args.requiredChecks.length === 0)
      throw new pulumi.ResourceError("`requiredChecks` got none, expected the CI jobs main requires (e.g. the job names of ci.yml)", this);
    const approvals = args.approvals ?? DEFAULT_APPROVALS;
    if (!Number.isInteger(approvals) || approvals < 1)
      throw new pulumi.ResourceError(`\`approvals\` got ${approvals}, expected a whole number of at least 1`, this);
    const child = { parent: this };
    const ruleset = new github.RepositoryRuleset(
      `${name}-main`,
      {
        repository: args.repository,
        name: "main",
        target: "branch",
        enforcement: "active",
        conditions: { refName: { includes: ["~DEFAULT_BRANCH"], excludes: [] } },
        // No bypass actors: admins and apps follow the same path as everyone.
        bypassActors: [],
        rules: {
          deletion: true,
          nonFastForward: true,
          pullRequest: {
            requiredApprovingReviewCount: approvals,
            requireCodeOwnerReview: true,
            dismissStaleReviewsOnPush: true,
            requireLastPushApproval: true,
            requiredReviewThreadResolution: false,
          },
          requiredStatusChecks: {
            strictRequiredStatusChecksPolicy: true,
            requiredChecks: args.requiredChecks.map((context) => ({ context, integrationId: GITHUB_ACTIONS_APP_ID })),
          },
        },
      },
      child,
    );
    // A token that could approve pull requests would satisfy the review rule by itself.
    new github.WorkflowRepositoryPermissions(
      `${name}-workflow-token`,
      { repository: args.repository, defaultWorkflowPermissions: "read", canApprovePullRequestReviews: false },
      child,
    );
    new github.ActionsRepositoryPermissions(
      `${name}-actions`,
      { repository: args.repository, enabled: true, allowedActions: "all", shaPinningRequired: true },
      child,
    );
    this.rulesetId = ruleset.rulesetId;
    this.registerOutputs({ rulesetId: this.rulesetId });
  }
}
