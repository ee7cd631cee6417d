/**
 * Escape hatches: a component that creates Kubernetes objects takes, per child, a function
 * that sees the child's args before it is created and may change them (tolerations, a
 * sidecar, annotations) without forking the component.
 */

/**
 * Changes a child's args: mutate them in place, or return new ones.
 * @example (args) => { args.spec.template.spec.tolerations = [{ key: "spot", operator: "Exists" }]; }
 */
export type Transform<T> = (args: T) => T | void;

/** The args after the transform, if there is one. */
export function applyTransform<T>(args: T, transform?: Transform<T>): T {
  if (!transform) return args;
  return transform(args) ?? args;
}
