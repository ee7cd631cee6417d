/**
 * AppNamespace: the stack's namespace, created first so the database and the app can
 * both live in it, with the guardrails every namespace carries:
 * - Pod Security Admission enforces the `restricted` standard at a pinned version, so the
 *   API server itself refuses a pod that is not hardened the way our invariants say;
 * - NetworkPolicies deny all traffic by default and allow DNS; the components open what
 *   they need (the app: its ingress controller, HTTPS and Postgres egress);
 * - optionally (previews) a ResourceQuota and LimitRange, so unreviewed code cannot take
 *   the cluster's capacity.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { created, Transform } from "./transform";
import { NamespaceQuota, PREVIEW_ACCESS, PROFILE_LABEL, RESTRICTED_POD_SECURITY } from "./preview-access";

/** Arguments of `AppNamespace`. */
export interface AppNamespaceArgs {
  /** Physical name, from the naming helper. **Changing it replaces the namespace and everything in it.** @example "web-dev" */
  readonly name: string;
  /** The stack's profile, written as the PROFILE_LABEL label (the policy pack keys on it). */
  readonly profile: string;
  /** Extra labels. @default {} */
  readonly labels?: Record<string, string>;
  /** Protect the namespace (and so everything in it) from `pulumi destroy`. @default false */
  readonly protect?: boolean;
  /** A quota and container defaults for the whole namespace. @default none */
  readonly quota?: NamespaceQuota;
  /**
   * A preview: bind the namespace role to these users (the pull request's own identity and
   * the sweeper's, see `PreviewAccess`) first of all, so a job with only that identity can
   * deploy here and nowhere else; and leave the guardrails to go with the namespace (the
   * cluster refuses their deletion by a preview identity).
   * @default none
   */
  readonly previewAccess?: { users: string[] };
  /**
   * Where pods may send DNS: namespaces, and addresses outside any (NodeLocal DNSCache's
   * 169.254.20.10, a resolver on the node). @default { namespaces: ["kube-system"], ports: [53] } (OpenShift: `openshift-dns`, 5353)
   */
  readonly dns?: { namespaces: string[]; ports: number[]; cidrs?: string[] };
  /** Per-child escape hatches. */
  readonly transform?: {
    namespace?: Transform<k8s.core.v1.NamespaceArgs>;
    networkPolicy?: Transform<k8s.networking.v1.NetworkPolicyArgs>;
    resourceQuota?: Transform<k8s.core.v1.ResourceQuotaArgs>;
    limitRange?: Transform<k8s.core.v1.LimitRangeArgs>;
  };
}

/** The stack's namespace and its guardrails. */
export class AppNamespace extends pulumi.ComponentResource {
  /** The namespace name, resolved once the namespace and its default-deny policy exist. */
  readonly name: pulumi.Output<string>;
  /** The namespace itself, for `dependsOn`. */
  readonly namespace: k8s.core.v1.Namespace;

  constructor(name: string, args: AppNamespaceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("nextjs-infra:app:AppNamespace", name, {}, opts);
    const t = args.transform ?? {};
    this.namespace = created(
      k8s.core.v1.Namespace,
      `${name}-namespace`,
      { metadata: { name: args.name, labels: { ...args.labels, [PROFILE_LABEL]: args.profile, ...RESTRICTED_POD_SECURITY } } },
      { parent: this, protect: args.protect },
      t.namespace,
    );
    const namespace = this.namespace.metadata.name;
    // A preview's identity may not delete its guardrails: they go with the namespace.
    const withNamespace = args.previewAccess ? { deletedWith: this.namespace } : {};
    const binding = args.previewAccess
      ? new k8s.rbac.v1.RoleBinding(
          `${name}-preview-deployer`,
          {
            metadata: { name: "preview-deployer", namespace },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: PREVIEW_ACCESS.namespaceRole },
            subjects: args.previewAccess.users.map((user) => ({ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: user })),
          },
          { parent: this, dependsOn: [this.namespace], ...withNamespace },
        )
      : undefined;
    // Everything in the namespace comes after the binding that lets the preview's identity create it.
    const child = { parent: this, dependsOn: binding ? [this.namespace, binding] : [this.namespace], ...withNamespace };
    const guards: pulumi.Resource[] = [
      ...(binding ? [binding] : []),
      created(
        k8s.networking.v1.NetworkPolicy,
        `${name}-default-deny`,
        { metadata: { name: "default-deny", namespace }, spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] } },
        child,
        t.networkPolicy,
      ),
      created(
        k8s.networking.v1.NetworkPolicy,
        `${name}-allow-dns`,
        {
          metadata: { name: "allow-dns", namespace },
          spec: {
            podSelector: {},
            policyTypes: ["Egress"],
            egress: [
              {
                to: [
                  ...(args.dns?.namespaces ?? ["kube-system"]).map((n) => ({ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": n } } })),
                  ...(args.dns?.cidrs ?? []).map((cidr) => ({ ipBlock: { cidr } })),
                ],
                ports: (args.dns?.ports ?? [53]).flatMap((port) => [
                  { protocol: "UDP", port },
                  { protocol: "TCP", port },
                ]),
              },
            ],
          },
        },
        child,
        t.networkPolicy,
      ),
    ];
    if (args.quota) guards.push(...this.createQuota(name, namespace, args.quota, t, child));
    // Children see the name only once the guardrails are in place.
    this.name = pulumi.all([namespace, ...guards.map((g) => g.urn)]).apply(([n]) => n);
    this.registerOutputs({ name: this.name });
  }

  private createQuota(
    name: string,
    namespace: pulumi.Output<string>,
    q: NamespaceQuota,
    t: NonNullable<AppNamespaceArgs["transform"]>,
    opts: pulumi.CustomResourceOptions,
  ) {
    const quota = created(
      k8s.core.v1.ResourceQuota,
      `${name}-quota`,
      {
        metadata: { name: "quota", namespace },
        spec: {
          hard: {
            "requests.cpu": q.requests.cpu,
            "requests.memory": q.requests.memory,
            "limits.cpu": q.limits.cpu,
            "limits.memory": q.limits.memory,
            pods: String(q.pods),
          },
        },
      },
      opts,
      t.resourceQuota,
    );
    // Defaults for containers that state nothing, so the quota never refuses them outright.
    const limits = created(
      k8s.core.v1.LimitRange,
      `${name}-limits`,
      {
        metadata: { name: "defaults", namespace },
        spec: { limits: [{ type: "Container", default: { cpu: "500m", memory: "512Mi" }, defaultRequest: { cpu: "50m", memory: "128Mi" } }] },
      },
      opts,
      t.limitRange,
    );
    return [quota, limits];
  }
}
