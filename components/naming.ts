/**
 * Physical names, in one place, with the length and character rules of the systems
 * that hold them. Logical (Pulumi) names are `${name}-<role>` and never built here.
 */
import { createHash } from "crypto";

/** Kubernetes DNS-1123 labels (namespaces, Job names) are at most 63 characters. */
export const DNS_LABEL_MAX = 63;

/** Lowercase hex SHA-256 of a string. */
export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/**
 * Joins parts into a DNS label. When the result is too long, the tail is replaced by a
 * short hash of the whole, so two long names never collide after truncation.
 */
export function dnsLabel(parts: string[], max = DNS_LABEL_MAX): string {
  const full = parts
    .join("-")
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/-+/g, "-")
    .replace(/^-|-$/g, "");
  if (full.length <= max) return full;
  const hash = sha256(full).slice(0, 8);
  return `${full.slice(0, max - hash.length - 1).replace(/-$/, "")}-${hash}`;
}

/** The namespace of a stack: `<app>-<stack>`, e.g. `web-pr-42`. */
export function namespaceName(appName: string, stack: string): string {
  return dnsLabel([appName, stack]);
}

/** The digest part of an image reference (`sha256:…`), or undefined for a tag-only reference. */
export function digestOf(imageRef: string): string | undefined {
  return /@(sha256:[a-f0-9]{64})$/.exec(imageRef)?.[1];
}

/**
 * The migration Job of one image: `<app>-migrate-<first 12 hex of the digest>`.
 * A new digest is a new Job (Jobs are immutable), so each image migrates exactly once.
 */
export function migrationJobName(appName: string, imageRef: string): string {
  const digest = digestOf(imageRef);
  const id = digest ? digest.slice("sha256:".length, "sha256:".length + 12) : sha256(imageRef).slice(0, 12);
  return dnsLabel([appName, "migrate", id]);
}
