/**
 * Pod-spec building blocks shared by every container the program runs (the app and its
 * migration Job): the hardening that the design's invariants require, in one place.
 */
import * as k8s from "@pulumi/kubernetes";
import { sha256 } from "./naming";
import type { Editable } from "./transform";

type Container = k8s.types.input.core.v1.Container;
type PodSecurityContext = k8s.types.input.core.v1.PodSecurityContext;
type Volume = k8s.types.input.core.v1.Volume;

/** The UID/GID the app image runs as (the `nextjs` user of the reference Dockerfile). */
export const APP_UID = 1001;

/** Where the standalone server lives in the image; its `.next/cache` must be writable. */
export const APP_DIR = "/app";

/** Annotation that tells pulumi-kubernetes not to wait for readiness (API servers without nodes). */
export const SKIP_AWAIT = "pulumi.com/skipAwait";

/** Container resources: requests and limits, both always set. */
export interface ContainerResources {
  requests: { cpu: string; memory: string };
  limits: { cpu: string; memory: string };
}

/**
 * Local disk a container may use: its scratch volumes (`/tmp`, the Next.js cache) and logs.
 * Requested, so the scheduler counts it and a full node evicts others first; capped, so a
 * runaway cache is evicted rather than filling the node.
 */
export const EPHEMERAL_STORAGE = { request: "128Mi", limit: "2Gi" };

/**
 * The Kubernetes resources of a container: CPU and memory as given, local disk as above
 * unless `localStorage` is false (a node that reports no local storage capacity — kubelet's
 * localStorageCapacityIsolation off — can schedule no pod that requests it).
 */
export function containerResources(r: ContainerResources, localStorage = true): NonNullable<Container["resources"]> {
  if (!localStorage) return { requests: { ...r.requests }, limits: { ...r.limits } };
  return {
    requests: { ...r.requests, "ephemeral-storage": EPHEMERAL_STORAGE.request },
    limits: { ...r.limits, "ephemeral-storage": EPHEMERAL_STORAGE.limit },
  };
}

/** Pod-level security: non-root, fixed IDs, the runtime's default seccomp profile. */
export function podSecurityContext(): PodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: APP_UID,
    runAsGroup: APP_UID,
    fsGroup: APP_UID,
    seccompProfile: { type: "RuntimeDefault" },
  };
}

/** Container-level security: no privilege, no escalation, no capabilities, read-only root. */
export function containerSecurityContext(): NonNullable<Container["securityContext"]> {
  return {
    runAsNonRoot: true,
    privileged: false,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ["ALL"] },
  };
}

/**
 * A native sidecar (an init container that keeps running: started before the app, stopped
 * after it, outside the app's readiness) with the app's container security, so the policy
 * pack accepts it. Give it an image pinned by digest and its resources.
 */
export function sidecar(c: Omit<Editable<Container>, "restartPolicy" | "securityContext">): Editable<Container> {
  const hardened = containerSecurityContext() as Editable<Container["securityContext"]>;
  return { ...c, restartPolicy: "Always", securityContext: hardened };
}

/**
 * Writable scratch space for a read-only root filesystem: `/tmp` for everyone, and the
 * Next.js cache (ISR and image optimisation) for the server.
 */
export function scratchVolumes(withNextCache: boolean): { volumes: Volume[]; mounts: { name: string; mountPath: string }[] } {
  const volumes: Volume[] = [{ name: "tmp", emptyDir: { sizeLimit: "256Mi" } }];
  const mounts = [{ name: "tmp", mountPath: "/tmp" }];
  if (withNextCache) {
    volumes.push({ name: "next-cache", emptyDir: { sizeLimit: "1Gi" } });
    mounts.push({ name: "next-cache", mountPath: `${APP_DIR}/.next/cache` });
  }
  return { volumes, mounts };
}

/**
 * Probes, one job each. Startup: the process came up (a cold start gets a minute).
 * Liveness: the process still answers (a wedged one is restarted). Readiness: this process
 * can serve; it does not ask the database, so a database blip never empties the Service
 * at once, and idle Neon computes may suspend (database health is `/api/health/db`).
 */
export function probes(port: string, livenessPath: string, readinessPath: string): Pick<Container, "livenessProbe" | "readinessProbe" | "startupProbe"> {
  return {
    // A 50m-CPU preview pod answers its first requests slowly: the default 1 s timeout would fail it.
    startupProbe: { httpGet: { path: livenessPath, port }, periodSeconds: 2, timeoutSeconds: 3, failureThreshold: 30 },
    livenessProbe: { httpGet: { path: livenessPath, port }, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 },
    readinessProbe: { httpGet: { path: readinessPath, port }, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 2 },
  };
}

/**
 * Seconds a terminating pod keeps serving before it is sent SIGTERM: long enough for the
 * ingress controller and kube-proxy to stop routing to it, so rollouts drop no request.
 */
export const PRE_STOP_SECONDS = 10;

/** The pre-stop pause (the kubelet's own sleep action: no shell needed in the image). */
export function drainOnStop(): NonNullable<Container["lifecycle"]> {
  return { preStop: { sleep: { seconds: PRE_STOP_SECONDS } } };
}

/**
 * Spread across nodes and zones, counting only the current rollout's pods (pod-template-hash),
 * so a rollout never piles onto the nodes the old pods leave. Across nodes it is required when
 * `hard` (production: two pods never share a node that has a free neighbour; a one-node
 * cluster still schedules, its single domain has no skew); across zones it is preferred.
 */
export function spread(selector: Record<string, string>, hard = false): NonNullable<k8s.types.input.core.v1.PodSpec["topologySpreadConstraints"]> {
  return [
    { topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: hard ? "DoNotSchedule" : "ScheduleAnyway" },
    { topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway" },
  ].map((c) => ({ maxSkew: 1, ...c, labelSelector: { matchLabels: selector }, matchLabelKeys: ["pod-template-hash"] }));
}

/**
 * A stable digest of key/value data (sorted keys), for pod-template annotations that roll
 * the pods when config or secrets change.
 */
export function checksum(...parts: Record<string, string>[]): string {
  const canonical = parts.map((p) =>
    Object.keys(p)
      .sort()
      .map((k) => [k, p[k]]),
  );
  return sha256(JSON.stringify(canonical));
}

/** Standard labels; `component` separates the server from its migration Job. */
export function labels(appName: string, stack: string, component: "server" | "migration"): Record<string, string> {
  return {
    "app.kubernetes.io/name": appName,
    "app.kubernetes.io/instance": stack,
    "app.kubernetes.io/component": component,
    "app.kubernetes.io/managed-by": "pulumi",
  };
}
