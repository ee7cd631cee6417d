/** Stack names of pull request previews, and what they tell. */
import { DIGEST_REF } from "../../stacks/schema";
import { UsageError } from "./cli";

/** `pr-<n>` for a pull request number; throws on anything but a positive integer. */
export function previewStackName(pr: number): string {
  if (!Number.isInteger(pr) || pr < 1) throw new Error(`a pull request number is a positive integer; got ${String(pr)}`);
  return `pr-${pr}`;
}

/** The pull request number of a preview stack name (`pr-42`, or `org/project/pr-42`), else undefined. */
export function pullRequestOf(stackName: string): number | undefined {
  const m = /(?:^|\/)pr-([1-9][0-9]*)$/.exec(stackName);
  return m ? Number(m[1]) : undefined;
}

/** Parses a `--pr` value. */
export function parsePullRequest(value: string | undefined): number {
  if (value === undefined || !/^[1-9][0-9]*$/.test(value)) {
    throw new Error(`--pr wants a pull request number such as 42; got ${value === undefined ? "nothing" : JSON.stringify(value)}`);
  }
  return Number(value);
}

/** Stack names the drift job may check: letters, digits, '-', optionally org/project/ qualified. */
export function parseStackName(value: string): string {
  if (!/^([A-Za-z0-9_.-]+\/){0,2}[A-Za-z0-9_.-]+$/.test(value))
    throw new Error(`--stack wants a stack name such as dev or acme/nextjs-infra/prod; got ${JSON.stringify(value)}`);
  return value;
}

/** Checks an `--image-ref` value: a digest reference, nothing that could move. */
export function parseImageRef(value: string | undefined, flag = "--image-ref"): string | undefined {
  if (value === undefined || value === "") return undefined;
  if (!DIGEST_REF.test(value)) throw new UsageError(`${flag} wants <repository>@sha256:<64 hex digits> (a digest, never a tag); got ${JSON.stringify(value)}`);
  return value;
}
