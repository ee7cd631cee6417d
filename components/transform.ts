/**
 * Escape hatches, as SST's components offer them: a component that creates Kubernetes
 * objects takes, per child, a transform of the child's args, options and name before it is
 * created — a sidecar, a toleration, another egress port — without forking the component.
 */
import * as pulumi from "@pulumi/pulumi";

/** A value as the component builds it: plain objects and arrays, with Inputs only at the leaves. */
type Resolved<T> = T extends pulumi.OutputInstance<infer U> ? U : T extends Promise<infer U> ? U : T;
export type Editable<T> = EditableOf<Resolved<T>>;
type EditableOf<R> = R extends readonly (infer E)[]
  ? Editable<E>[]
  : R extends null | undefined
    ? R
    : R extends string | number | boolean
      ? pulumi.Input<R>
      : R extends object
        ? { -readonly [K in keyof R]: Editable<R[K]> }
        : R;

/** Objects merge key by key; arrays and values replace. */
export type DeepPartial<T> = DeepPartialOf<Resolved<T>>;
type DeepPartialOf<R> = R extends readonly unknown[]
  ? pulumi.Input<R>
  : R extends null | undefined
    ? R
    : R extends string | number | boolean
      ? pulumi.Input<R>
      : R extends object
        ? { [K in keyof R]?: DeepPartial<R[K]> }
        : R;

/**
 * Changes a child before it is created: an object merged into its args (objects key by key,
 * arrays and values replaced), or a function that edits the args and options in place (or
 * returns new args), told the child's name.
 * @example { spec: { template: { spec: { tolerations: [{ key: "spot", operator: "Exists" }] } } } }
 * @example (args, opts, name) => { args.spec.template.spec.containers[0].readinessProbe!.httpGet!.path = "/ready"; }
 */
export type Transform<T> = DeepPartial<T> | ((args: Editable<T>, opts: pulumi.CustomResourceOptions, name: string) => Editable<T> | void);

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v) && !pulumi.Output.isInstance(v) && Object.getPrototypeOf(v) === Object.prototype;

/** `patch` merged into `base`: objects key by key, anything else replaced. */
export function deepMerge<T>(base: T, patch: unknown): T {
  if (!isPlainObject(base) || !isPlainObject(patch)) return (patch === undefined ? base : patch) as T;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(patch)) out[k] = deepMerge(out[k], v);
  return out as T;
}

/** A child's name, args and options after its transform. */
export function transformed<T>(
  name: string,
  args: T,
  opts: pulumi.CustomResourceOptions,
  transform: Transform<T> | undefined,
): [string, T, pulumi.CustomResourceOptions] {
  if (transform === undefined) return [name, args, opts];
  if (typeof transform === "function") {
    const edit = transform as (args: Editable<T>, opts: pulumi.CustomResourceOptions, name: string) => Editable<T> | void;
    const edited = edit(args as Editable<T>, opts, name);
    return [name, (edited ?? args) as T, opts];
  }
  return [name, deepMerge(args, transform), opts];
}

/** Creates a child of type `Kind` after its transform: the args are checked against the kind's own args type. */
export function created<A, R>(
  Kind: new (name: string, args: A, opts?: pulumi.CustomResourceOptions) => R,
  name: string,
  args: NoInfer<NonNullable<A>>,
  opts: pulumi.CustomResourceOptions,
  transform: Transform<NoInfer<NonNullable<A>>> | undefined,
): R {
  return new Kind(...transformed<NonNullable<A>>(name, args, opts, transform));
}
