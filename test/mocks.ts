/**
 * The one set of Pulumi mocks every unit test uses: it records each registration with
 * its raw inputs (secrets keep their wire wrapper, so tests can tell what is secret),
 * answers only the invokes a test declared, and renders the whole program per stack.
 */
import * as pulumi from "@pulumi/pulumi";
import * as path from "path";
import { program } from "../scripts/lib/workspace";
import { stackConfigOf } from "../stacks/files";

/** The wire marker the SDK wraps secret values in. */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const SECRET_VALUE = "1b47061264138c4ac30d75fd1eb44270";

export const ROOT = path.resolve(__dirname, "..");
export const PROJECT = "nextjs-infra";

/** One resource registration as the engine would have seen it. */
export interface Registration {
  type: string;
  name: string;
  /** Inputs with secrets unwrapped. */
  inputs: any;
  /** Inputs as sent, secrets still wrapped. */
  raw: any;
  provider?: string;
  /** Resource options as the engine received them. */
  options: { protect: boolean; retainOnDelete: boolean; dependencies: string[]; additionalSecretOutputs: string[]; deletedWith: string };
}

/** The parts of a RegisterResourceRequest the recorder reads. */
interface RegisterRequest {
  getType(): string;
  getName(): string;
  getProtect(): boolean;
  getRetainondelete(): boolean;
  getDependenciesList(): string[];
  getAdditionalsecretoutputsList(): string[];
  getDeletedwith(): string;
}

type InvokeHandler = (inputs: any) => Record<string, unknown>;

/** Whether a raw value is a secret on the wire. */
export function isSecretValue(value: unknown): boolean {
  return typeof value === "object" && value !== null && (value as Record<string, unknown>)[SECRET_SIG] === SECRET_VALUE;
}

/** Removes secret wrappers, recursively. */
export function unwrap(value: any): any {
  if (isSecretValue(value)) return unwrap(value.value);
  if (Array.isArray(value)) return value.map(unwrap);
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unwrap(v)]));
  return value;
}

/** Every string value inside a value (secrets included), for "no literal secret" checks. */
export function allStrings(value: any): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(allStrings);
  if (value && typeof value === "object") return Object.values(value).flatMap(allStrings);
  return [];
}

/** Strings in raw inputs that are NOT inside a secret wrapper: what would be plaintext in state. */
export function plainStrings(raw: any): string[] {
  if (isSecretValue(raw)) return [];
  if (typeof raw === "string") return [raw];
  if (Array.isArray(raw)) return raw.flatMap(plainStrings);
  if (raw && typeof raw === "object") return Object.values(raw).flatMap(plainStrings);
  return [];
}

/** Deterministic fake digest for a build. */
export function fakeDigest(seed: string): string {
  let hex = "";
  for (let i = 0; hex.length < 64; i++) hex += ((seed.charCodeAt(i % seed.length) * 31 + i) % 16).toString(16);
  return `sha256:${hex}`;
}

/** Well-known test values that providers would compute. */
export const FAKE = {
  neonHost: "ep-quiet-sun-a1b2c3d4.eu-central-1.aws.neon.tech",
  neonPassword: "npg_R0lePassw0rd",
  localPassword: "LocalGeneratedPassw0rd",
  nextauthSecret: "GeneratedNextauthSecretValue0123456789abcdefXYZW",
  dopplerToken: "dp-st-fake-service-token",
  /** A secret people own, as Doppler would return it. */
  sentryDsn: "https://public-key@o1.ingest.example/42",
};

/** Outputs a real provider would add to the inputs, per type token. */
const PROVIDER_OUTPUTS: Record<string, (name: string) => Record<string, unknown>> = {
  "docker-build:index:Image": (name) => ({ digest: fakeDigest(name) }),
  "pulumi-nodejs:dynamic/neon:Project": () => ({ projectId: "created-project-1234" }),
  "pulumi-nodejs:dynamic/neon:Branch": (name) => ({ branchId: `br-${name}`, adopted: false }),
  "pulumi-nodejs:dynamic/neon:Endpoint": () => ({ endpointId: "ep-quiet-sun-a1b2c3d4", host: FAKE.neonHost, adopted: false }),
  "pulumi-nodejs:dynamic/neon:Role": () => ({ password: FAKE.neonPassword, adopted: false }),
  "pulumi-nodejs:dynamic/nextjs-infra:GeneratedSecret": (name) => ({ value: name.endsWith("nextauth") ? FAKE.nextauthSecret : FAKE.localPassword }),
  "doppler:index/serviceToken:ServiceToken": () => ({ key: FAKE.dopplerToken }),
};

/** Records registrations; throws on any invoke a test did not declare. */
export class RecordingMocks implements pulumi.runtime.Mocks {
  readonly registrations: Registration[] = [];
  /** Options by `type::name`, captured from the request before the mock sees it. */
  readonly options = new Map<string, Registration["options"]>();
  private readonly invokes = new Map<string, InvokeHandler>();
  /** The outputs of the stack's last deployment, as a reference to itself reads them (none: never deployed). */
  deployed: Record<string, unknown> = {};
  /**
   * Model a preview of an update: resources keep their ids, but what providers compute is
   * not known yet (the dynamic-provider host returns only the new inputs).
   */
  unknownOutputs = false;

  /** Answers the provider functions the whole program calls, as the real services would. */
  withServiceInvokes(): this {
    return this.onInvoke("doppler:index/getSecrets:getSecrets", (inputs) => ({
      id: `${inputs.project}/${inputs.config}`,
      project: inputs.project,
      config: inputs.config,
      map: { SENTRY_DSN: FAKE.sentryDsn, DOPPLER_PROJECT: inputs.project, DOPPLER_CONFIG: inputs.config, DOPPLER_ENVIRONMENT: "dev" },
    }))
      .onInvoke("github:index/getUser:getUser", (inputs) => ({ id: String(1000 + inputs.username.length), login: inputs.username }))
      .onInvoke("github:index/getTeam:getTeam", (inputs) => ({ id: String(2000 + inputs.slug.length), slug: inputs.slug }));
  }

  /** Declares the answer to one invoke token. */
  onInvoke(token: string, handler: InvokeHandler): this {
    this.invokes.set(token, handler);
    return this;
  }

  newResource(args: pulumi.runtime.MockResourceArgs): pulumi.runtime.MockResourceResult {
    const inputs = unwrap(args.inputs);
    const options = this.options.get(`${args.type}::${args.name}`) ?? {
      protect: false,
      retainOnDelete: false,
      dependencies: [],
      additionalSecretOutputs: [],
      deletedWith: "",
    };
    this.registrations.push({ type: args.type, name: args.name, inputs, raw: args.inputs, provider: args.provider, options });
    const state: Record<string, unknown> = { ...args.inputs };
    const computed = PROVIDER_OUTPUTS[args.type]?.(args.name) ?? {};
    if (!this.unknownOutputs) Object.assign(state, computed);
    if (args.type === "pulumi:pulumi:StackReference") Object.assign(state, { outputs: this.deployed, secretOutputNames: [] });
    if (args.type.startsWith("kubernetes:") && inputs.metadata && !inputs.metadata.name) {
      // Auto-naming: the provider appends a random suffix.
      state.metadata = { ...args.inputs.metadata, name: `${args.name}-abc123` };
    }
    // Resources whose id the program uses (children take their parents' ids) get the id the real provider would give.
    const id =
      args.type === "pulumi-nodejs:dynamic/neon:Project"
        ? computed.projectId
        : args.type === "pulumi-nodejs:dynamic/neon:Branch"
          ? computed.branchId
          : undefined;
    return { id: typeof id === "string" ? id : `${args.name}-id`, state };
  }

  /** Invokes made, in order. */
  readonly calls: { token: string; inputs: any }[] = [];

  call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
    this.calls.push({ token: args.token, inputs: unwrap(args.inputs) });
    const handler = this.invokes.get(args.token);
    if (!handler) throw new Error(`unexpected invoke ${args.token} (declare it with onInvoke)`);
    return handler(args.inputs);
  }

  /** All registrations of a type token, e.g. `kubernetes:apps/v1:Deployment`. */
  ofType(type: string): Registration[] {
    return this.registrations.filter((r) => r.type === type);
  }

  /** The single registration of a type; fails when there are none or several. */
  one(type: string): Registration {
    const found = this.ofType(type);
    if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
    return found[0];
  }

  /**
   * Waits until every registration the program started has reached the mocks: Pulumi's own
   * count of outstanding resource operations drained (not a quiet spell, which a loaded
   * machine can fake), so a check that something is absent is not run too early.
   */
  async settle(): Promise<void> {
    await (pulumi.runtime as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
  }
}

/** Resolves an Output (or plain value) to its value. Undefined when unknown (preview). */
export function valueOf<T>(output: pulumi.Input<T>): Promise<T> {
  return new Promise((resolve) => pulumi.output(output).apply((v) => resolve(v as T)));
}

/** Whether an Output is secret. */
export function secretOf(output: pulumi.Output<unknown>): Promise<boolean> {
  return (output as unknown as { isSecret: Promise<boolean> }).isSecret;
}

/** Installs fresh mocks for a stack with the given raw config (keys without namespace get the project's). */
export async function useMocks(
  stack: string,
  config: Record<string, unknown> = {},
  secrets: Record<string, string> = {},
  opts: { preview?: boolean } = {},
): Promise<RecordingMocks> {
  const mocks = new RecordingMocks();
  await pulumi.runtime.setMocks(mocks, PROJECT, stack, opts.preview ?? false, "organization");
  // The mock monitor drops resource options; record them on the way in.
  const monitor = pulumi.runtime.getMonitor() as unknown as { registerResource(req: RegisterRequest, cb: unknown): unknown };
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, cb) => {
    mocks.options.set(`${req.getType()}::${req.getName()}`, {
      protect: req.getProtect(),
      retainOnDelete: req.getRetainondelete(),
      dependencies: req.getDependenciesList(),
      additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
      deletedWith: req.getDeletedwith(),
    });
    return register(req, cb);
  };
  const full: Record<string, string> = {};
  for (const [k, v] of Object.entries(config)) full[k.includes(":") ? k : `${PROJECT}:${k}`] = typeof v === "string" ? v : JSON.stringify(v);
  for (const [k, v] of Object.entries(secrets)) full[k.includes(":") ? k : `${PROJECT}:${k}`] = v;
  pulumi.runtime.setAllConfig(
    full,
    Object.keys(secrets).map((k) => (k.includes(":") ? k : `${PROJECT}:${k}`)),
  );
  return mocks;
}

/**
 * Config as the Pulumi CLI would assemble it for a stack: project-level values from
 * Pulumi.yaml, overridden key by key by Pulumi.<stack>.yaml when that file exists.
 * Objects are parsed (tests pass them on as objects).
 */
export function committedConfig(stack: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(stackConfigOf(ROOT, PROJECT, stack))) {
    try {
      out[k] = v.startsWith("{") || v.startsWith("[") ? JSON.parse(v) : v;
    } catch {
      out[k] = v;
    }
  }
  return out;
}

/** Loads index.ts afresh (module state is per stack) and returns its exports, as the scripts do. */
export async function renderProgram(): Promise<Record<string, any>> {
  return (await program(path.join(ROOT, "index.ts"))()) as Record<string, any>;
}
