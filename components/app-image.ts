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
   * Registry build cache scopes: the image imports `<repository>:buildcache-<scope>` for
   * each of `from` and exports the full cache (`mode=max`) to `to`, so a code-only change
   * reuses the dependency layers. Omit to build without a cache.
   * @example { to: "pr-42", from: ["pr-42", "dev"] }
   */
  readonly cache?: { readonly to: string; readonly from?: string[] };
  /** OCI labels added to the image. */
  readonly labels?: Record<string, string>;
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
  /** Registry credentials for push (build) or digest lookup (prebuilt tag). */
  readonly registry?: RegistryCredentials;
}

/** Fully qualified tags for a build. */
export function imageTags(repository: string, tags: readonly string[]): string[] {
  return [...new Set(tags)].map((t) => `${repository}:${t}`);
}

/** Registry cache import/export entries for a build. */
export function cacheConfig(repository: string, cache: NonNullable<AppImageBuildArgs["cache"]>) {
  const ref = (scope: string) => `${repository}:buildcache-${scope}`;
  const from = [...new Set([cache.to, ...(cache.from ?? [])])];
  return {
    cacheFrom: from.map((scope) => ({ registry: { ref: ref(scope) } })),
    // imageManifest + ociMediaTypes: the cache format every major registry (ECR included) accepts.
    cacheTo: [{ registry: { ref: ref(cache.to), mode: dockerBuild.CacheMode.Max, imageManifest: true, ociMediaTypes: true } }],
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
  /** `sha256:<digest>`. */
  readonly digest: pulumi.Output<string>;

  constructor(name: string, args: AppImageArgs, opts?: pulumi.ComponentResourceOptions) {
    super("nextjs-infra:image:AppImage", name, {}, opts);
    if ((args.build === undefined) === (args.prebuilt === undefined)) {
      throw new pulumi.ResourceError("AppImage needs exactly one of `build` and `prebuilt`", this);
    }
    const result = args.build ? this.createBuild(name, args.build, args.registry) : this.resolvePrebuilt(name, args.prebuilt ?? "", args.registry);
    this.imageRef = result.imageRef;
    this.digest = result.digest;
    this.registerOutputs({ imageRef: this.imageRef, digest: this.digest });
  }

  private createBuild(name: string, build: AppImageBuildArgs, registry?: RegistryCredentials) {
    const image = new dockerBuild.Image(
      `${name}-build`,
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
        ...(build.cache ? cacheConfig(build.repository, build.cache) : {}),
      },
      { parent: this },
    );
    return { imageRef: pulumi.interpolate`${build.repository}@${image.digest}`, digest: image.digest };
  }

  private resolvePrebuilt(name: string, ref: string, registry?: RegistryCredentials) {
    const pinned = digestOf(ref);
    if (pinned) return { imageRef: pulumi.output(ref), digest: pulumi.output(pinned) };
    // A tag moves; resolve it once per `up` so the Deployment records the exact image.
    const provider = registry
      ? new docker.Provider(`${name}-registry`, { registryAuth: [registry] }, { parent: this })
      : undefined;
    const found = docker.getRegistryImageOutput({ name: ref }, { parent: this, provider });
    return {
      imageRef: pulumi.interpolate`${repositoryOf(ref)}@${found.sha256Digest}`,
      digest: found.sha256Digest,
    };
  }
}
