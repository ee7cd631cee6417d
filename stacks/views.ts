/**
 * The committed stacks seen from outside: each one's profile, parsed config and external
 * names, read from the stack files without running them. Settings use this to keep a
 * stack's names apart from its siblings'; the repository stack and the credential map
 * use it to know which environments exist and what each one's credentials reach.
 */
import { AppProfile, Profile, resolveProfile } from "./profiles";
import { Config, ConfigSchema, OBJECT_KEYS, SECRET_KEYS } from "./schema";
import { DEFAULT_APP_NAME, externalNames, ExternalNames, productionStackOf } from "./names";
import { AccessModel, CloudView } from "./access";
import { CLOUDS, cloudOf, cloudVariable, registryHost } from "./cloud";
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
  const previewRepository = shared.image?.previewRepository ?? (main ? `${main}-preview` : undefined);
  return {
    appName: shared.appName ?? DEFAULT_APP_NAME,
    repository,
    stacks: longLived.map((v) => ({
      stack: v.stack,
      profile: v.profile,
      names: v.names,
      neonProjectId: v.config.neon?.projectId,
      dopplerProject: v.config.doppler?.project,
      cloud: cloudView(v.config, { registry: v.profile === "dev" && main ? registryHost(main) : undefined, cluster: true, read: true }),
    })),
    preview: {
      enabled: preview !== undefined,
      neonProjectId: preview?.config.neon?.projectId,
      dopplerProject: preview?.config.doppler?.project,
      dopplerEnvironment: preview?.names?.doppler.environment ?? "preview",
      namespacePrefix: (preview?.names?.namespace ?? "web-pr-1").replace(/1$/, ""),
      // Previews reach the cluster with their own OIDC identity: the cloud's is for the registry alone.
      cloud: preview ? cloudView(preview.config, { registry: registryHost(previewRepository ?? ""), cluster: false, read: false }) : undefined,
    },
    images: { repository: main, previewRepository },
    sentryOrg: shared.sentry?.org,
  };
}

/** A stack's cloud as its environments see it; none for `any` (kubeconfig and registry token secrets). */
function cloudView(c: Config, opts: { registry?: string; cluster: boolean; read: boolean }): CloudView | undefined {
  const provider = cloudOf(c).provider;
  if (provider === "any") return undefined;
  return {
    provider,
    identity: CLOUDS[provider].identity.what,
    deploy: cloudVariable(c, "deploy", { registry: opts.registry, cluster: opts.cluster }),
    read: opts.read ? cloudVariable(c, "read", { cluster: opts.cluster }) : undefined,
  };
}
