/**
 * What Neon accepts, declared once: the settings' schema, the providers' `check` and the
 * docs all read these, so a rule cannot drift between the layer that refuses a value early
 * and the one that sends it.
 */

/** A Neon region id. @example "aws-eu-central-1" */
export const NEON_REGION = /^[a-z]+-[a-z0-9-]+$/;
/** A Neon organization id. @example "org-morning-bread-81040908" */
export const NEON_ORG_ID = /^[a-z0-9-]{1,60}$/;
/** A Postgres role or database name Neon accepts: a letter or _, then letters, digits, _ or -, at most 63. */
export const PG_NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,62}$/;

/** Neon's compute sizes: 0.25, 0.5, then whole units up to 56. */
export const NEON_CU_SIZES: readonly number[] = [0.25, 0.5, ...Array.from({ length: 56 }, (_, i) => i + 1)];
/** Autoscaling goes up to this size; fixed sizes above it are even. */
export const MAX_AUTOSCALING_CU = 16;
/** The widest autoscaling range, in CU. */
export const MAX_AUTOSCALING_SPAN_CU = 8;

/** Whether a value is a Neon compute size. */
export function isNeonCu(v: unknown): v is number {
  return typeof v === "number" && NEON_CU_SIZES.includes(v);
}

/** Scale to zero: -1 (never), 0 (Neon's default, five minutes) or 60 s to a week. */
export function isSuspendTimeout(s: unknown): s is number {
  return typeof s === "number" && Number.isInteger(s) && (s === -1 || s === 0 || (s >= 60 && s <= 604_800));
}
export const SUSPEND_TIMEOUT_FORM = "-1 (never), 0 (Neon's default) or 60 to 604800 seconds";

/**
 * What is wrong with a compute's size range, each naming the field to change; `field`
 * renders the other field's name as the caller's user knows it (a config key, or an input).
 */
export function computeProblems(
  minCu: number,
  maxCu: number,
  field: (f: "minCu" | "maxCu") => string = (f) => f,
): { field: "minCu" | "maxCu"; reason: string }[] {
  if (minCu > maxCu) return [{ field: "minCu", reason: `got ${minCu}, expected at most ${field("maxCu")} (${maxCu})` }];
  if (minCu !== maxCu && maxCu > MAX_AUTOSCALING_CU) {
    return [
      {
        field: "maxCu",
        reason: `got ${maxCu}, expected at most ${MAX_AUTOSCALING_CU} while autoscaling (min ${minCu}); fixed sizes up to 56 need ${field("minCu")} = ${field("maxCu")}`,
      },
    ];
  }
  if (maxCu > MAX_AUTOSCALING_CU && maxCu % 2 !== 0)
    return [{ field: "maxCu", reason: `got ${maxCu}, expected an even fixed size above 16 CU (18, 20, … 56), as Neon offers them` }];
  if (maxCu - minCu > MAX_AUTOSCALING_SPAN_CU) {
    return [
      {
        field: "maxCu",
        reason: `got ${maxCu}, expected at most ${minCu + MAX_AUTOSCALING_SPAN_CU}: Neon's autoscaling range spans at most 8 CU (${field("minCu")} ${minCu})`,
      },
    ];
  }
  return [];
}
