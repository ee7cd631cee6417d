/**
 * What each Neon plan allows, as data: the defaults the program picks for a plan are
 * always valid on it, and a setting that needs a higher plan is refused before anything
 * is created, naming the key and the plan it needs. Figures from Neon's plan page.
 */

/** Neon's plans, cheapest first. */
export const NEON_PLANS = ["free", "launch", "scale"] as const;
export type NeonPlan = (typeof NEON_PLANS)[number];

/** One plan's limits. */
export interface PlanLimits {
  /** Largest autoscaling maximum. */
  maxAutoscalingCu: number;
  /** Largest fixed compute size. */
  maxFixedCu: number;
  /** Longest point-in-time restore window, seconds. */
  maxHistoryRetentionSeconds: number;
  /** Whether branches can be protected. */
  protectedBranches: boolean;
  /** The scale-to-zero settings the plan accepts (`-1` never, `0` Neon's default of 5 minutes, or a range). */
  suspend: { values: number[]; range?: [number, number] };
}

export const PLAN_LIMITS: Readonly<Record<NeonPlan, PlanLimits>> = {
  free: { maxAutoscalingCu: 2, maxFixedCu: 2, maxHistoryRetentionSeconds: 21_600, protectedBranches: false, suspend: { values: [0] } },
  launch: { maxAutoscalingCu: 16, maxFixedCu: 16, maxHistoryRetentionSeconds: 604_800, protectedBranches: true, suspend: { values: [0, -1] } },
  scale: { maxAutoscalingCu: 16, maxFixedCu: 56, maxHistoryRetentionSeconds: 2_592_000, protectedBranches: true, suspend: { values: [0, -1], range: [60, 604_800] } },
};

/** The cheapest plan that accepts a value, for the error message. */
export function planFor(ok: (limits: PlanLimits) => boolean): NeonPlan | undefined {
  return NEON_PLANS.find((p) => ok(PLAN_LIMITS[p]));
}

/** Whether a plan accepts a scale-to-zero setting. */
export function suspendAllowed(limits: PlanLimits, seconds: number): boolean {
  return limits.suspend.values.includes(seconds) || (limits.suspend.range !== undefined && seconds >= limits.suspend.range[0] && seconds <= limits.suspend.range[1]);
}

/** The default restore window for a plan: a day where the plan allows it. */
export function defaultHistoryRetention(plan: NeonPlan): number {
  return Math.min(86_400, PLAN_LIMITS[plan].maxHistoryRetentionSeconds);
}
