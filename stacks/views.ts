/**
 * The committed stacks seen from outside: each one's profile, parsed config and external
 * names, read from the stack files without running them. Settings use this to keep a
 * stack's names apart from its siblings'; the repository stack and the credential map
 * use it to know which environments exist and what each one's credentials reach.
 */
import { AppProfile, Profile, resolveProfile } from "./profiles";
import { Config, ConfigSchema, OBJECT_KEYS, SECRET_KEYS } from "./schema";
import { externalNames, ExternalNames, productionStackOf } from "./names";
import { AccessModel } from "./access";
import type { RawConfig } from "./files";

/** One committed stack, parsed. */
export interface StackFileView {
  stack: string;
  profile: Profile;
  config: Config;
  /** App stacks only. */
  names?: ExternalNames;
}

/** A stack's plain config, namespace stripped and objects parsed; secret keys left out. Invalid JSON is skipped (the stack's own run reports it). */
export function plainConfig(project: string, raw: RawConfig): Record<string, unknown> {
  const ns = `${project}:`;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) {
    const key = k.slice(ns.length);
    if (!k.startsWith(ns) || key in SECRET_KEYS) continue;
    try {
      out[key] = OBJECT_KEYS.has(key) ? JSON.parse(v) : v;
    } catch {
      continue;
    }
  }
  return out;
}

/**
 * The committed stacks (project config included in each). A stack whose config is
 * invalid or whose name has no profile is left out: its own run reports why.
 */
export function stackFileViews(project: string, stacks: Readonly<Record<string, RawConfig>>, fallbackProductionStack?: string): StackFileView[] {
  const out: StackFileView[] = [];
  for (const [stack, raw] of Object.entries(stacks)) {
    const plain = plainConfig(project, raw);
    const parsed = ConfigSchema.safeParse(plain);
    const profile = resolveProfile(stack, typeof plain.profile === "string" ? plain.profile : undefined);
    if (!parsed.success || !profile.ok) continue;
    const view: StackFileView = { stack, profile: profile.profile, config: parsed.data };
    if (profile.profile !== "cluster" && profile.profile !== "github") {
      const productionStack = parsed.data.productionStack ?? fallbackProductionStack ?? productionStackOf(parsed.data);
      view.names = externalNames({ stack, profile: profile.profile, pullRequest: profile.pullRequest, productionStack }, parsed.data);
    }
    out.push(view);
  }
  return out;
}

/** A stand-in preview stack: what every `pr-<n>` stack shares, from the project config alone. */
export function previewView(project: string, projectConfig: RawConfig): StackFileView | undefined {
  return stackFileViews(project, { "pr-1": projectConfig })[0];
}

/** The inputs of the credential map, from the project config and the committed stacks. */
export function accessModel(project: string, projectConfig: RawConfig, stacks: Readonly<Record<string, RawConfig>>): AccessModel {
  const views = stackFileViews(project, stacks);
  const shared = plainConfig(project, projectConfig) as Config;
  const preview = previewView(project, projectConfig);
  const longLived = views.filter((v): v is StackFileView & { names: ExternalNames; profile: AppProfile } => v.names?.githubEnvironment !== undefined);
  const repository = views.find((v) => v.profile === "github")?.config.github?.repository ?? shared.github?.repository ?? "?/?";
  const main = shared.image?.repository;
  return {
    appName: shared.appName ?? "web",
    repository,
    stacks: longLived.map((v) => ({ stack: v.stack, profile: v.profile, names: v.names, neonProjectId: v.config.neon?.projectId, dopplerProject: v.config.doppler?.project })),
    preview: {
      enabled: preview !== undefined,
      neonProjectId: preview?.config.neon?.projectId,
      dopplerProject: preview?.config.doppler?.project,
      dopplerEnvironment: preview?.names?.doppler.environment ?? "preview",
      namespacePrefix: (preview?.names?.namespace ?? "web-pr-1").replace(/1$/, ""),
    },
    images: { repository: main, previewRepository: shared.image?.previewRepository ?? (main ? `${main}-preview` : undefined) },
  };
}
