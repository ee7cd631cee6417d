/**
 * Who can reach what. The GitHub Actions environments the workflows run in, derived from
 * the committed stacks: what each one admits (main only, or any branch; reviewed or not),
 * every credential it holds and what that credential can do. The repository stack
 * (`github`) creates the environments from this contract and refuses a secret it does not
 * list; the tests join it with the workflows to prove what a pull request, a drift job or
 * a stolen deploy credential can reach; the README's credential table is generated from it.
 *
 * A credential's reach is a list of grants, each on a resource some stacks own. A pull
 * request may reach only what previews own: that is the rule the tests hold.
 */
import { type ExternalNames, readEnvironment, SHARED_ENVIRONMENTS } from "./names";
import type { AppProfile } from "./profiles";

/** `read` sees, `write` changes, `admin` changes who may do what. */
export type Access = "read" | "write" | "admin";
export const ACCESS_ORDER: readonly Access[] = ["read", "write", "admin"];

/** The owner name of everything previews own (every `pr-<n>` stack). */
export const PREVIEWS = "pr-*";
/** The owner name of the repository's settings, environments and rulesets. */
export const REPOSITORY = "github";

/** One thing a credential can do. */
export interface Grant {
  service: "pulumi" | "kubernetes" | "neon" | "doppler" | "github" | "registry" | "sentry";
  /** The resource, as a person would name it: `stack dev`, `namespace web-dev`. */
  resource: string;
  access: Access;
  /** Stacks (or `pr-*`, `github`) whose resources or data the grant reaches. */
  owners: string[];
}

/** A credential an environment holds: a secret, or an identity its jobs obtain by OIDC. */
export interface Credential {
  name: string;
  /** How it is obtained: a static secret, or a short-lived token by OIDC (nothing stored). */
  kind: "secret" | "oidc";
  /** What it must be, for the person who creates it (the narrowest form the service offers). */
  is: string;
  grants: Grant[];
  /** When it is needed, if not always: a self-managed Pulumi backend, a Sentry project. */
  optional?: string;
}

/** One GitHub Actions environment and everything in it. */
export interface EnvironmentContract {
  name: string;
  /** What it is for. */
  purpose: string;
  /** `main`: only runs of main may use it (a branch cannot, however it edits its workflows). */
  branches: "main" | "any";
  /** Every job in it waits for a reviewer; admins cannot skip the review. */
  reviewed: boolean;
  /** The stack whose Pulumi access the environment holds (`pr-*` for previews). */
  stack: string;
  credentials: Credential[];
  /** Plain environment variables its jobs read (not credentials: addresses, certificates), with what each is. */
  variables?: Record<string, string>;
  /** Variables whose value the contract itself sets (the cloud identity), by name. */
  values?: Record<string, string>;
}

/** Where a stack runs, as its environments see it: the provider and the `CLOUD` variable of each environment. */
export interface CloudView {
  provider: string;
  /** What its identities are (an IAM role, a service account, a client ID). */
  identity: string;
  /** The deploy environment's variable, and the read-only twin's (long-lived stacks). */
  deploy?: string;
  read?: string;
}

/** What the contract needs to know of one long-lived app stack. */
export interface StackView {
  stack: string;
  profile: AppProfile;
  names: ExternalNames;
  /** The Neon project its branch lives in. */
  neonProjectId?: string;
  /** The Doppler project of its config. */
  dopplerProject?: string;
  /** Where it runs, when CI reaches it through a cloud identity. */
  cloud?: CloudView;
}

/** What the contract is derived from: the committed stacks and the project's shared settings. */
export interface AccessModel {
  appName: string;
  /** `owner/name`. */
  repository: string;
  /** Long-lived app stacks with a GitHub environment (dev and prod profiles). */
  stacks: StackView[];
  /** What every preview stack shares: its Neon project, Doppler environment, namespace prefix. */
  preview: { neonProjectId?: string; dopplerProject?: string; dopplerEnvironment: string; namespacePrefix: string; enabled: boolean; cloud?: CloudView };
  /** Where dev-profile stacks push, and where previews push. */
  images: { repository?: string; previewRepository?: string };
  /** The Sentry organization releases go to, when set. */
  sentryOrg?: string;
}

const SELF_MANAGED = "self-managed backend only";

/** The stacks whose branches live in a Neon project (previews as `pr-*`). */
function neonOwners(m: AccessModel, projectId: string | undefined): string[] {
  if (projectId === undefined) return [];
  const owners = m.stacks.filter((s) => s.neonProjectId === projectId).map((s) => s.stack);
  return m.preview.enabled && m.preview.neonProjectId === projectId ? [...owners, PREVIEWS] : owners;
}

/** The stacks that run images from a repository: dev-profile stacks build into it, prod-profile stacks deploy their digests. */
function registryOwners(m: AccessModel, repository: string | undefined): string[] {
  if (repository === undefined) return [];
  if (repository === m.images.previewRepository) return [PREVIEWS];
  return m.stacks.map((s) => s.stack);
}

const pulumiGrant = (stack: string, access: Access): Grant => ({ service: "pulumi", resource: `stack ${stack}`, access, owners: [stack] });

/** The credentials of one long-lived stack's environment (`deploy`) or of its read-only twin (`read`). */
function stackCredentials(m: AccessModel, s: StackView, mode: "deploy" | "read"): Credential[] {
  const write = mode === "deploy";
  const ns = s.names.namespace;
  const doppler = `${s.dopplerProject ?? "?"}/${s.names.doppler.config}`;
  const credentials: Credential[] = [
    {
      name: "PULUMI",
      kind: "oidc",
      is: `a Pulumi Cloud team token for stack ${s.stack} (${write ? "write" : "read"}), exchanged from the environment's OIDC token`,
      grants: [pulumiGrant(s.stack, write ? "write" : "read")],
    },
    {
      name: "PULUMI_CONFIG_PASSPHRASE",
      kind: "secret",
      optional: SELF_MANAGED,
      is: `the passphrase of stack ${s.stack} alone (self-managed backends with the passphrase provider)`,
      grants: [pulumiGrant(s.stack, "read")],
    },
    s.cloud
      ? {
          name: "CLOUD",
          kind: "oidc",
          is: `its own cloud identity, ${s.cloud.identity} (the \`CLOUD\` variable names it), which may ${write ? `deploy into namespace ${ns}` : `only read namespace ${ns}`}${write && s.profile === "dev" ? ` and push to ${m.images.repository ?? "image.repository"}` : ""}, nothing else`,
          grants: [
            { service: "kubernetes", resource: `namespace ${ns}`, access: write ? "write" : "read", owners: [s.stack] },
            ...(write && s.profile === "dev" ? [registryGrant(m)] : []),
          ],
        }
      : {
          name: "KUBE_CONFIG",
          kind: "secret",
          is: write ? `a kubeconfig whose identity may deploy into namespace ${ns} only` : `a kubeconfig whose identity may only read namespace ${ns}`,
          grants: [{ service: "kubernetes", resource: `namespace ${ns}`, access: write ? "write" : "read", owners: [s.stack] }],
        },
    {
      name: "NEON_API_KEY",
      kind: "secret",
      // Neon has no read-only keys: the narrowest is scoped to one project.
      is: `a project-scoped API key of Neon project ${s.neonProjectId ?? "?"} (Neon has no read-only keys)`,
      grants: [{ service: "neon", resource: `project ${s.neonProjectId ?? "?"}`, access: "write", owners: neonOwners(m, s.neonProjectId) }],
    },
    {
      name: "DOPPLER_TOKEN",
      kind: "secret",
      is: `a Doppler service token of config ${doppler} (${write ? "read/write" : "read-only"})`,
      grants: [{ service: "doppler", resource: `config ${doppler}`, access: write ? "write" : "read", owners: [s.stack] }],
    },
  ];
  if (write) {
    credentials.push({
      name: "SENTRY_AUTH_TOKEN",
      kind: "secret",
      optional: "with sentry.org and sentry.project",
      is: `a Sentry organization token (scope org:ci: releases and source maps only) of ${m.sentryOrg ?? "sentry.org"}: ${s.profile === "dev" ? "the build uploads source maps, and " : ""}the deploy records its release; Sentry has no narrower token, so it writes every stack's releases`,
      grants: [
        { service: "sentry", resource: `organization ${m.sentryOrg ?? "?"} releases and source maps`, access: "write", owners: m.stacks.map((x) => x.stack) },
      ],
    });
  }
  if (write && s.profile === "dev" && !s.cloud) {
    credentials.push({
      name: "REGISTRY_TOKEN",
      kind: "secret",
      is: `a token that may push to ${m.images.repository ?? "image.repository"} (and its build cache)`,
      grants: [registryGrant(m)],
    });
  }
  return credentials;
}

/** Pushing to the repository main's builds go to (and production promotes from). */
const registryGrant = (m: AccessModel): Grant => ({
  service: "registry",
  resource: `repository ${m.images.repository ?? "?"}`,
  access: "write",
  owners: registryOwners(m, m.images.repository),
});

/** The preview environment: what every pull request's preview job holds. */
function previewCredentials(m: AccessModel): Credential[] {
  const p = m.preview;
  const configs = `${p.dopplerProject ?? "?"}/${p.dopplerEnvironment}_pr_*`;
  return [
    {
      name: "PULUMI",
      kind: "oidc",
      is: "a Pulumi Cloud team token for the pr-* stacks only, exchanged from the environment's OIDC token",
      grants: [pulumiGrant(PREVIEWS, "write")],
    },
    {
      name: "PULUMI_CONFIG_PASSPHRASE",
      kind: "secret",
      optional: SELF_MANAGED,
      is: "the passphrase of the pr-* stacks (self-managed backends)",
      grants: [pulumiGrant(PREVIEWS, "read")],
    },
    {
      name: "KUBERNETES",
      kind: "oidc",
      is: `the job's own GitHub OIDC token: the cluster's JWT authenticator makes it pull request <n>'s identity, which may act only in namespace ${p.namespacePrefix}<n> (the sweep's on main may only delete preview namespaces)`,
      grants: [{ service: "kubernetes", resource: `namespace ${p.namespacePrefix}<its own pull request>`, access: "write", owners: [PREVIEWS] }],
    },
    {
      name: "NEON_API_KEY",
      kind: "secret",
      is: `a project-scoped API key of the previews' own Neon project ${p.neonProjectId ?? "?"}`,
      grants: [{ service: "neon", resource: `project ${p.neonProjectId ?? "?"}`, access: "write", owners: neonOwners(m, p.neonProjectId) }],
    },
    {
      name: "DOPPLER_TOKEN",
      kind: "secret",
      is: `a Doppler service account token limited to environment ${p.dopplerEnvironment} (the previews' own)`,
      grants: [{ service: "doppler", resource: `configs ${configs}`, access: "write", owners: [PREVIEWS] }],
    },
    ...(p.cloud
      ? [
          {
            name: "CLOUD",
            kind: "oidc" as const,
            is: `the previews' own cloud identity, ${p.cloud.identity} (the \`CLOUD\` variable names it), which may push to ${m.images.previewRepository ?? "?"} only`,
            grants: [
              {
                service: "registry" as const,
                resource: `repository ${m.images.previewRepository ?? "?"}`,
                access: "write" as const,
                owners: registryOwners(m, m.images.previewRepository),
              },
            ],
          },
        ]
      : []),
  ];
}

/** The repository stack's environment: the only place a repository-admin credential lives. */
function adminCredentials(m: AccessModel): Credential[] {
  return [
    { name: "PULUMI", kind: "oidc", is: `a Pulumi Cloud team token for stack ${REPOSITORY} (write)`, grants: [pulumiGrant(REPOSITORY, "write")] },
    {
      name: "PULUMI_CONFIG_PASSPHRASE",
      kind: "secret",
      optional: SELF_MANAGED,
      is: `the passphrase of stack ${REPOSITORY} alone (self-managed backends)`,
      grants: [pulumiGrant(REPOSITORY, "read")],
    },
    {
      name: "ADMIN_APP_PRIVATE_KEY",
      kind: "secret",
      is: `the private key of a GitHub App installed on ${m.repository} only, with Administration, Environments and Secrets write; jobs mint a one-hour installation token from it`,
      grants: [{ service: "github", resource: `repository ${m.repository} settings`, access: "admin", owners: [REPOSITORY] }],
    },
  ];
}

/** The `CLOUD` variable of an environment whose stack runs on a cloud: set by the contract, read by the setup action. */
function cloudVariables(value: string | undefined): Pick<EnvironmentContract, "variables" | "values"> {
  return value === undefined
    ? {}
    : { variables: { CLOUD: "the cloud identity the setup action logs in with (set from the stack file's `cloud`)" }, values: { CLOUD: value } };
}

/** Every environment the workflows use, with its contract. */
export function environmentContracts(m: AccessModel): EnvironmentContract[] {
  const out: EnvironmentContract[] = [];
  for (const s of m.stacks) {
    const env = s.names.githubEnvironment;
    if (env === undefined) continue;
    const production = s.names.production;
    out.push({
      name: env,
      purpose: `deploys ${s.stack}${production ? " (after a reviewer approves)" : ""}`,
      branches: "main",
      reviewed: s.profile === "prod",
      stack: s.stack,
      credentials: stackCredentials(m, s, "deploy"),
      ...cloudVariables(s.cloud?.deploy),
    });
    out.push({
      name: readEnvironment(env),
      purpose: `plans and drift checks of ${s.stack}: nothing in it can write`,
      branches: "main",
      reviewed: false,
      stack: s.stack,
      credentials: stackCredentials(m, s, "read"),
      ...cloudVariables(s.cloud?.read),
    });
  }
  if (m.preview.enabled) {
    out.push({
      name: SHARED_ENVIRONMENTS.preview,
      purpose: "a stack per pull request, and the nightly sweep",
      branches: "any",
      reviewed: false,
      stack: PREVIEWS,
      credentials: previewCredentials(m),
      variables: {
        KUBE_SERVER: "the API server's URL",
        KUBE_CA: "the API server's CA certificate (PEM)",
        ...cloudVariables(m.preview.cloud?.deploy).variables,
      },
      values: cloudVariables(m.preview.cloud?.deploy).values,
    });
  }
  out.push({
    name: SHARED_ENVIRONMENTS.admin,
    purpose: "the repository stack: environments, their secrets, main's ruleset",
    branches: "main",
    reviewed: true,
    stack: REPOSITORY,
    credentials: adminCredentials(m),
  });
  return out;
}

/** Secret names (what GitHub stores) of a contract; OIDC identities store nothing. */
export function secretNames(env: EnvironmentContract): string[] {
  return env.credentials.filter((c) => c.kind === "secret").map((c) => c.name);
}

/** Which repository each of the workflow token's permissions writes, and who owns it. */
function tokenGrant(m: AccessModel, permission: string): Grant {
  if (permission === "packages")
    return {
      service: "registry",
      resource: `repository ${m.images.previewRepository ?? "?"} (the only package this repository's Actions may write)`,
      access: "write",
      owners: [PREVIEWS],
    };
  if (permission === "contents")
    return { service: "github", resource: `${m.repository} branches other than main (main's ruleset refuses the rest)`, access: "write", owners: [] };
  return { service: "github", resource: `${m.repository} ${permission}`, access: "write", owners: [] };
}

/**
 * The workflow's own token, with the write permissions given (a job's `permissions:`).
 * Without a list: the most any workflow on any branch can ask for, since a branch can edit
 * its workflows. The repository stack keeps it read-only by default and unable to approve
 * pull requests; it never reaches the repository's settings or another stack.
 */
export function workflowToken(m: AccessModel, writes: string[] = ["contents", "packages", "issues", "pull-requests", "deployments", "actions"]): Credential {
  return {
    name: "GITHUB_TOKEN",
    kind: "oidc",
    is: "the workflow's own one-job token; repository settings keep it read-only by default and unable to approve pull requests",
    grants: writes.map((p) => tokenGrant(m, p)),
  };
}

/**
 * What a stack's config holds: for an app stack, the secure entries committed in its stack
 * file (by their meaning: `neonApiKey` is its NEON_API_KEY); the repository stack holds
 * every environment's credentials by design. Whoever can read a stack can decrypt them.
 */
export function configCredentials(contracts: EnvironmentContract[], owner: string, secureKeys: readonly string[]): Credential[] {
  if (owner === REPOSITORY) return contracts.flatMap((c) => c.credentials);
  const own = contracts.find((c) => c.stack === owner && !c.name.endsWith("-read"));
  const names = secureKeys.map((k) => SECRET_CONFIG_CREDENTIALS[k.replace(/^nextjs-infra:/, "")] ?? k);
  return (own?.credentials ?? []).filter((c) => names.includes(c.name));
}

/** Which credential a secret config key of an app stack is. */
const SECRET_CONFIG_CREDENTIALS: Readonly<Record<string, string>> = {
  neonApiKey: "NEON_API_KEY",
  registryPassword: "REGISTRY_TOKEN",
  "doppler:dopplerToken": "DOPPLER_TOKEN",
};

const grantKey = (g: Grant) => `${g.service} ${g.resource} ${g.access}`;

/**
 * Everything reachable from some credentials: their grants, and through every Pulumi
 * stack a grant can read, what that stack's config holds (`configOf`), recursively.
 */
export function reachOf(contracts: EnvironmentContract[], start: Credential[], secureKeysOf: (stack: string) => readonly string[] = () => []): Grant[] {
  const seen = new Map<string, Grant>();
  const visitedStacks = new Set<string>();
  const queue = start.flatMap((c) => c.grants);
  while (queue.length > 0) {
    const g = queue.shift()!;
    if (seen.has(grantKey(g))) continue;
    seen.set(grantKey(g), g);
    if (g.service !== "pulumi") continue;
    for (const owner of g.owners.filter((o) => !visitedStacks.has(o))) {
      visitedStacks.add(owner);
      queue.push(...configCredentials(contracts, owner, secureKeysOf(owner)).flatMap((c) => c.grants));
    }
  }
  return [...seen.values()];
}

/** The credentials a branch that is not main obtains, however it edits its workflows: unreviewed environments open to any branch, and the workflow token. */
export function pullRequestCredentials(m: AccessModel, contracts: EnvironmentContract[]): Credential[] {
  return [...contracts.filter((c) => c.branches === "any" && !c.reviewed).flatMap((c) => c.credentials), workflowToken(m)];
}

/** Grants that reach anything previews do not own: what a pull request must never hold. */
export function beyondPreviews(grants: Grant[]): Grant[] {
  return grants.filter((g) => g.owners.some((o) => o !== PREVIEWS));
}
