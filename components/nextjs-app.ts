/**
 * NextjsApp: the Kubernetes workload of one stack. Config, the migration Job
 * that must finish before the new image takes traffic, a hardened Deployment pinned by
 * digest, Service, Ingress, and (when asked) autoscaling and a disruption budget.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { migrationJobName } from "./naming";
import {
  checksum,
  containerSecurityContext,
  ContainerResources,
  labels,
  podSecurityContext,
  probes,
  scratchVolumes,
  SKIP_AWAIT,
} from "./workload";

/** Arguments of `NextjsApp`. */
export interface NextjsAppArgs {
  /** App name: Deployment, Service and label name. @example "web" */
  readonly appName: string;
  /** Stack name, for the `app.kubernetes.io/instance` label. */
  readonly stack: string;
  /** Namespace to run in (it must exist, e.g. `AppNamespace.name`). @example "web-dev" */
  readonly namespace: pulumi.Input<string>;
  /** Image pinned by digest (`repo@sha256:…`), e.g. `AppImage.imageRef`. */
  readonly imageRef: pulumi.Input<string>;
  /** Port the server listens on. @default 3000 */
  readonly port?: number;
  /** Replicas when not autoscaled. @default 1 */
  readonly replicas?: number;
  /** Requests and limits for every container. */
  readonly resources: ContainerResources;
  /** Non-secret environment, written to a ConfigMap. Reserved names are set by this component. */
  readonly env?: Record<string, pulumi.Input<string>>;
  /** `LOG_LEVEL`. @default "info" */
  readonly logLevel?: string;
  /** `SENTRY_ENVIRONMENT`. @default the stack name */
  readonly sentryEnvironment?: string;
  /** `SENTRY_RELEASE`, e.g. the git SHA. @default the image digest */
  readonly sentryRelease?: pulumi.Input<string>;
  /** Pooled connection string for the app (`DATABASE_URL`); a secret. */
  readonly databaseUrl: pulumi.Input<string>;
  /** Direct connection string for migrations (`DIRECT_URL`); a secret. @default `databaseUrl` */
  readonly directUrl?: pulumi.Input<string>;
  /**
   * Names of Secrets in the namespace whose keys become env (e.g. synced from Doppler).
   * The database Secret comes after them, so its URLs always win. @default []
   */
  readonly secretEnvFrom?: pulumi.Input<string>[];
  /** Annotations on the Deployment itself, e.g. the Doppler operator's reload marker. @default {} */
  readonly deploymentAnnotations?: Record<string, string>;
  /** A digest of the `secretEnvFrom` contents, so a change there rolls the pods. */
  readonly secretEnvChecksum?: pulumi.Input<string>;
  /** Health paths. @default "/api/health?probe=liveness" and "/api/health?probe=readiness" */
  readonly livenessPath?: string;
  readonly readinessPath?: string;
  /** Migration command run once per image before it takes traffic; `undefined` skips it. @example ["npx", "prisma", "migrate", "deploy"] */
  readonly migrationCommand?: string[];
  /** CPU autoscaling; omit for a fixed replica count. */
  readonly autoscaling?: { minReplicas: number; maxReplicas: number; targetCpuUtilization: number };
  /** Minimum pods kept through voluntary disruptions; omit for no budget. */
  readonly disruptionBudget?: { minAvailable: number };
  /** Public hostname; TLS from cert-manager when `clusterIssuer` is set. Omit for no Ingress. */
  readonly ingress?: { host: string; className?: string; clusterIssuer?: string; tls: boolean };
  /** Don't wait for pods (only for API servers without nodes). @default false */
  readonly skipAwait?: boolean;
}

/** The app's public URL: https when the Ingress terminates TLS. Undefined without an Ingress. */
export function publicUrl(ingress: NextjsAppArgs["ingress"]): string | undefined {
  return ingress ? `${ingress.tls ? "https" : "http"}://${ingress.host}` : undefined;
}

/** The app's Kubernetes workload. */
export class NextjsApp extends pulumi.ComponentResource {
  /** Public (or in-cluster) base URL. */
  readonly url: pulumi.Output<string>;
  readonly namespace: pulumi.Output<string>;
  readonly deploymentName: pulumi.Output<string>;
  /** Name of the migration Job of the current image, if migrations run. */
  readonly migrationJobName?: pulumi.Output<string>;

  constructor(name: string, args: NextjsAppArgs, opts?: pulumi.ComponentResourceOptions) {
    super("nextjs-infra:app:NextjsApp", name, {}, opts);
    const port = args.port ?? 3000;
    if (args.autoscaling && args.autoscaling.minReplicas > args.autoscaling.maxReplicas) {
      throw new pulumi.ResourceError("`autoscaling.minReplicas` must not exceed `autoscaling.maxReplicas`", this);
    }

    const namespace = pulumi.output(args.namespace);
    const url = publicUrl(args.ingress) ?? pulumi.interpolate`http://${args.appName}.${namespace}.svc.cluster.local`;
    const release = args.sentryRelease ?? pulumi.output(args.imageRef).apply((r) => r.split("@")[1] ?? r);

    const configData: Record<string, pulumi.Input<string>> = {
      ...args.env,
      NODE_ENV: "production",
      PORT: String(port),
      HOSTNAME: "0.0.0.0",
      LOG_LEVEL: args.logLevel ?? "info",
      NEXTAUTH_URL: url,
      SENTRY_ENVIRONMENT: args.sentryEnvironment ?? args.stack,
      SENTRY_RELEASE: release,
    };
    const config = new k8s.core.v1.ConfigMap(`${name}-config`, { metadata: { namespace, labels: labels(args.appName, args.stack, "server") }, data: configData }, { parent: this });
    const secretData = {
      DATABASE_URL: pulumi.secret(args.databaseUrl),
      DIRECT_URL: pulumi.secret(args.directUrl ?? args.databaseUrl),
    };
    const secret = new k8s.core.v1.Secret(`${name}-database`, { metadata: { namespace, labels: labels(args.appName, args.stack, "server") }, type: "Opaque", stringData: secretData }, { parent: this });

    // Later sources win on a duplicate key: the program's own database URLs come last.
    const envFrom = [
      { configMapRef: { name: config.metadata.name } },
      ...(args.secretEnvFrom ?? []).map((n) => ({ secretRef: { name: n } })),
      { secretRef: { name: secret.metadata.name } },
    ];
    const awaitAnnotations = args.skipAwait ? { [SKIP_AWAIT]: "true" } : undefined;

    const job = args.migrationCommand
      ? this.createMigrationJob(name, args, namespace, envFrom, awaitAnnotations)
      : undefined;

    const sa = new k8s.core.v1.ServiceAccount(`${name}-sa`, { metadata: { name: args.appName, namespace, labels: labels(args.appName, args.stack, "server") }, automountServiceAccountToken: false }, { parent: this });

    // Hashes of the config and secret contents: a change to either rolls the pods even
    // where the referenced names stay the same (Secrets synced from Doppler). A SHA-256
    // of high-entropy credentials reveals nothing, so the annotation need not be secret
    // (a secret annotation would hide the whole pod spec from every diff).
    const rollout = pulumi.unsecret(
      pulumi.all([pulumi.output(configData), pulumi.output(secretData), args.secretEnvChecksum ?? ""]).apply(([c, s, extra]): Record<string, string> => ({
        "checksum/config": checksum(c),
        "checksum/secret": checksum(s, { extra }),
      })),
    );

    // Fields Pulumi sets are Pulumi's: after a hand edit (kubectl scale, edit), `up` takes
    // them back instead of failing on a server-side-apply conflict.
    const deploymentAnnotations = { ...args.deploymentAnnotations, ...awaitAnnotations, "pulumi.com/patchForce": "true" };
    const deployment = this.createDeployment(name, args, port, namespace, sa.metadata.name, envFrom, rollout, deploymentAnnotations, job);
    const service = new k8s.core.v1.Service(
      `${name}-service`,
      {
        metadata: { name: args.appName, namespace, labels: labels(args.appName, args.stack, "server"), annotations: awaitAnnotations },
        spec: { type: "ClusterIP", selector: selectorOf(args), ports: [{ name: "http", port: 80, targetPort: "http" }] },
      },
      { parent: this },
    );
    if (args.ingress) this.createIngress(name, args, args.ingress, namespace, service, awaitAnnotations);
    this.createScaling(name, args, namespace, deployment);

    this.url = pulumi.output(url);
    this.namespace = namespace;
    this.deploymentName = deployment.metadata.name;
    this.migrationJobName = job?.metadata.name;
    this.registerOutputs({ url: this.url, namespace: this.namespace, deploymentName: this.deploymentName, migrationJobName: this.migrationJobName });
  }

  private createMigrationJob(name: string, args: NextjsAppArgs, namespace: pulumi.Output<string>, envFrom: k8s.types.input.core.v1.EnvFromSource[], annotations?: Record<string, string>) {
    const scratch = scratchVolumes(false);
    // No ttlSecondsAfterFinished: a Job that deletes itself would look like drift and
    // run again on the next `up`. The old Job goes when the next image replaces it.
    return new k8s.batch.v1.Job(
      `${name}-migrate`,
      {
        metadata: {
          name: pulumi.output(args.imageRef).apply((ref) => migrationJobName(args.appName, ref)),
          namespace,
          labels: labels(args.appName, args.stack, "migration"),
          annotations,
        },
        spec: {
          backoffLimit: 2,
          activeDeadlineSeconds: 600,
          template: {
            metadata: { labels: labels(args.appName, args.stack, "migration") },
            spec: {
              restartPolicy: "Never",
              automountServiceAccountToken: false,
              securityContext: podSecurityContext(),
              volumes: scratch.volumes,
              containers: [
                {
                  name: "migrate",
                  image: args.imageRef,
                  command: args.migrationCommand,
                  envFrom,
                  resources: args.resources,
                  securityContext: containerSecurityContext(),
                  volumeMounts: scratch.mounts,
                },
              ],
            },
          },
        },
      },
      { parent: this },
    );
  }

  private createDeployment(
    name: string,
    args: NextjsAppArgs,
    port: number,
    namespace: pulumi.Output<string>,
    serviceAccountName: pulumi.Output<string>,
    envFrom: k8s.types.input.core.v1.EnvFromSource[],
    rollout: pulumi.Output<Record<string, string>>,
    annotations: Record<string, string> | undefined,
    job: k8s.batch.v1.Job | undefined,
  ) {
    const scratch = scratchVolumes(true);
    // With an autoscaler the replica count is its alone: Pulumi does not set the field at
    // all (it would fight the autoscaler, and a forced apply would reset it).
    const replicas = args.autoscaling ? undefined : (args.replicas ?? 1);
    const podLabels = labels(args.appName, args.stack, "server");
    return new k8s.apps.v1.Deployment(
      `${name}-deployment`,
      {
        metadata: { name: args.appName, namespace, labels: podLabels, annotations },
        spec: {
          replicas,
          selector: { matchLabels: selectorOf(args) },
          strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
          template: {
            metadata: { labels: podLabels, annotations: rollout },
            spec: {
              serviceAccountName,
              automountServiceAccountToken: false,
              securityContext: podSecurityContext(),
              terminationGracePeriodSeconds: 30,
              volumes: scratch.volumes,
              topologySpreadConstraints:
                (replicas ?? args.autoscaling?.minReplicas ?? 1) > 1
                  ? [{ maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: selectorOf(args) } }]
                  : undefined,
              containers: [
                {
                  name: "app",
                  image: args.imageRef,
                  ports: [{ name: "http", containerPort: port, protocol: "TCP" }],
                  envFrom,
                  resources: args.resources,
                  securityContext: containerSecurityContext(),
                  volumeMounts: scratch.mounts,
                  ...probes("http", args.livenessPath ?? "/api/health?probe=liveness", args.readinessPath ?? "/api/health?probe=readiness"),
                },
              ],
            },
          },
        },
      },
      {
        parent: this,
        // The migration of this image completes before its pods roll out.
        dependsOn: job ? [job] : [],
      },
    );
  }

  private createIngress(name: string, args: NextjsAppArgs, ingress: NonNullable<NextjsAppArgs["ingress"]>, namespace: pulumi.Output<string>, service: k8s.core.v1.Service, skipAwait?: Record<string, string>) {
    const annotations = { ...skipAwait, ...(ingress.clusterIssuer ? { "cert-manager.io/cluster-issuer": ingress.clusterIssuer } : {}) };
    return new k8s.networking.v1.Ingress(
      `${name}-ingress`,
      {
        metadata: { name: args.appName, namespace, labels: labels(args.appName, args.stack, "server"), annotations },
        spec: {
          ingressClassName: ingress.className,
          tls: ingress.tls ? [{ hosts: [ingress.host], secretName: `${args.appName}-tls` }] : undefined,
          rules: [
            {
              host: ingress.host,
              http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: service.metadata.name, port: { name: "http" } } } }] },
            },
          ],
        },
      },
      { parent: this },
    );
  }

  private createScaling(name: string, args: NextjsAppArgs, namespace: pulumi.Output<string>, deployment: k8s.apps.v1.Deployment) {
    const meta = { name: args.appName, namespace, labels: labels(args.appName, args.stack, "server") };
    if (args.autoscaling) {
      new k8s.autoscaling.v2.HorizontalPodAutoscaler(
        `${name}-hpa`,
        {
          metadata: meta,
          spec: {
            scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: deployment.metadata.name },
            minReplicas: args.autoscaling.minReplicas,
            maxReplicas: args.autoscaling.maxReplicas,
            metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: args.autoscaling.targetCpuUtilization } } }],
          },
        },
        { parent: this },
      );
    }
    if (args.disruptionBudget) {
      new k8s.policy.v1.PodDisruptionBudget(
        `${name}-pdb`,
        { metadata: meta, spec: { minAvailable: args.disruptionBudget.minAvailable, selector: { matchLabels: selectorOf(args) } } },
        { parent: this },
      );
    }
  }
}

/** Labels that select the server's pods (stable across releases). */
function selectorOf(args: Pick<NextjsAppArgs, "appName" | "stack">): Record<string, string> {
  const { "app.kubernetes.io/managed-by": _managedBy, ...selector } = labels(args.appName, args.stack, "server");
  return selector;
}
