/**
 * Pod-spec building blocks shared by every container the program runs (the app and its
 * migration Job): the hardening that the design's invariants require, in one place.
 */
import * as k8s from "@pulumi/kubernetes";
import { sha256 } from "./naming";

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
 * Writable scratch space for a read-only root filesystem: `/tmp` for everyone, and the
 * Next.js cache (ISR and image optimisation) for the server.
 */
export function scratchVolumes(withNextCache: boolean): { volumes: Volume[]; mounts: NonNullable<Container["volumeMounts"]> } {
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
    startupProbe: { httpGet: { path: livenessPath, port }, periodSeconds: 2, failureThreshold: 30 },
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

/** Spread across nodes and zones, preferring but never requiring it (a small cluster still schedules). */
export function spread(selector: Record<string, string>): NonNullable<k8s.types.input.core.v1.PodSpec["topologySpreadConstraints"]> {
  return ["kubernetes.io/hostname", "topology.kubernetes.io/zone"].map((topologyKey) => ({
    maxSkew: 1,
    topologyKey,
    whenUnsatisfiable: "ScheduleAnyway",
    labelSelector: { matchLabels: selector },
  }));
}

/**
 * A stable digest of key/value data (sorted keys), for pod-template annotations that roll
 * the pods when config or secrets change.
 */
export function checksum(...parts: Record<string, string>[]): string {
  const canonical = parts.map((p) => Object.keys(p).sort().map((k) => [k, p[k]]));
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
