/**
 * A branch's read-write compute endpoint. A branch has at most one; when the branch
 * already has one (the default branch of a new project does), it is adopted and tuned.
 */
import * as pulumi from "@pulumi/pulumi";
import { Endpoint, EndpointType } from "@neondatabase/api-client";
import { awaitOperations, deleteIfPresent, getIfPresent, NEON_PROVIDER_VERSION, NeonProviderBase, request } from "./client";
import { computeProblems, isNeonCu, isSuspendTimeout, SUSPEND_TIMEOUT_FORM } from "./rules";
import { CheckFailure, defined, diffFields, required, stateOf } from "./checks";

/** Inputs of an endpoint. */
export interface EndpointInputs {
  projectId: string;
  branchId: string;
  /** Autoscaling floor in compute units (0.25 … 56). */
  minCu: number;
  /** Autoscaling ceiling in compute units. */
  maxCu: number;
  /** Seconds of inactivity before the compute suspends; 0 = Neon's default, -1 = never. */
  suspendTimeoutSeconds: number;
  providerVersion: string;
}

/** State of an endpoint. */
export interface EndpointOutputs extends EndpointInputs {
  endpointId: string;
  /** Direct host, e.g. `ep-cool-name-123456.eu-central-1.aws.neon.tech`. */
  host: string;
  adopted: boolean;
}

/** Input validation shared by `check` and tests. */
export function checkEndpoint(news: Partial<EndpointInputs>): CheckFailure[] {
  const failures = required(news, ["projectId", "branchId"]);
  for (const k of ["minCu", "maxCu"] as const) {
    const v = news[k];
    if (!isNeonCu(v)) {
      failures.push({ property: k, reason: `got ${String(v)}, expected compute units: 0.25, 0.5, or a whole number up to 56` });
    }
  }
  const { minCu, maxCu } = news;
  if (typeof minCu === "number" && typeof maxCu === "number")
    failures.push(...computeProblems(minCu, maxCu).map((p) => ({ property: p.field, reason: p.reason })));
  const s = news.suspendTimeoutSeconds;
  if (!isSuspendTimeout(s)) failures.push({ property: "suspendTimeoutSeconds", reason: `got ${String(s)}, expected ${SUSPEND_TIMEOUT_FORM}` });
  return failures;
}

function outputsOf(inputs: EndpointInputs, e: Endpoint, adopted: boolean): EndpointOutputs {
  return {
    ...inputs,
    endpointId: e.id,
    host: e.host,
    minCu: e.autoscaling_limit_min_cu,
    maxCu: e.autoscaling_limit_max_cu,
    suspendTimeoutSeconds: e.suspend_timeout_seconds,
    adopted,
  };
}

const settingsOf = (i: EndpointInputs) => ({
  autoscaling_limit_min_cu: i.minCu,
  autoscaling_limit_max_cu: i.maxCu,
  suspend_timeout_seconds: i.suspendTimeoutSeconds,
});

/**
 * Only the settings that differ: an autoscaling change restarts the compute and drops
 * its connections, so nothing is sent that is not changing (empty: send nothing).
 */
export function changedSettings(olds: Partial<EndpointInputs>, news: EndpointInputs): Partial<ReturnType<typeof settingsOf>> {
  const all = settingsOf(news);
  const before = settingsOf(olds as EndpointInputs);
  return Object.fromEntries(Object.entries(all).filter(([k, v]) => before[k as keyof typeof all] !== v));
}

/** The dynamic provider for endpoints. */
export class EndpointProvider extends NeonProviderBase implements pulumi.dynamic.ResourceProvider<EndpointInputs, EndpointOutputs> {
  async check(_olds: EndpointInputs, news: EndpointInputs): Promise<pulumi.dynamic.CheckResult<EndpointInputs>> {
    return Promise.resolve({ inputs: news, failures: checkEndpoint(news) });
  }

  async create(inputs: EndpointInputs): Promise<pulumi.dynamic.CreateResult<EndpointOutputs>> {
    const neon = this.client();
    const { endpoints } = await request(
      neon,
      `listing endpoints of branch ${inputs.branchId}`,
      () => neon.api.listProjectBranchEndpoints(inputs.projectId, inputs.branchId),
      "read",
    );
    // A branch has at most one read-write compute: one already there (the default branch's,
    // or ours from a create whose answer was lost) is taken over and tuned.
    const existing = endpoints.find((e) => e.type === EndpointType.ReadWrite);
    if (existing) {
      const changes = changedSettings(outputsOf(inputs, existing, true), inputs);
      if (Object.keys(changes).length === 0) return { id: existing.id, outs: defined(outputsOf(inputs, existing, true)) };
      const res = await request(neon, `updating endpoint ${existing.id}`, () =>
        neon.api.updateProjectEndpoint(inputs.projectId, existing.id, { endpoint: changes }),
      );
      await awaitOperations(neon, inputs.projectId, res.operations);
      return { id: res.endpoint.id, outs: defined(outputsOf(inputs, res.endpoint, true)) };
    }
    const res = await request(neon, `creating an endpoint on branch ${inputs.branchId}`, () =>
      neon.api.createProjectEndpoint(inputs.projectId, { endpoint: { branch_id: inputs.branchId, type: EndpointType.ReadWrite, ...settingsOf(inputs) } }),
    );
    await awaitOperations(neon, inputs.projectId, res.operations);
    return { id: res.endpoint.id, outs: defined(outputsOf(inputs, res.endpoint, false)) };
  }

  async read(id: string, stored?: EndpointOutputs): Promise<pulumi.dynamic.ReadResult<EndpointOutputs>> {
    const props = stateOf(stored, "Endpoint");
    const neon = this.client();
    const found = await getIfPresent(neon, `reading endpoint ${id}`, () => neon.api.getProjectEndpoint(props.projectId, id));
    return found ? { id, props: defined(outputsOf(props, found.endpoint, props.adopted)) } : {};
  }

  async diff(_id: string, olds: EndpointOutputs, news: EndpointInputs): Promise<pulumi.dynamic.DiffResult> {
    return Promise.resolve(
      diffFields(olds, news, { replace: ["projectId", "branchId"], update: ["minCu", "maxCu", "suspendTimeoutSeconds", "providerVersion"] }),
    );
  }

  async update(id: string, olds: EndpointOutputs, news: EndpointInputs): Promise<pulumi.dynamic.UpdateResult<EndpointOutputs>> {
    const changes = changedSettings(olds, news);
    // Nothing Neon holds changed (e.g. only the provider version): no call, no restart.
    if (Object.keys(changes).length === 0) return { outs: defined({ ...olds, ...news, endpointId: olds.endpointId, host: olds.host, adopted: olds.adopted }) };
    const neon = this.client();
    const res = await request(neon, `updating endpoint ${id}`, () => neon.api.updateProjectEndpoint(news.projectId, id, { endpoint: changes }));
    await awaitOperations(neon, news.projectId, res.operations);
    return { outs: defined(outputsOf(news, res.endpoint, olds.adopted)) };
  }

  async delete(id: string, props: EndpointOutputs): Promise<void> {
    if (props.adopted) return; // it came with the branch and goes with it
    const neon = this.client();
    await deleteIfPresent(neon, props.projectId, `deleting endpoint ${id}`, () => neon.api.deleteProjectEndpoint(props.projectId, id));
  }
}

/** Arguments of `NeonEndpoint`. */
export interface NeonEndpointArgs {
  readonly projectId: pulumi.Input<string>;
  readonly branchId: pulumi.Input<string>;
  /** @default 0.25 */
  readonly minCu?: pulumi.Input<number>;
  /** @default 2 */
  readonly maxCu?: pulumi.Input<number>;
  /** @default 300 (five minutes, then scale to zero) */
  readonly suspendTimeoutSeconds?: pulumi.Input<number>;
}

/** A read-write Neon compute endpoint (`pulumi-nodejs:dynamic/neon:Endpoint`). */
export class NeonEndpoint extends pulumi.dynamic.Resource {
  declare readonly endpointId: pulumi.Output<string>;
  declare readonly host: pulumi.Output<string>;

  constructor(name: string, args: NeonEndpointArgs, opts?: pulumi.CustomResourceOptions) {
    const props = {
      projectId: args.projectId,
      branchId: args.branchId,
      minCu: args.minCu ?? 0.25,
      maxCu: args.maxCu ?? 2,
      suspendTimeoutSeconds: args.suspendTimeoutSeconds ?? 300,
      providerVersion: NEON_PROVIDER_VERSION,
      endpointId: undefined,
      host: undefined,
      adopted: undefined,
    };
    super(new EndpointProvider(), name, props, opts, "neon", "Endpoint");
  }
}
