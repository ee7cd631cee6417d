/**
 * The project's committed config files, read the way the Pulumi CLI assembles them:
 * project-level values from `Pulumi.yaml`, then each `Pulumi.<stack>.yaml` on top, key by
 * key. Settings use them to know what every stack inherits and which names the other
 * stacks own.
 */
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";

/** Full keys (`nextjs-infra:image`) to raw values as `pulumi.runtime.allConfig()` gives them. */
export type RawConfig = Record<string, string>;

function fullKey(project: string, key: string): string {
  return key.includes(":") ? key : `${project}:${key}`;
}

/** A config value as the engine hands it to the program: strings as they are, anything else as JSON. */
function rawValue(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** Project-level config of `Pulumi.yaml` (values written plainly, or as `{ value }` / `{ default }`). */
export function projectConfigOf(dir: string, project: string): RawConfig {
  const file = path.join(dir, "Pulumi.yaml");
  if (!fs.existsSync(file)) return {};
  const doc = yaml.load(fs.readFileSync(file, "utf8")) as { config?: Record<string, unknown> } | undefined;
  const out: RawConfig = {};
  for (const [k, v] of Object.entries(doc?.config ?? {})) {
    const value =
      v && typeof v === "object" && !Array.isArray(v) ? ((v as { value?: unknown; default?: unknown }).value ?? (v as { default?: unknown }).default) : v;
    if (value !== undefined) out[fullKey(project, k)] = rawValue(value);
  }
  return out;
}

/** One stack's config as the CLI would assemble it: project config with the stack file's keys on top. */
export function stackConfigOf(dir: string, project: string, stack: string, projectConfig = projectConfigOf(dir, project)): RawConfig {
  const file = path.join(dir, `Pulumi.${stack}.yaml`);
  const out: RawConfig = { ...projectConfig };
  if (!fs.existsSync(file)) return out;
  const doc = yaml.load(fs.readFileSync(file, "utf8")) as { config?: Record<string, unknown> } | undefined;
  for (const [k, v] of Object.entries(doc?.config ?? {})) out[fullKey(project, k)] = rawValue(v);
  return out;
}

/** The stacks committed in `dir` (one `Pulumi.<stack>.yaml` each). */
export function committedStacks(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .map((f) => /^Pulumi\.([^.]+)\.yaml$/.exec(f)?.[1])
    .filter((s): s is string => s !== undefined)
    .sort();
}

/** What settings read besides the running stack's own config. */
export function readProjectFiles(dir: string, project: string, stack: string): { projectConfig: RawConfig; siblings: Record<string, RawConfig> } {
  const projectConfig = projectConfigOf(dir, project);
  const siblings: Record<string, RawConfig> = {};
  for (const s of committedStacks(dir)) if (s !== stack) siblings[s] = stackConfigOf(dir, project, s, projectConfig);
  return { projectConfig, siblings };
}
