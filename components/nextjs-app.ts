/**
 * NextjsApp: the Kubernetes workload of one stack. Config, the migration Job that must
 * finish before the new image takes traffic, a hardened Deployment pinned by digest,
 * Service, Ingress, the NetworkPolicies it needs in a default-deny namespace, and (when
 * asked) autoscaling and a disruption budget.
 *
 * Config and database Secret have fixed names and are updated in place (the stack's
 * provider makes them mutable); a change rolls the pods through checksum annotations and
 * never touches the migration Job. The config is written after the migration succeeds, so
 * a failed migration leaves the running version's config as it was.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { MigrationJob } from "./migration-job";
import { appEgress, ingressFromController } from "./network-policies";
import { created, Transform } from "./transform";
import {
  checksum,
  containerResources,
  containerSecurityContext,
  ContainerResources,
  drainOnStop,
  labels,
  podSecurityContext,
  probes,
  scratchVolumes,
  SKIP_AWAIT,
  spread,
} from "./workload";

/** The ingress controller's namespace unless named: the only one whose pods may reach the app. */
export const INGRESS_CONTROLLER_NAMESPACE = "ingress-nginx";
/** Registry credentials the cluster pulls the image with (private registries). */
export interface PullCredentials {
  readonly registry: string;
  readonly username: pulumi.Input<string>;
  /** A pull-only token; keep it a secret `Output`. */
  readonly password: pulumi.Input<string>;
}

/** Arguments of `NextjsApp`. */
export interface NextjsAppArgs {
  /** App name: Deployment, Service and label name. **Changing it replaces them.** @example "web" */
  readonly appName: string;
  /** Stack name, for the `app.kubernetes.io/instance` label. */
  readonly stack: string;
  /** Namespace to run in (it must exist, e.g. `AppNamespace.name`). @example "web-dev" */
  readonly namespace: pulumi.Input<string>;
  /** Image pinned by digest (`repo@sha256:…`), e.g. `AppImage.imageRef`. */
  readonly imageRef: pulumi.Input<string>;
  /** The migration image by digest (`AppImage.migratorRef`); its digest names the migration Job. @default `imageRef` */
  readonly migrationImageRef?: pulumi.Input<string>;
  /** Port the server listens on. @default 3000 */
  readonly port?: number;
  /** Replicas when not autoscaled. @default 1 */
  readonly replicas?: number;
  /** Requests and limits for every container. */
  readonly resources: ContainerResources;
  /** Request and cap local disk (ephemeral storage) too. @default true */
  readonly requestLocalStorage?: boolean;
  /** Non-secret environment, written to a ConfigMap. Reserved names are set by this component. */
  readonly env?: Record<string, pulumi.Input<string>>;
  /** `LOG_LEVEL`. @default "info" */
  readonly logLevel?: string;
  /** `SENTRY_ENVIRONMENT`. @default the stack name */
  readonly sentryEnvironment?: string;
  /** `SENTRY_RELEASE`. @default the image digest: the release is what is in the image */
  readonly sentryRelease?: pulumi.Input<string>;
  /** Pooled connection string for the app (`DATABASE_URL`); a secret. */
  readonly databaseUrl: pulumi.Input<string>;
  /** Direct connection string for migrations (`DIRECT_URL`); a secret. @default `databaseUrl` */
  readonly directUrl?: pulumi.Input<string>;
  /** Names of Secrets in the namespace whose keys become env (e.g. synced from Doppler); the database Secret comes after them and wins. @default [] */
  readonly secretEnvFrom?: pulumi.Input<string>[];
  /** Annotations on the Deployment itself, e.g. the Doppler operator's reload marker. @default {} */
  readonly deploymentAnnotations?: Record<string, string>;
  /** A digest of the `secretEnvFrom` contents, so a change there rolls the pods. */
  readonly secretEnvChecksum?: pulumi.Input<string>;
  /** Health paths. @default "/api/health?probe=liveness" and "/api/health?probe=readiness" */
  readonly livenessPath?: string;
  readonly readinessPath?: string;
  /** Migration command run once per image before it takes traffic, with a program the migrator image holds; `undefined` skips it. @example ["node", "migrate.mjs", "deploy"] (or an app shipping the Prisma CLI: ["prisma", "migrate", "deploy"]) */
  readonly migrationCommand?: string[];
  /** Run by the migration Job after the migrations succeed: the seed (idempotent). @default none @example ["node", "migrate.mjs", "execute", "prisma/seed.sql"] */
  readonly seedCommand?: string[];
  /** CPU autoscaling; omit for a fixed replica count. */
  readonly autoscaling?: { minReplicas: number; maxReplicas: number; targetCpuUtilization: number };
  /** Minimum pods kept through voluntary disruptions; omit for no budget. */
  readonly disruptionBudget?: { minAvailable: number };
  /** Public hostname; TLS from cert-manager when `clusterIssuer` is set. Omit for no Ingress. */
  readonly ingress?: {
    host: string;
    className?: string;
    clusterIssuer?: string;
    tls: boolean;
    /** Wait for the controller to publish the Ingress's address. Off where a cluster may have no controller (a laptop's). @default true */
    awaitAddress?: boolean;
  };
  /** The ingress controller's namespace: the only traffic let in to the pods. @default "ingress-nginx" */
  readonly ingressControllerNamespace?: string;
  /** Credentials for a private registry (an image pull Secret). @default none (public images, or node credentials) */
  readonly imagePullCredentials?: PullCredentials;
  /** Don't wait for pods (API servers without nodes only; it removes the migrations-first guarantee). @default false */
  readonly skipAwait?: boolean;
  /** More sources the pods admit besides the controller's namespace (CIDRs). @default none */
  readonly ingressSources?: string[];
  /** Whether replicas must run on different nodes (`required`), or only prefer to. @default "preferred" */
  readonly spreadAcrossNodes?: "required" | "preferred";
  /** The pods' PriorityClass (production's, so a busy node evicts others first). @default none */
  readonly priorityClassName?: string;
  /**
   * What the app's network policies go with instead of being deleted one by one: a preview's
   * namespace (the cluster refuses a preview identity's deletion of a guardrail).
   * @default none: each is deleted on its own
   */
  readonly guardrailsDeletedWith?: pulumi.Resource;
  /**
   * Per-child escape hatches, applied to each child's args before it is created.
   * @example { deployment: { spec: { template: { spec: { tolerations: [{ key: "spot", operator: "Exists" }] } } } } }
   * @example { deployment: (args) => { args.spec!.template!.spec!.containers[0].readinessProbe!.httpGet!.path = "/api/ready"; } }
   */
  readonly transform?: {
    configMap?: Transform<k8s.core.v1.ConfigMapArgs>;
    secret?: Transform<k8s.core.v1.SecretArgs>;
    migrationJob?: Transform<k8s.batch.v1.JobArgs>;
    deployment?: Transform<k8s.apps.v1.DeploymentArgs>;
    service?: Transform<k8s.core.v1.ServiceArgs>;
    ingress?: Transform<k8s.networking.v1.IngressArgs>;
    autoscaler?: Transform<k8s.autoscaling.v2.HorizontalPodAutoscalerArgs>;
    disruptionBudget?: Transform<k8s.policy.v1.PodDisruptionBudgetArgs>;
    networkPolicy?: Transform<k8s.networking.v1.NetworkPolicyArgs>;
  };
}

/** The app's public URL: https when the Ingress terminates TLS. Undefined without an Ingress. */
export function publicUrl(ingress: NextjsAppArgs["ingress"]): string | undefined {
  return ingress ? `${ingress.tls ? "https" : "http"}://${ingress.host}` : undefined;
}

/** A `kubernetes.io/dockerconfigjson` payload for one registry. */
export function dockerConfigJson(registry: string, username: string, password: string): string {
  return JSON.stringify({ auths: { [registry]: { username, password, auth: Buffer.from(`${username}:${password}`).toString("base64") } } });
}

/** The app's Kubernetes workload. */
export class NextjsApp extends pulumi.ComponentResource {
  /** Public (or in-cluster) base URL. */
  readonly url: pulumi.Output<string>;
  /** The Sentry release the pods report (`SENTRY_RELEASE`). */
  readonly sentryRelease: pulumi.Output<string>;
  readonly namespace: pulumi.Output<string>;
  /** Name of the migration Job of the current image, if migrations run. */
  readonly migrationJobName?: pulumi.Output<string>;
  readonly configMap: k8s.core.v1.ConfigMap;
  readonly databaseSecret: k8s.core.v1.Secret;
  readonly migration?: MigrationJob;
  readonly deployment: k8s.apps.v1.Deployment;
  readonly service: k8s.core.v1.Service;
  readonly ingress?: k8s.networking.v1.Ingress;

  constructor(name: string, args: NextjsAppArgs, opts?: pulumi.ComponentResourceOptions) {
    super("nextjs-infra:app:NextjsApp", name, {}, opts);
    const port = args.port ?? 3000;
    if (args.autoscaling && args.autoscaling.minReplicas > args.autoscaling.maxReplicas) {
      throw new pulumi.ResourceError("`autoscaling.minReplicas` must not exceed `autoscaling.maxReplicas`", this);
    }
    const t = args.transform ?? {};
    const namespace = pulumi.output(args.namespace);
    const meta = (n: string) => ({ name: n, namespace, labels: labels(args.appName, args.stack, "server") });
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
    const secretData = { DATABASE_URL: pulumi.secret(args.databaseUrl), DIRECT_URL: pulumi.secret(args.directUrl ?? args.databaseUrl) };
    this.databaseSecret = created(
      k8s.core.v1.Secret,
      `${name}-database`,
      { metadata: meta(`${args.appName}-database`), type: "Opaque", stringData: secretData },
      {
        parent: this,
      },
      t.secret,
    );
    const pullSecret = args.imagePullCredentials ? this.createPullSecret(name, args.imagePullCredentials, meta(`${args.appName}-registry`)) : undefined;

    this.migration = args.migrationCommand
      ? new MigrationJob(
          `${name}-migrate`,
          {
            appName: args.appName,
            stack: args.stack,
            namespace,
            imageRef: args.migrationImageRef ?? args.imageRef,
            command: args.migrationCommand,
            seedCommand: args.seedCommand,
            databaseSecretName: this.databaseSecret.metadata.name,
            resources: args.resources,
            requestLocalStorage: args.requestLocalStorage,
            imagePullSecretName: pullSecret?.metadata.name,
            skipAwait: args.skipAwait,
            transform: { job: t.migrationJob },
          },
          { parent: this },
        )
      : undefined;

    // The config changes only once the migration succeeded: until then, a running pod that
    // restarts reads the config of its own version (its release, its settings).
    this.configMap = created(
      k8s.core.v1.ConfigMap,
      `${name}-config`,
      { metadata: meta(`${args.appName}-config`), data: configData },
      {
        parent: this,
        dependsOn: this.migration ? [this.migration] : [],
      },
      t.configMap,
    );

    // Later sources win on a duplicate key: the program's own database URLs come last.
    const envFrom = [
      { configMapRef: { name: this.configMap.metadata.name } },
      ...(args.secretEnvFrom ?? []).map((n) => ({ secretRef: { name: n } })),
      { secretRef: { name: this.databaseSecret.metadata.name } },
    ];
    // Hashes of the config and secret contents roll the pods on any change. A SHA-256 of
    // high-entropy credentials reveals nothing, so the annotation need not be secret (a
    // secret annotation would hide the whole pod spec from every diff).
    const rollout = pulumi.unsecret(
      pulumi.all([pulumi.output(configData), pulumi.output(secretData), args.secretEnvChecksum ?? ""]).apply(([c, s, extra]): Record<string, string> => ({
        "checksum/config": checksum(c),
        "checksum/secret": checksum(s, { extra }),
      })),
    );
    const sa = new k8s.core.v1.ServiceAccount(`${name}-sa`, { metadata: meta(args.appName), automountServiceAccountToken: false }, { parent: this });
    this.deployment = this.createDeployment(name, args, port, meta(args.appName), sa.metadata.name, envFrom, rollout, pullSecret?.metadata.name);
    const awaitAnnotations = args.skipAwait ? { [SKIP_AWAIT]: "true" } : undefined;
    this.service = created(
      k8s.core.v1.Service,
      `${name}-service`,
      {
        metadata: { ...meta(args.appName), annotations: awaitAnnotations },
        spec: { type: "ClusterIP", selector: selectorOf(args), ports: [{ name: "http", port: 80, targetPort: "http" }] },
      },
      { parent: this },
      t.service,
    );
    if (args.ingress) this.ingress = this.createIngress(name, args, args.ingress, meta(args.appName), awaitAnnotations);
    this.createScaling(name, args, meta(args.appName));
    this.createNetworkPolicies(name, args, namespace, port);

    this.url = pulumi.output(url);
    this.sentryRelease = pulumi.output(release);
    this.namespace = namespace;
    this.migrationJobName = this.migration?.jobName;
    this.registerOutputs({ url: this.url, namespace: this.namespace, migrationJobName: this.migrationJobName, sentryRelease: this.sentryRelease });
  }

  private createPullSecret(name: string, c: PullCredentials, metadata: k8s.types.input.meta.v1.ObjectMeta) {
    const config = pulumi.secret(pulumi.all([c.username, c.password]).apply(([u, p]) => dockerConfigJson(c.registry, u, p)));
    return new k8s.core.v1.Secret(
      `${name}-registry`,
      { metadata, type: "kubernetes.io/dockerconfigjson", stringData: { ".dockerconfigjson": config } },
      { parent: this },
    );
  }

  private createDeployment(
    name: string,
    args: NextjsAppArgs,
    port: number,
    metadata: k8s.types.input.meta.v1.ObjectMeta,
    serviceAccountName: pulumi.Output<string>,
    envFrom: k8s.types.input.core.v1.EnvFromSource[],
    rollout: pulumi.Output<Record<string, string>>,
    pullSecretName?: pulumi.Output<string>,
  ) {
    const scratch = scratchVolumes(true);
    // With an autoscaler the replica count is its alone: Pulumi does not set the field at
    // all (it would fight the autoscaler, and a forced apply would reset it).
    const replicas = args.autoscaling ? undefined : (args.replicas ?? 1);
    const podLabels = labels(args.appName, args.stack, "server");
    // Fields Pulumi sets are Pulumi's: after a hand edit (kubectl scale, edit), `up` takes
    // them back instead of failing on a server-side-apply conflict.
    const annotations = { ...args.deploymentAnnotations, ...(args.skipAwait ? { [SKIP_AWAIT]: "true" } : {}), "pulumi.com/patchForce": "true" };
    return created(
      k8s.apps.v1.Deployment,
      `${name}-deployment`,
      {
        metadata: { ...metadata, annotations },
        spec: {
          replicas,
          selector: { matchLabels: selectorOf(args) },
          strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
          // A rollout that cannot progress (e.g. an image that cannot be pulled) fails the update instead of waiting out the timeout.
          progressDeadlineSeconds: 300,
          template: {
            metadata: { labels: podLabels, annotations: rollout },
            spec: {
              serviceAccountName,
              automountServiceAccountToken: false,
              securityContext: podSecurityContext(),
              terminationGracePeriodSeconds: 30,
              imagePullSecrets: pullSecretName ? [{ name: pullSecretName }] : undefined,
              volumes: scratch.volumes,
              topologySpreadConstraints:
                (replicas ?? args.autoscaling?.minReplicas ?? 1) > 1 ? spread(selectorOf(args), args.spreadAcrossNodes === "required") : undefined,
              priorityClassName: args.priorityClassName,
              containers: [
                {
                  name: "app",
                  image: args.imageRef,
                  ports: [{ name: "http", containerPort: port, protocol: "TCP" }],
                  envFrom,
                  resources: containerResources(args.resources, args.requestLocalStorage),
                  securityContext: containerSecurityContext(),
                  volumeMounts: scratch.mounts,
                  lifecycle: drainOnStop(),
                  ...probes("http", args.livenessPath ?? "/api/health?probe=liveness", args.readinessPath ?? "/api/health?probe=readiness"),
                },
              ],
            },
          },
        },
      },
      { parent: this, dependsOn: this.migration ? [this.migration] : [] },
      args.transform?.deployment,
    );
  }

  private createIngress(
    name: string,
    args: NextjsAppArgs,
    ingress: NonNullable<NextjsAppArgs["ingress"]>,
    metadata: k8s.types.input.meta.v1.ObjectMeta,
    awaitAnnotations?: Record<string, string>,
  ) {
    const skip: Record<string, string> = ingress.awaitAddress === false ? { [SKIP_AWAIT]: "true" } : {};
    const annotations = { ...awaitAnnotations, ...skip, ...(ingress.clusterIssuer ? { "cert-manager.io/cluster-issuer": ingress.clusterIssuer } : {}) };
    return created(
      k8s.networking.v1.Ingress,
      `${name}-ingress`,
      {
        metadata: { ...metadata, annotations },
        spec: {
          ingressClassName: ingress.className,
          tls: ingress.tls ? [{ hosts: [ingress.host], secretName: `${args.appName}-tls` }] : undefined,
          rules: [
            {
              host: ingress.host,
              http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: this.service.metadata.name, port: { name: "http" } } } }] },
            },
          ],
        },
      },
      { parent: this },
      args.transform?.ingress,
    );
  }

  private createScaling(name: string, args: NextjsAppArgs, metadata: k8s.types.input.meta.v1.ObjectMeta) {
    if (args.autoscaling) {
      const a = args.autoscaling;
      created(
        k8s.autoscaling.v2.HorizontalPodAutoscaler,
        `${name}-hpa`,
        {
          metadata,
          spec: {
            scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: this.deployment.metadata.name },
            minReplicas: a.minReplicas,
            maxReplicas: a.maxReplicas,
            metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: a.targetCpuUtilization } } }],
          },
        },
        { parent: this },
        args.transform?.autoscaler,
      );
    }
    if (args.disruptionBudget) {
      // Unhealthy pods may always be evicted: a budget never blocks a node drain because pods are failing anyway.
      created(
        k8s.policy.v1.PodDisruptionBudget,
        `${name}-pdb`,
        {
          metadata,
          spec: { minAvailable: args.disruptionBudget.minAvailable, unhealthyPodEvictionPolicy: "AlwaysAllow", selector: { matchLabels: selectorOf(args) } },
        },
        { parent: this },
        args.transform?.disruptionBudget,
      );
    }
  }

  private createNetworkPolicies(name: string, args: NextjsAppArgs, namespace: pulumi.Output<string>, port: number) {
    const policy = (suffix: string, spec: k8s.types.input.networking.v1.NetworkPolicySpec) =>
      created(
        k8s.networking.v1.NetworkPolicy,
        `${name}-${suffix}`,
        { metadata: { name: `${args.appName}-${suffix}`, namespace }, spec },
        {
          parent: this,
          deletedWith: args.guardrailsDeletedWith,
        },
        args.transform?.networkPolicy,
      );
    const controller = args.ingressControllerNamespace ?? INGRESS_CONTROLLER_NAMESPACE;
    policy("allow-ingress", ingressFromController(selectorOf(args), controller, port, args.ingressSources));
    policy("allow-egress", appEgress(args.appName));
    // cert-manager answers HTTP-01 challenges from solver pods in this namespace: default-deny would starve them.
    if (args.ingress?.tls !== false && args.ingress?.clusterIssuer)
      policy("allow-acme-solver", ingressFromController(ACME_SOLVER_SELECTOR, controller, ACME_SOLVER_PORT, args.ingressSources));
  }
}

/** cert-manager's HTTP-01 solver pods, and the port they answer on. */
export const ACME_SOLVER_SELECTOR = { "acme.cert-manager.io/http01-solver": "true" };
export const ACME_SOLVER_PORT = 8089;

/** Labels that select the server's pods (stable across releases). */
function selectorOf(args: Pick<NextjsAppArgs, "appName" | "stack">): Record<string, string> {
  const { "app.kubernetes.io/managed-by": _managedBy, ...selector } = labels(args.appName, args.stack, "server");
  return selector;
}
