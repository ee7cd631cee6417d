/**
 * AppImage: the app's container image, built with BuildKit and pushed to a registry,
 * or a prebuilt image. Either way the output is a reference pinned by digest, so a
 * Deployment never runs "whatever the tag points at today".
 */
import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import * as dockerBuild from "@pulumi/docker-build";
import { digestOf } from "./naming";

/** Registry credentials. Without them the build uses the ambient `docker login`. */
export interface RegistryCredentials {
  /** Registry host, e.g. `ghcr.io`. */
  readonly address: pulumi.Input<string>;
  readonly username: pulumi.Input<string>;
  /** Password or token; keep it a secret `Output`. */
  readonly password: pulumi.Input<string>;
}

/** How to build the image from source. */
export interface AppImageBuildArgs {
  /** Repository to push to, without tag or digest. @example "ghcr.io/acme/web" */
  readonly repository: string;
  /** Build context directory. */
  readonly context: string;
  /** Dockerfile path. @default `${context}/Dockerfile` */
  readonly dockerfile?: string;
  /** Stage to build. @default the last stage */
  readonly target?: string;
  /** Target platforms. @default ["linux/amd64"] */
  readonly platforms?: dockerBuild.Platform[];
  /** Build arguments, e.g. `NEXT_PUBLIC_*`. They persist in the image: never put secrets here. */
  readonly buildArgs?: Record<string, pulumi.Input<string>>;
  /** BuildKit secrets (`RUN --mount=type=secret,id=<key>`), e.g. a Sentry auth token. */
  readonly secrets?: Record<string, pulumi.Input<string>>;
  /** Tags pushed alongside the digest, e.g. the git SHA and the stack name. @default [] */
  readonly tags?: string[];
  /**
   * Whether `pulumi preview` builds (it never pushes: docker-build exports only on `up`).
   * @default true
   */
  readonly buildOnPreview?: boolean;
  /**
   * Registry build cache: full references imported (`from`) and the one exported with the
   * full cache (`mode=max`) to `to`, so a code-only change reuses the dependency layers.
   * Never let an untrusted build export to a reference a trusted build imports.
   * Omit to build without a cache.
   * @example { to: "ghcr.io/acme/web-preview:buildcache-pr-42", from: ["ghcr.io/acme/web-preview:buildcache-pr-42", "ghcr.io/acme/web:buildcache-dev"] }
   */
  readonly cache?: { readonly to: string; readonly from?: string[] };
  /** OCI labels added to the image. Anything that changes per commit here changes the digest and rolls every stack. */
  readonly labels?: Record<string, string>;
  /**
   * Also build this stage as the migration image (same repository, tags prefixed
   * `migrator-`, its own cache): the app image then carries no migration tooling.
   * @default none
   */
  readonly migratorTarget?: string;
}

/** Arguments of `AppImage`: exactly one of `build` and `prebuilt`. */
export interface AppImageArgs {
  /** Build from source and push. Conflicts with `prebuilt`. */
  readonly build?: AppImageBuildArgs;
  /**
   * Deploy this image instead of building: a digest reference is used as-is, a tag
   * reference is resolved to its current digest through the registry. Conflicts with `build`.
   * @example "ghcr.io/acme/web@sha256:4f…"
   */
  readonly prebuilt?: string;
  /** The prebuilt migration image (digest, or a tag resolved to one). With `prebuilt` only. @default none */
  readonly prebuiltMigrator?: string;
  /** Registry credentials for push (build) or digest lookup (prebuilt tag). */
  readonly registry?: RegistryCredentials;
}

/** Fully qualified tags for a build. */
export function imageTags(repository: string, tags: readonly string[]): string[] {
  return [...new Set(tags)].map((t) => `${repository}:${t}`);
}

/** Registry cache import/export entries for a build. */
export function cacheConfig(cache: NonNullable<AppImageBuildArgs["cache"]>) {
  const from = [...new Set([cache.to, ...(cache.from ?? [])])];
  return {
    cacheFrom: from.map((ref) => ({ registry: { ref } })),
    // imageManifest + ociMediaTypes: the cache format every major registry (ECR included) accepts.
    cacheTo: [{ registry: { ref: cache.to, mode: dockerBuild.CacheMode.Max, imageManifest: true, ociMediaTypes: true } }],
  };
}

/** `repo:tag` → `repo`; leaves a registry port alone (`localhost:5001/web:1` → `localhost:5001/web`). */
export function repositoryOf(ref: string): string {
  const withoutDigest = ref.split("@")[0];
  const lastSlash = withoutDigest.lastIndexOf("/");
  const colon = withoutDigest.indexOf(":", lastSlash + 1);
  return colon === -1 ? withoutDigest : withoutDigest.slice(0, colon);
}

/** The app image, as a digest-pinned reference. */
export class AppImage extends pulumi.ComponentResource {
  /** `<repository>@sha256:<digest>`: what workloads deploy. */
  readonly imageRef: pulumi.Output<string>;
  /** The migration image by digest, when one is built or given. */
  readonly migratorRef?: pulumi.Output<string>;

  constructor(name: string, args: AppImageArgs, opts?: pulumi.ComponentResourceOptions) {
    super("nextjs-infra:image:AppImage", name, {}, opts);
    if ((args.build === undefined) === (args.prebuilt === undefined)) {
      throw new pulumi.ResourceError("AppImage needs exactly one of `build` and `prebuilt`", this);
    }
    if (args.build) {
      this.imageRef = this.createBuild(`${name}-build`, args.build, args.registry);
      if (args.build.migratorTarget) {
        const cache = args.build.cache
          ? { to: `${args.build.cache.to}-migrator`, from: (args.build.cache.from ?? []).map((ref) => `${ref}-migrator`) }
          : undefined;
        const tags = (args.build.tags ?? []).map((t) => `migrator-${t}`);
        this.migratorRef = this.createBuild(`${name}-migrator-build`, { ...args.build, target: args.build.migratorTarget, tags, cache }, args.registry);
      }
    } else {
      this.imageRef = this.resolvePrebuilt(`${name}-registry`, args.prebuilt ?? "", args.registry);
      if (args.prebuiltMigrator) this.migratorRef = this.resolvePrebuilt(`${name}-migrator-registry`, args.prebuiltMigrator, args.registry);
    }
    this.registerOutputs({ imageRef: this.imageRef, migratorRef: this.migratorRef });
  }

  private createBuild(name: string, build: AppImageBuildArgs, registry?: RegistryCredentials) {
    const image = new dockerBuild.Image(
      name,
      {
        context: { location: build.context },
        dockerfile: { location: build.dockerfile ?? `${build.context}/Dockerfile` },
        target: build.target,
        platforms: build.platforms ?? [dockerBuild.Platform.Linux_amd64],
        buildArgs: build.buildArgs,
        secrets: build.secrets,
        labels: build.labels,
        tags: imageTags(build.repository, build.tags ?? []),
        push: true,
        buildOnPreview: build.buildOnPreview ?? true,
        registries: registry ? [registry] : undefined,
        ...(build.cache ? cacheConfig(build.cache) : {}),
      },
      { parent: this },
    );
    return pulumi.interpolate`${build.repository}@${image.digest}`;
  }

  private resolvePrebuilt(name: string, ref: string, registry?: RegistryCredentials) {
    if (digestOf(ref)) return pulumi.output(ref);
    // A tag moves; resolve it once per `up` so the Deployment records the exact image.
    const provider = registry ? new docker.Provider(name, { registryAuth: [registry] }, { parent: this }) : undefined;
    const found = docker.getRegistryImageOutput({ name: ref }, { parent: this, provider });
    return pulumi.interpolate`${repositoryOf(ref)}@${found.sha256Digest}`;
  }
}

/**
 * The image a stack runs now, read from its own last deployment (a reference to itself):
 * what production keeps when no new digest is promoted. Undefined before the first deploy.
 */
export async function deployedImageRefs(stackName: string, opts?: pulumi.CustomResourceOptions): Promise<{ imageRef?: string; migratorRef?: string }> {
  const self = new pulumi.StackReference(`${stackName.split("/").pop()}-deployed`, { name: stackName }, opts);
  const digest = async (output: string) => {
    const found = await self.getOutputDetails(output);
    const ref: unknown = found.value ?? found.secretValue;
    return typeof ref === "string" && digestOf(ref) ? ref : undefined;
  };
  return { imageRef: await digest("imageRef"), migratorRef: await digest("migratorRef") };
}
