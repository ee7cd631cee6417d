/**
 * PreviewAccess: the cluster side of the preview contract, installed once per cluster by the
 * cluster stack. Pull request jobs hold no Kubernetes credential: the API server trusts
 * GitHub's OIDC tokens (its JWT authenticator, configured from `previewAuthentication`), and
 * each token names its pull request, so each preview has an identity of its own that lives
 * as long as the job's token. Namespaces are created per preview, so RBAC alone cannot name
 * them in advance; ValidatingAdmissionPolicies hold the rest:
 * - pull request <n> may create, change and delete only namespace `<prefix><n>`, labelled as
 *   a preview with the `restricted` Pod Security Standard at the pinned version, and bind
 *   there only the namespace role, only to itself (and the nightly sweeper);
 * - its guardrails (quota, container limits, network policies) go with the namespace: it may
 *   not delete them, nor write a network policy that opens other namespaces, private or
 *   link-local ranges (the metadata endpoint), nor a quota above the preview maximum;
 * - in any preview namespace, Ingress hosts are only `pr-<n>.<preview domain>`, Services only
 *   ClusterIP, and pods run only while the namespace's `default-deny` policy and quota exist;
 * - the sweeper (the scheduled job on main) may delete preview namespaces and nothing else.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import * as yaml from "js-yaml";
import { NON_PUBLIC_RANGES } from "./network-policies";

/** Namespace label naming the stack's profile. */
export const PROFILE_LABEL = "nextjs-infra/profile";

/** The Pod Security Standards version enforced: pinned, so a cluster upgrade never changes what is admitted unannounced. */
export const POD_SECURITY_VERSION = "v1.34";

/** Labels that make the API server enforce the `restricted` Pod Security Standard. */
export const RESTRICTED_POD_SECURITY: Readonly<Record<string, string>> = {
  "pod-security.kubernetes.io/enforce": "restricted",
  "pod-security.kubernetes.io/enforce-version": POD_SECURITY_VERSION,
  "pod-security.kubernetes.io/warn": "restricted",
  "pod-security.kubernetes.io/warn-version": POD_SECURITY_VERSION,
};

/** The groups the API server puts preview identities in, and the roles they hold. */
export const PREVIEW_ACCESS = {
  deployers: "nextjs-infra:preview-deployers",
  sweepers: "nextjs-infra:preview-sweepers",
  deployerRole: "nextjs-infra:preview-deployer",
  sweeperRole: "nextjs-infra:preview-sweeper",
  namespaceRole: "nextjs-infra:preview-namespace-admin",
  /** GitHub's OIDC issuer. */
  issuer: "https://token.actions.githubusercontent.com",
  /** The audience preview jobs request their token for. */
  audience: "nextjs-infra-preview",
} as const;

/** The Kubernetes username of pull request `pr`'s preview jobs in `repository` (`owner/name`). */
export function previewUsername(repository: string, pr: number): string {
  return `github:${repository}:preview:refs/pull/${pr}/merge`;
}

/** The Kubernetes username of the nightly sweep (the `preview` environment's jobs on main). */
export function sweeperUsername(repository: string): string {
  return `github:${repository}:preview:refs/heads/main`;
}

/** What a preview namespace may use at most. */
export interface NamespaceQuota {
  requests: { cpu: string; memory: string };
  limits: { cpu: string; memory: string };
  pods: number;
}

/** The preview quota: a few small pods, never more. */
export const PREVIEW_QUOTA: NamespaceQuota = { requests: { cpu: "1", memory: "2Gi" }, limits: { cpu: "3", memory: "4Gi" }, pods: 12 };

/** What a preview stack does inside its own namespace. */
export const PREVIEW_NAMESPACE_RULES: k8s.types.input.rbac.v1.PolicyRule[] = [
  {
    apiGroups: [""],
    resources: ["configmaps", "secrets", "services", "serviceaccounts", "persistentvolumeclaims", "resourcequotas", "limitranges"],
    verbs: ["get", "list", "watch", "create", "update", "patch", "delete"],
  },
  { apiGroups: [""], resources: ["pods", "pods/log", "events", "endpoints"], verbs: ["get", "list", "watch"] },
  { apiGroups: ["apps"], resources: ["deployments", "statefulsets", "replicasets"], verbs: ["get", "list", "watch", "create", "update", "patch", "delete"] },
  { apiGroups: ["batch"], resources: ["jobs"], verbs: ["get", "list", "watch", "create", "update", "patch", "delete"] },
  { apiGroups: ["networking.k8s.io"], resources: ["ingresses", "networkpolicies"], verbs: ["get", "list", "watch", "create", "update", "patch", "delete"] },
  { apiGroups: ["policy"], resources: ["poddisruptionbudgets"], verbs: ["get", "list", "watch", "create", "update", "patch", "delete"] },
  { apiGroups: ["autoscaling"], resources: ["horizontalpodautoscalers"], verbs: ["get", "list", "watch", "create", "update", "patch", "delete"] },
  { apiGroups: ["secrets.doppler.com"], resources: ["dopplersecrets"], verbs: ["get", "list", "watch", "create", "update", "patch", "delete"] },
];

/** Arguments of `PreviewAccess`. */
export interface PreviewAccessArgs {
  /** The app's repository, `owner/name`: only its pull requests' tokens are previews. */
  readonly repository: string;
  /** Preview namespaces are `<prefix><pull request number>`. @example "web-pr-" */
  readonly namespacePrefix: string;
  /** Previews are served on `pr-<n>.<previewDomain>` only. @example "preview.example.com" */
  readonly previewDomain: string;
  /** The most a preview namespace's quota may allow. @default PREVIEW_QUOTA */
  readonly maxQuota?: NamespaceQuota;
  /** Namespaces preview pods may send DNS to, by name. @default ["kube-system"] */
  readonly dnsNamespaces?: string[];
  /** Namespaces preview pods may receive traffic from, by name (ingress controllers). @default ["ingress-nginx"] */
  readonly ingressNamespaces?: string[];
  /** Address ranges no preview policy may open, besides private, shared and link-local ones (e.g. the cluster's pod and service ranges where they are public). @default [] */
  readonly blockedCidrs?: string[];
  /** Blocked ranges a preview policy may still name, when a block lies entirely inside one: NodeLocal DNSCache's address, a hostNetwork ingress controller's nodes. @default [] */
  readonly exemptCidrs?: string[];
  /** OIDC issuer of the pull request jobs' tokens. @default GitHub's */
  readonly issuer?: string;
  /** The audience those tokens are requested for. @default "nextjs-infra-preview" */
  readonly audience?: string;
  /** Protect what the cluster's previews depend on. @default false */
  readonly protect?: boolean;
}

/** Addresses a preview policy never opens: private, shared, loopback and link-local, IPv4 and IPv6. */
export const BLOCKED_RANGES = [...NON_PUBLIC_RANGES, "fc00::/7", "fe80::/10", "::1/128"];

/** A CEL string literal. */
const lit = (s: string) => `'${s.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
const list = (xs: readonly string[]) => `[${xs.map(lit).join(", ")}]`;

/**
 * The API server's JWT authenticator for preview jobs (an `AuthenticationConfiguration`,
 * `--authentication-config`): tokens of this repository's `preview` environment, for pull
 * requests (one user per pull request, in the deployers' group) or for main (the sweeper).
 */
export function previewAuthentication(
  args: Pick<PreviewAccessArgs, "repository" | "issuer" | "audience">,
  certificateAuthority?: string,
): Record<string, unknown> {
  const repo = lit(args.repository);
  return {
    apiVersion: "apiserver.config.k8s.io/v1",
    kind: "AuthenticationConfiguration",
    jwt: [
      {
        issuer: {
          url: args.issuer ?? PREVIEW_ACCESS.issuer,
          audiences: [args.audience ?? PREVIEW_ACCESS.audience],
          ...(certificateAuthority ? { certificateAuthority } : {}),
        },
        claimValidationRules: [
          { expression: `claims.repository == ${repo}`, message: `only ${args.repository}'s jobs are previews` },
          { expression: "has(claims.environment) && claims.environment == 'preview'", message: "only jobs in the preview environment are previews" },
          {
            expression: "claims.ref.matches('^refs/pull/[1-9][0-9]{0,8}/merge$') || claims.ref == 'refs/heads/main'",
            message: "a preview identity is a pull request's, or the sweep's on main",
          },
        ],
        claimMappings: {
          username: { expression: `'github:' + claims.repository + ':preview:' + claims.ref` },
          groups: { expression: `claims.ref == 'refs/heads/main' ? [${lit(PREVIEW_ACCESS.sweepers)}] : [${lit(PREVIEW_ACCESS.deployers)}]` },
          uid: { expression: "claims.sub" },
        },
      },
    ],
  };
}

type Validation = k8s.types.input.admissionregistration.v1.Validation;
type Variable = k8s.types.input.admissionregistration.v1.Variable;

/** CEL: an ipBlock that opens nothing blocked (entirely blocked, or covering a blocked range it does not except), unless it lies inside an exempt range. */
function ipBlockAllowed(blocked: readonly string[], exempt: readonly string[], b: string): string {
  const open =
    `!${list(blocked)}.exists(r, cidr(r).containsCIDR(cidr(${b}.cidr))) && ` +
    `${list(blocked)}.all(r, !cidr(${b}.cidr).containsCIDR(cidr(r)) || (has(${b}.except) && ${b}.except.exists(e, cidr(e).containsCIDR(cidr(r)))))`;
  return exempt.length > 0 ? `(${list(exempt)}.exists(x, cidr(x).containsCIDR(cidr(${b}.cidr))) || (${open}))` : open;
}

/** CEL: a peer is the namespace's own pods, a named namespace from `names`, or an allowed ipBlock. */
function peerAllowed(names: readonly string[], blocked: readonly string[], exempt: readonly string[], p: string): string {
  const byName = `has(${p}.namespaceSelector.matchLabels) && !has(${p}.namespaceSelector.matchExpressions) && 'kubernetes.io/metadata.name' in ${p}.namespaceSelector.matchLabels && ${p}.namespaceSelector.matchLabels['kubernetes.io/metadata.name'] in ${list(names)}`;
  return `(has(${p}.ipBlock) ? (${ipBlockAllowed(blocked, exempt, `${p}.ipBlock`)}) : (!has(${p}.namespaceSelector) || (${byName})))`;
}

/** The deployers' rules: their own namespace only, its labels pinned, bindings to themselves, guardrails kept. */
export function deployerValidations(a: PreviewAccessArgs): { variables: Variable[]; validations: Validation[] } {
  const max = a.maxQuota ?? PREVIEW_QUOTA;
  const blocked = [...BLOCKED_RANGES, ...(a.blockedCidrs ?? [])];
  const exempt = a.exemptCidrs ?? [];
  const dns = a.dnsNamespaces ?? ["kube-system"];
  const ingress = a.ingressNamespaces ?? ["ingress-nginx"];
  const labels = { [PROFILE_LABEL]: "preview", ...RESTRICTED_POD_SECURITY };
  const hasLabels = Object.entries(labels)
    .map(([k, v]) => `${lit(k)} in object.metadata.labels && object.metadata.labels[${lit(k)}] == ${lit(v)}`)
    .join(" && ");
  const quota = (key: string, value: string) =>
    `${lit(key)} in object.spec.hard && quantity(object.spec.hard[${lit(key)}]).compareTo(quantity(${lit(value)})) <= 0`;
  return {
    variables: [
      { name: "ref", expression: "request.userInfo.username.find('refs/pull/[1-9][0-9]{0,8}/merge$')" },
      { name: "own", expression: `variables.ref == '' ? '' : ${lit(a.namespacePrefix)} + variables.ref.split('/')[2]` },
      { name: "target", expression: "request.resource.resource == 'namespaces' ? request.name : request.namespace" },
      { name: "writes", expression: "request.operation != 'DELETE'" },
    ],
    validations: [
      { expression: "variables.own != ''", message: "a preview identity acts for one pull request (its username names refs/pull/<n>/merge)" },
      {
        expression: "variables.target == variables.own",
        messageExpression: "'pull request ' + variables.ref.split('/')[2] + ' may act only in namespace ' + variables.own + ', not ' + variables.target",
      },
      {
        expression: `request.resource.resource != 'namespaces' || !variables.writes || (has(object.metadata.labels) && ${hasLabels})`,
        message: `a preview namespace carries ${Object.entries(labels)
          .map(([k, v]) => `${k}=${v}`)
          .join(", ")}, always`,
      },
      {
        expression: `request.resource.resource != 'rolebindings' || !variables.writes || (object.roleRef.kind == 'ClusterRole' && object.roleRef.name == ${lit(PREVIEW_ACCESS.namespaceRole)} && object.subjects.all(s, s.kind == 'User' && (s.name == request.userInfo.username || s.name == ${lit(sweeperUsername(a.repository))})))`,
        message: `a preview binds only ${PREVIEW_ACCESS.namespaceRole}, only to its own identity (and the sweeper's)`,
      },
      {
        expression: "!(request.resource.resource in ['networkpolicies', 'resourcequotas', 'limitranges']) || variables.writes",
        message: "a preview's guardrails (network policies, quota, limits) go only with its namespace",
      },
      {
        expression: `request.resource.resource != 'resourcequotas' || !variables.writes || (${[quota("requests.cpu", max.requests.cpu), quota("requests.memory", max.requests.memory), quota("limits.cpu", max.limits.cpu), quota("limits.memory", max.limits.memory), quota("pods", String(max.pods))].join(" && ")})`,
        message: `a preview's quota states requests.cpu, requests.memory, limits.cpu, limits.memory and pods, at most ${max.requests.cpu}, ${max.requests.memory}, ${max.limits.cpu}, ${max.limits.memory} and ${max.pods}`,
      },
      {
        expression:
          "request.resource.resource != 'networkpolicies' || !variables.writes || object.metadata.name != 'default-deny' || " +
          "((!has(object.spec.podSelector.matchLabels) || size(object.spec.podSelector.matchLabels) == 0) && !has(object.spec.podSelector.matchExpressions) && " +
          "'Ingress' in object.spec.policyTypes && 'Egress' in object.spec.policyTypes && (!has(object.spec.ingress) || size(object.spec.ingress) == 0) && (!has(object.spec.egress) || size(object.spec.egress) == 0))",
        message: "default-deny selects every pod and allows nothing, in and out",
      },
      {
        expression: `request.resource.resource != 'networkpolicies' || !variables.writes || !has(object.spec.egress) || object.spec.egress.all(r, has(r.to) && size(r.to) > 0 && r.to.all(p, ${peerAllowed(dns, blocked, exempt, "p")}))`,
        message: `a preview's egress goes only to its own pods, DNS in ${dns.join(", ")}, or public addresses (never private, shared or link-local ranges: the metadata endpoint is 169.254.169.254)`,
      },
      {
        expression: `request.resource.resource != 'networkpolicies' || !variables.writes || !has(object.spec.ingress) || object.spec.ingress.all(r, has(r.from) && size(r.from) > 0 && r.from.all(p, ${peerAllowed(ingress, blocked, exempt, "p")}))`,
        message: `a preview's ingress comes only from its own pods, ${ingress.join(", ")}, or public addresses`,
      },
    ],
  };
}

/** Rules for everything in a preview namespace, whoever writes it: hosts, Services, snippets. */
export function namespaceValidations(a: PreviewAccessArgs): Validation[] {
  const host = `'pr-' + request.namespace.substring(${a.namespacePrefix.length}) + '.' + ${lit(a.previewDomain)}`;
  return [
    {
      expression: `request.resource.resource != 'ingresses' || (request.namespace.startsWith(${lit(a.namespacePrefix)}) && !has(object.spec.defaultBackend) && (!has(object.spec.rules) || object.spec.rules.all(r, has(r.host) && r.host == ${host})) && (!has(object.spec.tls) || object.spec.tls.all(t, has(t.hosts) && t.hosts.all(h, h == ${host}))))`,
      messageExpression: `'a preview serves only ' + ${host} + ' (rules and TLS hosts, no default backend)'`,
    },
    {
      expression:
        "request.resource.resource != 'ingresses' || !has(object.metadata.annotations) || !object.metadata.annotations.exists(k, k.contains('snippet'))",
      message: "a preview's Ingress carries no configuration snippets for the shared controller",
    },
    {
      expression: "request.resource.resource != 'services' || ((!has(object.spec.type) || object.spec.type == 'ClusterIP') && !has(object.spec.externalIPs))",
      message: "a preview's Services are ClusterIP only (no LoadBalancer, NodePort, ExternalName or external IPs)",
    },
    {
      expression:
        "request.resource.resource != 'pods' || !has(object.spec.priorityClassName) || !(object.spec.priorityClassName in ['nextjs-infra-production', 'system-cluster-critical', 'system-node-critical'])",
      message: "a preview's pods never take production's (or the system's) priority: they would preempt them",
    },
  ];
}

/** A policy and its binding. */
function admission(
  name: string,
  parent: pulumi.Resource,
  spec: k8s.types.input.admissionregistration.v1.ValidatingAdmissionPolicySpec,
  binding: Partial<k8s.types.input.admissionregistration.v1.ValidatingAdmissionPolicyBindingSpec> = {},
): void {
  const policy = new k8s.admissionregistration.v1.ValidatingAdmissionPolicy(
    `${name}`,
    { metadata: { name }, spec: { failurePolicy: "Fail", ...spec } },
    { parent },
  );
  new k8s.admissionregistration.v1.ValidatingAdmissionPolicyBinding(
    `${name}-binding`,
    { metadata: { name }, spec: { policyName: policy.metadata.name, validationActions: ["Deny"], ...binding } },
    { parent },
  );
}

const rule = (apiGroups: string[], resources: string[], operations: string[] = ["CREATE", "UPDATE", "DELETE"]) => ({
  apiGroups,
  apiVersions: ["v1"],
  operations,
  resources,
});
const previewNamespaces = { matchLabels: { [PROFILE_LABEL]: "preview" } };

/** The preview contract on the cluster: roles for the OIDC identities, and the admission policies that hold them. */
export class PreviewAccess extends pulumi.ComponentResource {
  /** The API server's JWT authenticator for preview jobs, as YAML (`--authentication-config`). */
  readonly authentication: pulumi.Output<string>;

  constructor(name: string, args: PreviewAccessArgs, opts?: pulumi.ComponentResourceOptions) {
    super("nextjs-infra:cluster:PreviewAccess", name, {}, opts);
    if (!/^[a-z0-9]([-a-z0-9]*-)?$/.test(args.namespacePrefix))
      throw new pulumi.ResourceError(`\`namespacePrefix\` got "${args.namespacePrefix}", expected a DNS label prefix ending in '-', e.g. "web-pr-"`, this);
    const child = { parent: this, protect: args.protect };
    const p = PREVIEW_ACCESS;
    const clusterRole = (id: string, roleName: string, rules: k8s.types.input.rbac.v1.PolicyRule[]) =>
      new k8s.rbac.v1.ClusterRole(`${name}-${id}`, { metadata: { name: roleName }, rules }, child);
    const bindGroup = (id: string, role: k8s.rbac.v1.ClusterRole, group: string) =>
      new k8s.rbac.v1.ClusterRoleBinding(
        `${name}-${id}-binding`,
        {
          metadata: { name: `${p.deployerRole}-${id}` },
          roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role.metadata.name },
          subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: group }],
        },
        child,
      );
    clusterRole("namespace-role", p.namespaceRole, PREVIEW_NAMESPACE_RULES);
    const deployer = clusterRole("deployer", p.deployerRole, [
      // list and watch: the provider waits on a namespace's deletion by watching it (namespace names are all they show).
      { apiGroups: [""], resources: ["namespaces"], verbs: ["get", "list", "watch", "create", "update", "patch", "delete"] },
      { apiGroups: ["rbac.authorization.k8s.io"], resources: ["rolebindings"], verbs: ["get", "create", "update", "patch", "delete"] },
      { apiGroups: ["rbac.authorization.k8s.io"], resources: ["clusterroles"], verbs: ["bind"], resourceNames: [p.namespaceRole] },
    ]);
    const sweeper = clusterRole("sweeper", p.sweeperRole, [{ apiGroups: [""], resources: ["namespaces"], verbs: ["get", "list", "watch", "delete"] }]);
    bindGroup("deployers", deployer, p.deployers);
    bindGroup("sweepers", sweeper, p.sweepers);

    const { variables, validations } = deployerValidations(args);
    admission(`${name}-deployers`, this, {
      matchConstraints: {
        resourceRules: [
          rule([""], ["namespaces", "resourcequotas", "limitranges"]),
          rule(["rbac.authorization.k8s.io"], ["rolebindings"]),
          rule(["networking.k8s.io"], ["networkpolicies"]),
        ],
      },
      matchConditions: [{ name: "preview-deployers", expression: `${lit(p.deployers)} in request.userInfo.groups` }],
      variables,
      validations,
    });
    admission(`${name}-sweepers`, this, {
      matchConstraints: { resourceRules: [rule([""], ["namespaces"])] },
      matchConditions: [{ name: "preview-sweepers", expression: `${lit(p.sweepers)} in request.userInfo.groups` }],
      validations: [
        {
          expression: `request.operation == 'DELETE' && request.name.startsWith(${lit(args.namespacePrefix)}) && has(oldObject.metadata.labels) && ${lit(PROFILE_LABEL)} in oldObject.metadata.labels && oldObject.metadata.labels[${lit(PROFILE_LABEL)}] == 'preview'`,
          message: "the sweeper only deletes preview namespaces",
        },
      ],
    });
    admission(`${name}-namespaces`, this, {
      matchConstraints: {
        namespaceSelector: previewNamespaces,
        resourceRules: [
          rule(["networking.k8s.io"], ["ingresses"], ["CREATE", "UPDATE"]),
          rule([""], ["services"], ["CREATE", "UPDATE"]),
          rule([""], ["pods"], ["CREATE"]),
        ],
      },
      validations: namespaceValidations(args),
    });
    // Pods (created by controllers, so whoever asks) need the namespace's guardrails: the policies look them up as parameters.
    const pods = { namespaceSelector: previewNamespaces, resourceRules: [rule([""], ["pods"], ["CREATE"])] };
    admission(
      `${name}-pods-default-deny`,
      this,
      {
        paramKind: { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy" },
        matchConstraints: pods,
        validations: [
          {
            expression:
              "'Ingress' in params.spec.policyTypes && 'Egress' in params.spec.policyTypes && (!has(params.spec.ingress) || size(params.spec.ingress) == 0) && (!has(params.spec.egress) || size(params.spec.egress) == 0)",
            message: "a preview runs pods only behind its default-deny network policy",
          },
        ],
      },
      { paramRef: { name: "default-deny", parameterNotFoundAction: "Deny" } },
    );
    admission(
      `${name}-pods-quota`,
      this,
      {
        paramKind: { apiVersion: "v1", kind: "ResourceQuota" },
        matchConstraints: pods,
        validations: [{ expression: "has(params.spec.hard)", message: "a preview runs pods only within its quota" }],
      },
      { paramRef: { name: "quota", parameterNotFoundAction: "Deny" } },
    );
    this.authentication = pulumi.output(yaml.dump(previewAuthentication(args)));
    this.registerOutputs({ authentication: this.authentication });
  }
}
