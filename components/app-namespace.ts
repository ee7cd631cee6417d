/**
 * AppNamespace: the stack's namespace, created first so the database and the app can
 * both live in it. Pod Security Admission enforces the `restricted` standard, so the
 * API server itself refuses any pod that is not hardened the way our invariants say.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";

/** Arguments of `AppNamespace`. */
export interface AppNamespaceArgs {
  /** Physical name, from the naming helper. @example "web-dev" */
  readonly name: string;
  /** The stack's profile, written as the PROFILE_LABEL label (the policy pack keys on it). */
  readonly profile: string;
  /** Extra labels. @default {} */
  readonly labels?: Record<string, string>;
  /** Protect the namespace (and so everything in it) from `pulumi destroy`. @default false */
  readonly protect?: boolean;
}

/** Namespace label naming the stack's profile. */
export const PROFILE_LABEL = "nextjs-infra/profile";

/** Labels that make the API server enforce the `restricted` Pod Security Standard. */
export const RESTRICTED_POD_SECURITY: Readonly<Record<string, string>> = {
  "pod-security.kubernetes.io/enforce": "restricted",
  "pod-security.kubernetes.io/enforce-version": "latest",
  "pod-security.kubernetes.io/warn": "restricted",
};

/** The stack's namespace. */
export class AppNamespace extends pulumi.ComponentResource {
  /** The namespace name, resolved once the namespace exists. */
  readonly name: pulumi.Output<string>;

  constructor(name: string, args: AppNamespaceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("nextjs-infra:app:AppNamespace", name, {}, opts);
    const ns = new k8s.core.v1.Namespace(
      `${name}-namespace`,
      { metadata: { name: args.name, labels: { ...args.labels, [PROFILE_LABEL]: args.profile, ...RESTRICTED_POD_SECURITY } } },
      { parent: this, protect: args.protect },
    );
    this.name = ns.metadata.name;
    this.registerOutputs({ name: this.name });
  }
}
