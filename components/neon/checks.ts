/**
 * Small helpers every Neon provider uses for `check` and `diff`.
 */

/** A `check` failure: the property and why. */
export interface CheckFailure {
  property: string;
  reason: string;
}

/** Failures for properties that must be present and non-empty. */
export function required<T extends object>(news: Partial<T>, keys: (keyof T & string)[]): CheckFailure[] {
  return keys.filter((k) => news[k] === undefined || news[k] === null || news[k] === "").map((k) => ({ property: k, reason: `\`${k}\` is required` }));
}

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** How the engine hands a dynamic provider a value not known yet (a preview of an update upstream). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/**
 * Compares old state with new inputs: a change in a `replace` field replaces the
 * resource, in an `update` field updates it in place; anything else is ignored. A value
 * not known yet is never a replacement on its own: it may well turn out the same (a
 * parent's id during its update), and a false replacement of a database would be believed.
 */
export function diffFields<T extends object>(
  olds: Partial<T>,
  news: Partial<T>,
  fields: { replace: (keyof T & string)[]; update: (keyof T & string)[] },
  deleteBeforeReplace = false,
): { changes: boolean; replaces: string[]; deleteBeforeReplace?: boolean } {
  const changed = (k: keyof T & string) => !same(olds[k], news[k]);
  const unknown = (k: keyof T & string) => news[k] === UNKNOWN;
  const replaces = fields.replace.filter((k) => changed(k) && !unknown(k));
  const updates = fields.update.filter(changed);
  const pending = fields.replace.filter((k) => changed(k) && unknown(k));
  return {
    changes: replaces.length + updates.length + pending.length > 0,
    replaces,
    ...(replaces.length && deleteBeforeReplace ? { deleteBeforeReplace } : {}),
  };
}

/**
 * The stored state `read` works from. Without it the engine is importing, which a
 * dynamic provider cannot do: adopt existing Neon objects through settings instead.
 */
export function stateOf<T>(props: T | undefined, kind: string): T {
  if (props === undefined) {
    throw new Error(`importing a Neon ${kind} is not supported; set nextjs-infra:neon.projectId to adopt an existing project`);
  }
  return props;
}

/**
 * Drops undefined values: the engine receives outputs as a protobuf Struct, which has no
 * "undefined" (the dynamic-provider host fails with "Unexpected struct type").
 */
export function defined<T extends object>(outs: T): T {
  return Object.fromEntries(Object.entries(outs).filter(([, v]) => v !== undefined)) as T;
}
