/**
 * Which registry an image lives in, from its reference, and the user name each kind of
 * registry expects with a token when none is configured.
 */

/** Registries we know the credential conventions of. */
export type RegistryKind = "ghcr" | "ecr" | "gar" | "acr" | "dockerhub" | "other";

/** What `registryOf` learns from an image reference. */
export interface RegistryInfo {
  /** Registry host (and port), e.g. `ghcr.io`; Docker Hub is `docker.io`. */
  address: string;
  kind: RegistryKind;
  /** The user name that goes with a token for this registry, if it has a fixed one. */
  defaultUsername: (env: Readonly<Record<string, string | undefined>>) => string | undefined;
}

/** Classifies the registry of a repository or image reference. */
export function registryOf(ref: string): RegistryInfo {
  const first = ref.split("/")[0];
  const hasHost = ref.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost");
  const address = hasHost ? first : "docker.io";
  const none = () => undefined;
  if (address === "ghcr.io") return { address, kind: "ghcr", defaultUsername: (env) => env.GITHUB_ACTOR };
  if (/\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com$/.test(address)) return { address, kind: "ecr", defaultUsername: () => "AWS" };
  if (/(^|\.)(gcr\.io|pkg\.dev)$/.test(address)) return { address, kind: "gar", defaultUsername: () => "oauth2accesstoken" };
  if (address.endsWith(".azurecr.io")) return { address, kind: "acr", defaultUsername: none };
  if (address === "docker.io") return { address, kind: "dockerhub", defaultUsername: none };
  return { address, kind: "other", defaultUsername: none };
}
