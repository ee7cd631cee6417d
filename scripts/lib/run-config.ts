/**
 * One run's config: values a run sets (a promoted digest, a context) go into the stack's
 * config for that run and the stack file is put back as it was afterwards, so a deploy by
 * hand never leaves a committed `Pulumi.<stack>.yaml` changed. The stack's state records
 * what runs.
 */
import * as fs from "fs";
import * as path from "path";
import type { Stack } from "@pulumi/pulumi/automation";

/** Sets `values` (full keys; undefined skipped) for the length of `fn`, then restores the stack file byte for byte. */
export async function withRunConfig<T>(
  stack: Pick<Stack, "name" | "setConfig">,
  workDir: string,
  values: Record<string, string | undefined>,
  fn: () => Promise<T>,
): Promise<T> {
  const file = path.join(workDir, `Pulumi.${stack.name.split("/").pop()}.yaml`);
  const committed = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined;
  try {
    for (const [key, value] of Object.entries(values)) if (value !== undefined) await stack.setConfig(key, { value }, true);
    return await fn();
  } finally {
    if (committed === undefined) fs.rmSync(file, { force: true });
    else fs.writeFileSync(file, committed);
  }
}
