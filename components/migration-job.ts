/**
 * MigrationJob: the database migration of one image, run once before that image takes
 * traffic. Its spec depends only on the image digest and the direct connection string
 * (read by name from the database Secret), so config and secret changes never re-run it;
 * a new digest is a new Job.
 *
 * Failure is reported, and retried, by itself: the Job's own deadline is shorter than
 * Pulumi's wait, so what the user sees is the Job's failure (its condition and reason), not
 * a timeout; and a failed Job is replaced on the next `up` (`pulumi.com/replaceUnready`), so
 * the retry is just running the deploy again.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { migrationJobName } from "./naming";
import { created, Transform } from "./transform";
import { containerResources, containerSecurityContext, ContainerResources, labels, podSecurityContext, scratchVolumes, SKIP_AWAIT } from "./workload";

/** How long one migration may run before the Job fails itself. */
export const MIGRATION_DEADLINE_SECONDS = 600;
/** How long Pulumi waits for the Job: longer than its deadline, so the Job's failure is what surfaces. */
export const MIGRATION_WAIT = "15m";

/** Arguments of `MigrationJob`. */
export interface MigrationJobArgs {
  readonly appName: string;
  readonly stack: string;
  readonly namespace: pulumi.Input<string>;
  /** The image to migrate for, pinned by digest. **A new digest is a new Job.** */
  readonly imageRef: pulumi.Input<string>;
  /** The migration command, a program the migrator image holds. @example ["node", "migrate.mjs", "deploy"] (or an app shipping the Prisma CLI: ["prisma", "migrate", "deploy"]) */
  readonly command: string[];
  /** Run after the migrations succeed, in the same Job: the seed (idempotent). @default none @example ["node", "migrate.mjs", "execute", "prisma/seed.sql"] */
  readonly seedCommand?: string[];
  /** The Secret holding `DIRECT_URL` (and `DATABASE_URL`), referenced by name so its data can change without touching the Job. */
  readonly databaseSecretName: pulumi.Input<string>;
  readonly resources: ContainerResources;
  /** Request and cap local disk (ephemeral storage) too. @default true */
  readonly requestLocalStorage?: boolean;
  /** Pull secret for private registries. @default none */
  readonly imagePullSecretName?: pulumi.Input<string>;
  /** Don't wait for the Job (API servers without nodes only). @default false */
  readonly skipAwait?: boolean;
  /** Escape hatch for the Job's args. */
  readonly transform?: { job?: Transform<k8s.batch.v1.JobArgs> };
}

/**
 * Waits (two minutes at most) until the database accepts a TCP connection at DIRECT_URL's
 * host and port. A NetworkPolicy engine programs a new pod's address a moment after the pod
 * starts, and a database may still be starting: without this, the migration's first (and,
 * each retry being a new pod, every) attempt can be refused. Node only: the migrator runs
 * the Prisma CLI, so it has Node.
 */
export const WAIT_FOR_DATABASE = [
  "node",
  "-e",
  [
    "const u = new URL(process.env.DIRECT_URL); const port = Number(u.port || 5432); const end = Date.now() + 1000 * Number(process.env.WAIT_SECONDS || 120);",
    "const attempt = () => { const s = require('net').connect(port, u.hostname); s.setTimeout(3000, () => s.destroy(new Error('timeout')));",
    "s.on('connect', () => { s.end(); process.exit(0); });",
    "s.on('error', (e) => { if (Date.now() > end) { console.error('database ' + u.hostname + ':' + port + ' unreachable: ' + e.message); process.exit(1); } setTimeout(attempt, 1000); }); };",
    "attempt();",
  ].join(" "),
];

/** The migration Job of one image. */
export class MigrationJob extends pulumi.ComponentResource {
  readonly job: k8s.batch.v1.Job;
  /** The Job's name (`<app>-migrate-<12 hex of the digest>`). */
  readonly jobName: pulumi.Output<string>;

  constructor(name: string, args: MigrationJobArgs, opts?: pulumi.ComponentResourceOptions) {
    super("nextjs-infra:app:MigrationJob", name, {}, opts);
    const scratch = scratchVolumes(false);
    const fromSecret = (key: string) => ({ name: key, valueFrom: { secretKeyRef: { name: args.databaseSecretName, key } } });
    const jobLabels = labels(args.appName, args.stack, "migration");
    const waitForDatabase = {
      name: "wait-for-database",
      image: args.imageRef,
      command: WAIT_FOR_DATABASE,
      env: [fromSecret("DIRECT_URL")],
      resources: containerResources(args.resources, args.requestLocalStorage),
      securityContext: containerSecurityContext(),
    };
    const step = (stepName: string, command: string[]) => ({
      name: stepName,
      image: args.imageRef,
      command,
      env: [fromSecret("DIRECT_URL"), fromSecret("DATABASE_URL")],
      resources: containerResources(args.resources, args.requestLocalStorage),
      securityContext: containerSecurityContext(),
      volumeMounts: scratch.mounts,
    });
    this.job = created(
      k8s.batch.v1.Job,
      `${name}-job`,
      {
        metadata: {
          name: pulumi.output(args.imageRef).apply((ref) => migrationJobName(args.appName, ref)),
          namespace: args.namespace,
          labels: jobLabels,
          // Without await a Job is never seen ready, and would be replaced on every `up`.
          annotations: args.skipAwait ? { [SKIP_AWAIT]: "true" } : { "pulumi.com/replaceUnready": "true" },
        },
        spec: {
          backoffLimit: 1,
          activeDeadlineSeconds: MIGRATION_DEADLINE_SECONDS,
          // No ttlSecondsAfterFinished: a Job that deletes itself would look like drift and run again.
          template: {
            metadata: { labels: jobLabels },
            spec: {
              restartPolicy: "Never",
              automountServiceAccountToken: false,
              securityContext: podSecurityContext(),
              imagePullSecrets: args.imagePullSecretName ? [{ name: args.imagePullSecretName }] : undefined,
              volumes: scratch.volumes,
              // Init containers run in order: with a seed, it runs only once the migrations succeeded.
              ...(args.seedCommand
                ? { initContainers: [waitForDatabase, step("migrate", args.command)], containers: [step("seed", args.seedCommand)] }
                : { initContainers: [waitForDatabase], containers: [step("migrate", args.command)] }),
            },
          },
        },
      },
      {
        parent: this,
        // The name is the digest's: a retry of the same digest must delete the failed Job first.
        deleteBeforeReplace: true,
        customTimeouts: { create: MIGRATION_WAIT, update: MIGRATION_WAIT },
        // Stacks deployed before this component existed have the Job under this name, directly in the app.
        aliases: opts?.parent ? [{ name, parent: opts.parent }] : [],
      },
      args.transform?.job,
    );
    this.jobName = this.job.metadata.name;
    this.registerOutputs({ jobName: this.jobName });
  }
}
