/**
 * Kubernetes workload guardrails: every container pinned by digest, sized, probed,
 * non-root and locked down, with no literal secret in its env.
 */
import { ResourceValidationPolicy } from "@pulumi/policy";
import { DIGEST_REF, isSecretLooking } from "../stacks/schema";

/** Loose shapes of the Kubernetes objects the policies read (props are plain JSON). */
interface Container {
  name?: string;
  image?: string;
  env?: { name: string; value?: string; valueFrom?: unknown }[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  readinessProbe?: unknown;
  livenessProbe?: unknown;
  securityContext?: {
    runAsNonRoot?: boolean;
    privileged?: boolean;
    allowPrivilegeEscalation?: boolean;
    readOnlyRootFilesystem?: boolean;
    capabilities?: { drop?: string[]; add?: string[] };
    seccompProfile?: { type?: string };
  };
}
interface PodSpec {
  containers?: Container[];
  initContainers?: Container[];
  securityContext?: { runAsNonRoot?: boolean; seccompProfile?: { type?: string } };
  volumes?: { name: string; hostPath?: unknown }[];
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
}

/** Workload types and where each keeps its pod spec. */
const POD_SPEC_PATHS: Record<string, string[]> = {
  "kubernetes:core/v1:Pod": ["spec"],
  "kubernetes:apps/v1:Deployment": ["spec", "template", "spec"],
  "kubernetes:apps/v1:StatefulSet": ["spec", "template", "spec"],
  "kubernetes:apps/v1:DaemonSet": ["spec", "template", "spec"],
  "kubernetes:apps/v1:ReplicaSet": ["spec", "template", "spec"],
  "kubernetes:batch/v1:Job": ["spec", "template", "spec"],
  "kubernetes:batch/v1:CronJob": ["spec", "jobTemplate", "spec", "template", "spec"],
};

/** Workloads whose containers run until stopped, and so need probes. */
const LONG_RUNNING = new Set([
  "kubernetes:apps/v1:Deployment",
  "kubernetes:apps/v1:StatefulSet",
  "kubernetes:apps/v1:DaemonSet",
  "kubernetes:apps/v1:ReplicaSet",
  "kubernetes:core/v1:Pod",
]);

/** The pod spec of a workload resource, or undefined for anything else. */
export function podSpecOf(type: string, props: Record<string, unknown>): PodSpec | undefined {
  const path = POD_SPEC_PATHS[type];
  if (!path) return undefined;
  let node: unknown = props;
  for (const key of path) node = (node as Record<string, unknown> | undefined)?.[key];
  return (node as PodSpec | undefined) ?? {};
}

function allContainers(spec: PodSpec): Container[] {
  return [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
}

/** Env names that only secrets should carry (a literal value for one is a leak): the settings' own rule. */
export const SECRET_ENV_NAME = { test: isSecretLooking };

type Check = (spec: PodSpec, type: string) => string[];

/** Builds a workload policy from a check that returns one message per problem. */
function workloadPolicy(name: string, description: string, check: Check, configSchema?: ResourceValidationPolicy["configSchema"]): ResourceValidationPolicy {
  return {
    name,
    description,
    enforcementLevel: "mandatory",
    configSchema,
    validateResource: (args, report) => {
      const spec = podSpecOf(args.type, args.props);
      if (!spec) return;
      for (const message of check(spec, args.type)) report(message);
    },
  };
}

const perContainer = (spec: PodSpec, problem: (c: Container) => string | undefined) =>
  allContainers(spec).flatMap((c) => {
    const p = problem(c);
    return p ? [`container "${c.name ?? "?"}": ${p}`] : [];
  });

/** Every policy in this file. */
export const workloadPolicies: ResourceValidationPolicy[] = [
  workloadPolicy("workload-image-digest", "Containers run valid image references pinned by digest (repo@sha256:…), never a moving tag.", (spec) =>
    perContainer(spec, (c) => {
      const image = c.image ?? "";
      if (!/@sha256:[a-f0-9]{64}$/.test(image)) return `image "${image}" is not pinned by digest`;
      return DIGEST_REF.test(image) ? undefined : `image "${image}" is not a valid reference (lowercase repository, no shell characters)`;
    }),
  ),
  workloadPolicy("workload-resources", "Containers set CPU and memory requests and limits.", (spec) =>
    perContainer(spec, (c) => {
      const missing = ["requests.cpu", "requests.memory", "limits.cpu", "limits.memory"].filter((p) => {
        const [kind, res] = p.split(".") as ["requests" | "limits", string];
        return !c.resources?.[kind]?.[res];
      });
      return missing.length ? `missing ${missing.join(", ")}` : undefined;
    }),
  ),
  workloadPolicy("workload-probes", "Long-running containers have readiness and liveness probes.", (spec, type) =>
    LONG_RUNNING.has(type)
      ? (spec.containers ?? []).flatMap((c) =>
          c.readinessProbe && c.livenessProbe ? [] : [`container "${c.name ?? "?"}": needs readinessProbe and livenessProbe`],
        )
      : [],
  ),
  workloadPolicy("workload-non-root", "Containers run as non-root (runAsNonRoot on the pod or the container).", (spec) =>
    perContainer(spec, (c) => ((c.securityContext?.runAsNonRoot ?? spec.securityContext?.runAsNonRoot) ? undefined : "runAsNonRoot is not true")),
  ),
  workloadPolicy("workload-no-privilege", "Containers are not privileged and cannot escalate privileges.", (spec) =>
    perContainer(spec, (c) =>
      c.securityContext?.privileged
        ? "privileged"
        : c.securityContext?.allowPrivilegeEscalation === false
          ? undefined
          : "allowPrivilegeEscalation is not false",
    ),
  ),
  workloadPolicy("workload-read-only-root", "Containers have a read-only root filesystem.", (spec) =>
    perContainer(spec, (c) => (c.securityContext?.readOnlyRootFilesystem === true ? undefined : "readOnlyRootFilesystem is not true")),
  ),
  workloadPolicy("workload-drop-capabilities", "Containers drop ALL capabilities and add none.", (spec) =>
    perContainer(spec, (c) => {
      const caps = c.securityContext?.capabilities;
      if (!caps?.drop?.includes("ALL")) return "capabilities.drop does not include ALL";
      return caps.add?.length ? `adds capabilities ${caps.add.join(", ")}` : undefined;
    }),
  ),
  workloadPolicy("workload-seccomp", "Pods or containers use the RuntimeDefault (or Localhost) seccomp profile.", (spec) =>
    perContainer(spec, (c) => {
      const type = c.securityContext?.seccompProfile?.type ?? spec.securityContext?.seccompProfile?.type;
      return type === "RuntimeDefault" || type === "Localhost" ? undefined : `seccomp profile is ${type ?? "unset"}`;
    }),
  ),
  workloadPolicy("workload-no-host-access", "Pods use no hostPath volumes and no host network, PID or IPC namespace.", (spec) => [
    ...(spec.volumes ?? []).filter((v) => v.hostPath).map((v) => `volume "${v.name}" is a hostPath`),
    ...(["hostNetwork", "hostPID", "hostIPC"] as const).filter((k) => spec[k]).map((k) => `${k} is true`),
  ]),
  {
    name: "no-literal-secret-env",
    description:
      "No secret-looking env var carries a literal value, and no ConfigMap holds a secret-looking key; secrets come from Secrets (valueFrom / envFrom).",
    enforcementLevel: "mandatory",
    configSchema: { properties: { allowedNames: { type: "array", items: { type: "string" }, default: [] } } },
    validateResource: (args, report) => {
      if (args.type === "kubernetes:core/v1:ConfigMap") {
        // A ConfigMap is read by anyone who may read the namespace: no credential belongs in one.
        const { allowedNames = [] } = args.getConfig<{ allowedNames?: string[] }>();
        const data = (args.props.data ?? {}) as Record<string, unknown>;
        for (const key of Object.keys(data).filter((k) => isSecretLooking(k) && !allowedNames.includes(k)))
          report(`ConfigMap key ${key} looks like a credential; put it in a Secret`);
        return;
      }
      const spec = podSpecOf(args.type, args.props);
      if (!spec) return;
      const { allowedNames = [] } = args.getConfig<{ allowedNames?: string[] }>();
      for (const c of allContainers(spec)) {
        for (const e of c.env ?? []) {
          if (e.value !== undefined && SECRET_ENV_NAME.test(e.name) && !allowedNames.includes(e.name)) {
            report(`container "${c.name ?? "?"}": env ${e.name} has a literal value; reference a Secret instead`);
          }
        }
      }
    },
  },
];
