/**
 * AppSecrets: Doppler is the source of truth for the app's secrets. Pulumi writes the one
 * secret it owns (a generated NEXTAUTH_SECRET) into the stack's Doppler config, leaves the
 * ones people own alone, and syncs the whole config into one Kubernetes Secret that the
 * app reads with `envFrom`. The database URLs are not here: they live in one place, the
 * app's database Secret. The `local` profile has no Doppler: the Secret comes from the
 * stack's own secret config.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import * as doppler from "@pulumiverse/doppler";
import { GeneratedSecret } from "./generated-secret";
import { checksum, SKIP_AWAIT } from "./workload";

/** How Doppler's secrets reach the cluster unless asked otherwise: a snapshot at `up`. */
export const DEFAULT_SECRET_SYNC = "snapshot";
/** The Doppler side of a stack. */
export interface DopplerArgs {
  /** @example "web" */
  readonly project: string;
  /** Environment slug. @example "dev" */
  readonly environment: string;
  /** Config to read and write. @example "dev", "prd", "dev_pr_42" */
  readonly config: string;
  /** Create `config` as a branch config of `environment`, deleted with the stack. @default false */
  readonly branch?: boolean;
  /**
   * `snapshot`: Pulumi reads the config and writes the Kubernetes Secret, so a Doppler
   * change shows in `pulumi preview` and in drift detection, and rolls the pods.
   * `operator`: the Doppler operator (a cluster add-on) keeps the Secret in sync and
   * restarts the Deployment; Pulumi only creates its read-only token and `DopplerSecret`.
   * @default "snapshot"
   */
  readonly sync?: "snapshot" | "operator";
}

/** Arguments of `AppSecrets`: exactly one of `doppler` and `local`. */
export interface AppSecretsArgs {
  readonly appName: string;
  /** Namespace of the app (must exist). */
  readonly namespace: pulumi.Input<string>;
  /** Keeper of NEXTAUTH_SECRET: **a new value generates a new secret** (and rolls the pods). @default "1" */
  readonly rotation?: string;
  readonly doppler?: DopplerArgs;
  /** `local`: the app's own secrets (names plain, values secret). */
  readonly local?: Record<string, pulumi.Input<string>>;
  /** Don't wait for custom resources to become ready (API servers without nodes). @default false */
  readonly skipAwait?: boolean;
}

/** Keys Doppler adds to every config; they describe the config, not the app. */
export function isDopplerMeta(key: string): boolean {
  return /^DOPPLER_/.test(key);
}

/** The app's secrets, ending in one Kubernetes Secret. */
export class AppSecrets extends pulumi.ComponentResource {
  /** Name of the Kubernetes Secret the app reads. */
  readonly secretName: pulumi.Output<string>;
  /** Digest of the Secret's contents (snapshot and local modes), for the pod rollout annotation. */
  readonly checksum?: pulumi.Output<string>;
  /** Annotations the Deployment needs (operator mode: automatic reload). */
  readonly deploymentAnnotations: Record<string, string>;
  /** The Doppler config the stack uses. */
  readonly dopplerConfig?: pulumi.Output<string>;

  constructor(name: string, args: AppSecretsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("nextjs-infra:secrets:AppSecrets", name, {}, opts);
    if ((args.doppler === undefined) === (args.local === undefined)) {
      throw new pulumi.ResourceError("AppSecrets needs exactly one of `doppler` and `local`", this);
    }
    const nextauth = new GeneratedSecret(`${name}-nextauth`, { length: 48, rotation: args.rotation }, { parent: this });
    const owned: Record<string, pulumi.Input<string>> = { NEXTAUTH_SECRET: nextauth.value };
    const secretName = `${args.appName}-env`;
    this.deploymentAnnotations = {};

    if (args.local) {
      const data = pulumi.secret(pulumi.output({ ...args.local, ...owned }));
      this.secretName = this.writeSecret(name, args, secretName, data).metadata.name;
      this.checksum = digestOf(data);
    } else {
      const d = args.doppler!;
      const config = d.branch
        ? new doppler.BranchConfig(`${name}-config`, { project: d.project, environment: d.environment, name: d.config }, { parent: this }).name
        : pulumi.output(d.config);
      this.dopplerConfig = config;
      const written = Object.entries(owned).map(
        ([key, value]) =>
          new doppler.Secret(
            `${name}-${key.toLowerCase().replace(/_/g, "-")}`,
            { project: d.project, config, name: key, value: pulumi.secret(value) },
            { parent: this },
          ),
      );
      if ((d.sync ?? DEFAULT_SECRET_SYNC) === "snapshot") {
        // Read after our writes: the config name is passed through the written secrets' ids
        // (this provider's invoke takes no `dependsOn`). Its map comes back unmarked: make
        // it secret before it goes anywhere.
        const afterWrites = pulumi.all([config, ...written.map((w) => w.id)]).apply(([c]) => c);
        const read = doppler.getSecretsOutput({ project: d.project, config: afterWrites }, { parent: this });
        const data = pulumi.secret(read.map.apply((m) => Object.fromEntries(Object.entries(m).filter(([k]) => !isDopplerMeta(k)))));
        this.secretName = this.writeSecret(name, args, secretName, data).metadata.name;
        this.checksum = digestOf(data);
      } else {
        this.secretName = this.createOperatorSync(name, args, d, config, secretName);
        this.deploymentAnnotations = { "secrets.doppler.com/reload": "true" };
      }
    }
    this.registerOutputs({ secretName: this.secretName, checksum: this.checksum, dopplerConfig: this.dopplerConfig });
  }

  private writeSecret(name: string, args: AppSecretsArgs, secretName: string, data: pulumi.Output<Record<string, string>>) {
    return new k8s.core.v1.Secret(
      `${name}-secret`,
      {
        metadata: { name: secretName, namespace: args.namespace, labels: { "app.kubernetes.io/name": args.appName, "app.kubernetes.io/managed-by": "pulumi" } },
        type: "Opaque",
        stringData: data,
      },
      { parent: this },
    );
  }

  /** Operator mode: a read-only token the operator uses, and the `DopplerSecret` that names the target Secret. */
  private createOperatorSync(name: string, args: AppSecretsArgs, d: DopplerArgs, config: pulumi.Output<string>, secretName: string): pulumi.Output<string> {
    const token = new doppler.ServiceToken(
      `${name}-operator-token`,
      { project: d.project, config, name: `${args.appName}-operator`, access: "read" },
      { parent: this },
    );
    const tokenSecret = new k8s.core.v1.Secret(
      `${name}-operator-token`,
      {
        metadata: { name: `${args.appName}-doppler-token`, namespace: args.namespace },
        type: "Opaque",
        stringData: { serviceToken: pulumi.secret(token.key) },
      },
      { parent: this },
    );
    const sync = new k8s.apiextensions.CustomResource(
      `${name}-doppler-secret`,
      {
        apiVersion: "secrets.doppler.com/v1alpha1",
        kind: "DopplerSecret",
        metadata: { name: `${args.appName}-doppler`, namespace: args.namespace, annotations: args.skipAwait ? { [SKIP_AWAIT]: "true" } : undefined },
        spec: {
          tokenSecret: { name: tokenSecret.metadata.name },
          managedSecret: { name: secretName, namespace: args.namespace, type: "Opaque" },
          resyncSeconds: 60,
        },
      },
      { parent: this },
    );
    return sync.metadata.apply(() => secretName);
  }
}

/** A digest of a secret map that reveals nothing about it (see NextjsApp's rollout annotation). */
function digestOf(data: pulumi.Output<Record<string, string>>): pulumi.Output<string> {
  return pulumi.unsecret(data.apply((d) => checksum(d)));
}
