/**
 * PreviewAccess: the narrow Kubernetes identity pull request jobs deploy previews with,
 * installed once per cluster by the cluster stack. Namespaces are created per preview, so
 * plain RBAC cannot name them in advance; instead:
 * - a service account may create, change and delete namespaces, and bind one ClusterRole
 *   (the namespaced verbs a preview stack needs) inside them;
 * - a ValidatingAdmissionPolicy lets that service account touch only namespaces labelled
 *   as previews, and bind only that role, only to itself;
 * - it can read and write nothing anywhere else: every namespaced permission it has comes
 *   from a RoleBinding in a preview namespace, which the preview stack creates first.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { PROFILE_LABEL, RESTRICTED_POD_SECURITY } from "./app-namespace";

/** Where the preview deployer lives, and the role it binds in each preview namespace. */
export const PREVIEW_DEPLOYER = {
  namespace: "nextjs-infra-system",
  serviceAccount: "preview-deployer",
  clusterRole: "nextjs-infra:preview-deployer",
  namespaceRole: "nextjs-infra:preview-namespace-admin",
} as const;

/** The username the API server gives the preview deployer's tokens. */
export const PREVIEW_DEPLOYER_USER = `system:serviceaccount:${PREVIEW_DEPLOYER.namespace}:${PREVIEW_DEPLOYER.serviceAccount}`;

/** What a preview stack does inside its own namespace. */
export const PREVIEW_NAMESPACE_RULES: k8s.types.input.rbac.v1.PolicyRule[] = [
  { apiGroups: [""], resources: ["configmaps", "secrets", "services", "serviceaccounts", "persistentvolumeclaims", "resourcequotas", "limitranges"], verbs: ["get", "list", "watch", "create", "update", "patch", "delete"] },
  { apiGroups: [""], resources: ["pods", "pods/log", "events", "endpoints"], verbs: ["get", "list", "watch"] },
  { apiGroups: ["apps"], resources: ["deployments", "statefulsets", "replicasets"], verbs: ["get", "list", "watch", "create", "update", "patch", "delete"] },
  { apiGroups: ["batch"], resources: ["jobs"], verbs: ["get", "list", "watch", "create", "update", "patch", "delete"] },
  { apiGroups: ["networking.k8s.io"], resources: ["ingresses", "networkpolicies"], verbs: ["get", "list", "watch", "create", "update", "patch", "delete"] },
  { apiGroups: ["policy"], resources: ["poddisruptionbudgets"], verbs: ["get", "list", "watch", "create", "update", "patch", "delete"] },
  { apiGroups: ["autoscaling"], resources: ["horizontalpodautoscalers"], verbs: ["get", "list", "watch", "create", "update", "patch", "delete"] },
  { apiGroups: ["secrets.doppler.com"], resources: ["dopplersecrets"], verbs: ["get", "list", "watch", "create", "update", "patch", "delete"] },
];

/** The admission rules, in CEL: what the API server checks on every write of the preview deployer. */
export function previewScopeValidations(): k8s.types.input.admissionregistration.v1.Validation[] {
  const label = `'${PROFILE_LABEL}'`;
  const isPreview = (o: string) => `has(${o}.metadata.labels) && ${label} in ${o}.metadata.labels && ${o}.metadata.labels[${label}] == 'preview'`;
  return [
    {
      expression: `request.resource.resource != 'namespaces' || ((request.operation == 'CREATE' || ${isPreview("oldObject")}) && (request.operation == 'DELETE' || ${isPreview("object")}))`,
      message: "the preview deployer may only create, change and delete namespaces labelled as previews",
    },
    {
      expression: `request.resource.resource != 'rolebindings' || (${isPreview("namespaceObject")} && (request.operation == 'DELETE' || (object.roleRef.kind == 'ClusterRole' && object.roleRef.name == '${PREVIEW_DEPLOYER.namespaceRole}' && object.subjects.all(s, s.kind == 'ServiceAccount' && s.name == '${PREVIEW_DEPLOYER.serviceAccount}' && s.namespace == '${PREVIEW_DEPLOYER.namespace}'))))`,
      message: `the preview deployer may only bind ${PREVIEW_DEPLOYER.namespaceRole}, to itself, in preview namespaces`,
    },
  ];
}

/** Arguments of `PreviewAccess`. */
export interface PreviewAccessArgs {
  /** Protect what the cluster's previews depend on. @default false */
  readonly protect?: boolean;
}

/** The preview deployer: its service account, roles, admission policy and a token for CI. */
export class PreviewAccess extends pulumi.ComponentResource {
  /** A long-lived token of the preview deployer (secret): the `preview` environment's kubeconfig user. */
  readonly token: pulumi.Output<string>;

  constructor(name: string, args: PreviewAccessArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    super("nextjs-infra:cluster:PreviewAccess", name, {}, opts);
    const child = { parent: this, protect: args.protect };
    const d = PREVIEW_DEPLOYER;
    const ns = new k8s.core.v1.Namespace(`${name}-namespace`, { metadata: { name: d.namespace, labels: { ...RESTRICTED_POD_SECURITY } } }, child);
    const sa = new k8s.core.v1.ServiceAccount(`${name}-sa`, { metadata: { name: d.serviceAccount, namespace: ns.metadata.name }, automountServiceAccountToken: false }, child);
    new k8s.rbac.v1.ClusterRole(`${name}-namespace-role`, { metadata: { name: d.namespaceRole }, rules: PREVIEW_NAMESPACE_RULES }, child);
    const role = new k8s.rbac.v1.ClusterRole(
      `${name}-role`,
      {
        metadata: { name: d.clusterRole },
        rules: [
          { apiGroups: [""], resources: ["namespaces"], verbs: ["get", "list", "watch", "create", "update", "patch", "delete"] },
          { apiGroups: ["rbac.authorization.k8s.io"], resources: ["rolebindings"], verbs: ["get", "list", "watch", "create", "update", "patch", "delete"] },
          { apiGroups: ["rbac.authorization.k8s.io"], resources: ["clusterroles"], verbs: ["bind"], resourceNames: [d.namespaceRole] },
        ],
      },
      child,
    );
    new k8s.rbac.v1.ClusterRoleBinding(
      `${name}-binding`,
      { metadata: { name: d.clusterRole }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role.metadata.name }, subjects: [{ kind: "ServiceAccount", name: sa.metadata.name, namespace: d.namespace }] },
      child,
    );
    const policy = new k8s.admissionregistration.v1.ValidatingAdmissionPolicy(
      `${name}-scope`,
      {
        metadata: { name: "nextjs-infra-preview-scope" },
        spec: {
          failurePolicy: "Fail",
          matchConstraints: {
            resourceRules: [
              { apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE", "UPDATE", "DELETE"], resources: ["namespaces"] },
              { apiGroups: ["rbac.authorization.k8s.io"], apiVersions: ["v1"], operations: ["CREATE", "UPDATE", "DELETE"], resources: ["rolebindings"] },
            ],
          },
          matchConditions: [{ name: "preview-deployer", expression: `request.userInfo.username == '${PREVIEW_DEPLOYER_USER}'` }],
          validations: previewScopeValidations(),
        },
      },
      child,
    );
    new k8s.admissionregistration.v1.ValidatingAdmissionPolicyBinding(
      `${name}-scope-binding`,
      { metadata: { name: "nextjs-infra-preview-scope" }, spec: { policyName: policy.metadata.name, validationActions: ["Deny"] } },
      child,
    );
    const token = new k8s.core.v1.Secret(
      `${name}-token`,
      { metadata: { name: `${d.serviceAccount}-token`, namespace: ns.metadata.name, annotations: { "kubernetes.io/service-account.name": sa.metadata.name } }, type: "kubernetes.io/service-account-token" },
      { ...child, additionalSecretOutputs: ["data"] },
    );
    this.token = pulumi.secret(token.data.apply((data) => Buffer.from(data?.token ?? "", "base64").toString("utf8")));
    this.registerOutputs({ token: this.token });
  }
}
