/**
 * LocalPostgres: PostgreSQL inside the cluster for the `local` profile, so a laptop
 * stack needs no cloud account. A StatefulSet with a volume, a generated password in a
 * Secret, a digest-pinned image, hardened like every other workload.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { GeneratedSecret } from "./generated-secret";
import { postgresIngress } from "./network-policies";
import { ContainerResources, containerSecurityContext, SKIP_AWAIT } from "./workload";

/** The data volume's size unless asked otherwise. */
export const LOCAL_POSTGRES_STORAGE = "1Gi";
/** The `postgres` user of the official Alpine image. */
const POSTGRES_UID = 70;
const PORT = 5432;

/** Arguments of `LocalPostgres`. */
export interface LocalPostgresArgs {
  /** Namespace to run in (must exist). */
  readonly namespace: pulumi.Input<string>;
  /** Image pinned by digest. */
  readonly image: string;
  /** Volume size. @default "1Gi" */
  readonly storage?: string;
  /** The app whose pods may connect (`app.kubernetes.io/name`). */
  readonly appName: string;
  /** Database and owner role. */
  readonly database: string;
  readonly role: string;
  /** @default 100m/256Mi requests, 1/512Mi limits */
  readonly resources?: ContainerResources;
  /** Don't wait for the pod (API servers without nodes). @default false */
  readonly skipAwait?: boolean;
}

/** Postgres in the cluster, reachable at `postgres.<namespace>.svc.cluster.local`. */
export class LocalPostgres extends pulumi.ComponentResource {
  /** Connection string (secret). */
  readonly url: pulumi.Output<string>;
  readonly host: pulumi.Output<string>;

  constructor(name: string, args: LocalPostgresArgs, opts?: pulumi.ComponentResourceOptions) {
    super("nextjs-infra:database:LocalPostgres", name, {}, opts);
    const labels = { "app.kubernetes.io/name": "postgres", "app.kubernetes.io/component": "database", "app.kubernetes.io/managed-by": "pulumi" };
    const annotations = args.skipAwait ? { [SKIP_AWAIT]: "true" } : undefined;
    // Letters and digits only: the password goes into a connection string unescaped.
    const password = new GeneratedSecret(`${name}-password`, { length: 32 }, { parent: this });
    const credentials = new k8s.core.v1.Secret(
      `${name}-credentials`,
      {
        metadata: { namespace: args.namespace, labels },
        stringData: { POSTGRES_USER: args.role, POSTGRES_DB: args.database, POSTGRES_PASSWORD: password.value },
      },
      { parent: this },
    );
    const service = new k8s.core.v1.Service(
      `${name}-service`,
      {
        metadata: { name: "postgres", namespace: args.namespace, labels, annotations },
        spec: { clusterIP: "None", selector: labels, ports: [{ name: "postgres", port: PORT }] },
      },
      { parent: this },
    );
    const ready = { exec: { command: ["pg_isready", "-U", args.role, "-d", args.database, "-h", "127.0.0.1"] } };
    const statefulSet = new k8s.apps.v1.StatefulSet(
      `${name}-statefulset`,
      {
        metadata: { name: "postgres", namespace: args.namespace, labels, annotations },
        spec: {
          serviceName: service.metadata.name,
          replicas: 1,
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: {
              automountServiceAccountToken: false,
              securityContext: {
                runAsNonRoot: true,
                runAsUser: POSTGRES_UID,
                runAsGroup: POSTGRES_UID,
                fsGroup: POSTGRES_UID,
                seccompProfile: { type: "RuntimeDefault" },
              },
              volumes: [
                { name: "run", emptyDir: {} },
                { name: "tmp", emptyDir: {} },
              ],
              containers: [
                {
                  name: "postgres",
                  image: args.image,
                  ports: [{ name: "postgres", containerPort: PORT }],
                  envFrom: [{ secretRef: { name: credentials.metadata.name } }],
                  env: [{ name: "PGDATA", value: "/var/lib/postgresql/data/pgdata" }],
                  resources: args.resources ?? { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "1", memory: "512Mi" } },
                  securityContext: containerSecurityContext(),
                  volumeMounts: [
                    { name: "data", mountPath: "/var/lib/postgresql/data" },
                    { name: "run", mountPath: "/var/run/postgresql" },
                    { name: "tmp", mountPath: "/tmp" },
                  ],
                  readinessProbe: { ...ready, periodSeconds: 5 },
                  livenessProbe: { ...ready, periodSeconds: 10, failureThreshold: 6 },
                },
              ],
            },
          },
          volumeClaimTemplates: [
            {
              metadata: { name: "data" },
              spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: args.storage ?? LOCAL_POSTGRES_STORAGE } } },
            },
          ],
        },
      },
      { parent: this },
    );
    // The host waits on the StatefulSet (which awaits readiness): whatever connects — the
    // migration Job first — starts once Postgres accepts connections.
    this.host = pulumi.all([service.metadata.name, args.namespace, statefulSet.id]).apply(([svc, ns]) => `${svc}.${ns}.svc.cluster.local`);
    // In a default-deny namespace: only the app's pods (server and migrations) may connect.
    new k8s.networking.v1.NetworkPolicy(
      `${name}-allow-app`,
      { metadata: { name: "postgres-allow-app", namespace: args.namespace }, spec: postgresIngress(labels, args.appName, PORT) },
      { parent: this },
    );
    this.url = pulumi.secret(pulumi.interpolate`postgresql://${args.role}:${password.value}@${this.host}:${PORT}/${args.database}`);
    this.registerOutputs({ url: this.url, host: this.host });
  }
}
