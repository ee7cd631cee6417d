/**
 * Settings of the repository stack (`github`): the GitHub Actions environments every
 * committed stack needs (stacks/access.ts says which, and what each may hold), their
 * secrets from this stack's `ciSecrets`, and main's ruleset. It is the only stack that
 * holds a credential for the repository's settings or another environment's secrets;
 * it is applied from main, in a reviewed environment.
 */
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as yaml from "js-yaml";
import { environmentContracts, EnvironmentContract, secretNames } from "./access";
import type { Config } from "./schema";
import { isGithubReservedName } from "../components/github-environment";
import { providerToken } from "./integrations";
import { accessModel } from "./views";
import type { SettingsIssue } from "./errors";
import type { RepositorySettings, SettingsInput } from "./types";
import { DEFAULT_APPROVALS } from "../components/repository-protection";

/** The workflow whose jobs main's ruleset requires to pass. */
export const CI_WORKFLOW = path.join(".github", "workflows", "ci.yml");

/**
 * The status check names of a workflow: each job's `name` (or its id), as GitHub reports
 * them. A job that calls another workflow (the deploy after the tests) is not a check a
 * pull request could pass.
 */
export function workflowChecks(file: string): string[] {
  const doc = yaml.load(fs.readFileSync(file, "utf8")) as { jobs?: Record<string, { name?: string; uses?: string }> } | undefined;
  return Object.entries(doc?.jobs ?? {})
    .filter(([, job]) => job.uses === undefined)
    .map(([id, job]) => job.name ?? id);
}

/** `ciSecrets.<environment>.<NAME>`: each name must be a credential the environment's contract lists. */
export function checkCiSecrets(ns: string, contracts: EnvironmentContract[], secrets: Record<string, Record<string, string>>, issues: SettingsIssue[]): void {
  for (const [env, map] of Object.entries(secrets)) {
    const contract = contracts.find((c) => c.name === env);
    if (!contract) {
      issues.push({
        key: `${ns}ciSecrets.${env}`,
        message: `is not an environment the workflows use; expected one of ${contracts.map((c) => c.name).join(", ")}`,
      });
      continue;
    }
    const allowed = secretNames(contract);
    for (const name of Object.keys(map)) {
      if (isGithubReservedName(name)) {
        issues.push({
          key: `${ns}ciSecrets.${env}.${name}`,
          message: "is a name GitHub refuses for Actions secrets: letters, digits and _, not starting with a digit or GITHUB_",
        });
      } else if (!allowed.includes(name)) {
        issues.push({
          key: `${ns}ciSecrets.${env}.${name}`,
          message: `is not a credential of environment ${env}: expected one of ${allowed.join(", ")} (each environment holds only what its jobs read; see docs/credentials.md)`,
        });
      }
    }
  }
}

/** `github.variables.<environment>.<NAME>`: each a variable the environment's contract lists. */
export function checkVariables(ns: string, contracts: EnvironmentContract[], variables: Record<string, Record<string, string>>, issues: SettingsIssue[]): void {
  for (const [env, map] of Object.entries(variables)) {
    const contract = contracts.find((c) => c.name === env);
    const allowed = Object.keys(contract?.variables ?? {});
    const derived = Object.keys(contract?.values ?? {});
    const settable = allowed.filter((n) => !derived.includes(n));
    for (const name of Object.keys(map).filter((n) => !settable.includes(n))) {
      const why = derived.includes(name)
        ? `is set from the stack files (cloud): change the stack's cloud settings instead`
        : `is not a variable environment ${env} uses: expected ${settable.length ? `one of ${settable.join(", ")}` : "none"}`;
      issues.push({ key: `${ns}github.variables.${env}.${name}`, message: why });
    }
  }
}

/** Settings of the `github` stack. `ciSecrets` comes already parsed (environment → name → value). */
export function repositorySettings(
  input: SettingsInput,
  c: Config,
  ciSecrets: Record<string, Record<string, string>>,
  issues: SettingsIssue[],
): RepositorySettings {
  const ns = `${input.project}:`;
  const g = c.github ?? {};
  if (!g.repository) issues.push({ key: `${ns}github.repository`, message: "got nothing, expected owner/name of the app's repository, e.g. acme/web" });
  const [owner, repository] = (g.repository ?? "/").split("/");
  const reviewers = { users: g.reviewers?.users ?? [], teams: g.reviewers?.teams ?? [] };
  if (reviewers.users.length + reviewers.teams.length === 0) {
    issues.push({
      key: `${ns}github.reviewers`,
      message: "got none, expected at least one user or team: every production deploy and every change to the repository's settings waits for a reviewer",
    });
  }
  const admins = g.admins ? { users: g.admins.users ?? [], teams: g.admins.teams ?? [] } : reviewers;
  const model = accessModel(input.project, input.projectConfig ?? {}, { ...input.siblings, [input.stack]: input.config });
  const contracts = environmentContracts({ ...model, repository: g.repository ?? model.repository });
  checkCiSecrets(ns, contracts, ciSecrets, issues);
  checkVariables(ns, contracts, g.variables ?? {}, issues);
  let checks = g.requiredChecks;
  if (checks === undefined) {
    const file = path.join(input.workDir ?? process.cwd(), CI_WORKFLOW);
    if (fs.existsSync(file)) checks = workflowChecks(file);
    else
      issues.push({
        key: `${ns}github.requiredChecks`,
        message: `got nothing and there is no ${CI_WORKFLOW} to read them from, expected the status checks main requires, e.g. ["npm test"]`,
      });
  }
  return {
    role: "github",
    project: input.project,
    stack: input.stack,
    profile: "github",
    owner,
    repository,
    environments: contracts.map((contract) => ({
      contract,
      reviewers: contract.reviewed ? (contract.name === "repository-admin" ? admins : reviewers) : { users: [], teams: [] },
      secrets: Object.fromEntries(Object.entries(ciSecrets[contract.name] ?? {}).map(([k, v]) => [k, pulumi.secret(v)])),
      variables: { ...contract.values, ...g.variables?.[contract.name] },
    })),
    ruleset: { requiredChecks: checks ?? [], approvals: g.requiredApprovals ?? DEFAULT_APPROVALS },
    token: providerToken(input, "github", issues),
  };
}
