/**
 * How bad settings are reported: one error listing every problem, each naming its full
 * config key, what it got and what it expects.
 */
import * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";

/** One problem with one key. */
export interface SettingsIssue {
  key: string;
  message: string;
}

/**
 * Bad settings. A `RunError`, so Pulumi prints the message without a stack trace;
 * every problem is listed at once, each naming its full config key.
 */
export class SettingsError extends pulumi.RunError {
  constructor(
    readonly stack: string,
    readonly issues: SettingsIssue[],
  ) {
    super(
      `invalid settings for stack "${stack}":\n` +
        issues.map((i) => `  - ${i.key}: ${i.message}`).join("\n") +
        "\nEvery key, its type and default: docs/settings.md.",
    );
    this.name = "SettingsError";
  }
}

/** Renders a value for an error message, short enough to read. */
export function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/**
 * Turns a zod issue into a settings issue under `prefix` (e.g. `nextjs-infra:`).
 * `hideValues` keeps secret values out of the message: only the shape is named.
 */
export function describeIssue(prefix: string, issue: z.core.$ZodIssue, hideValues = false): SettingsIssue {
  const key = prefix + issue.path.map(String).join(".");
  if (issue.code === "unrecognized_keys") {
    const where = issue.path.length ? `${key}.` : prefix;
    return {
      key: issue.keys.map((k) => where + k).join(", "),
      message: `unknown key${issue.keys.length > 1 ? "s" : ""}; see docs/settings.md for the valid keys`,
    };
  }
  // A bad record key (env or build-arg name) nests its reason one level down.
  const message = issue.code === "invalid_key" ? (issue.issues[0]?.message ?? issue.message) : issue.message;
  const keyIsInput = issue.code === "invalid_key";
  const got = issue.input === undefined ? "nothing" : hideValues && !keyIsInput ? "a value of the wrong type" : show(issue.input);
  return { key, message: `got ${got}, expected ${message}` };
}
