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
  /** Branches per project included in the plan, the default one counted; paid plans bill more per branch-month. */
  includedBranches: number;
  /** Branches per project the plan allows at all (Free: no extra branches). */
  maxBranches: number;
  /** Root branches per project: the default branch, every schema-only branch and restore backups count. */
  maxRootBranches: number;
  /** The scale-to-zero settings the plan accepts (`-1` never, `0` Neon's default of 5 minutes, or a range). */
  suspend: { values: number[]; range?: [number, number] };
}

export const PLAN_LIMITS: Readonly<Record<NeonPlan, PlanLimits>> = {
  free: {
    maxAutoscalingCu: 2,
    maxFixedCu: 2,
    maxHistoryRetentionSeconds: 21_600,
    protectedBranches: false,
    includedBranches: 10,
    maxBranches: 10,
    maxRootBranches: 3,
    suspend: { values: [0] },
  },
  launch: {
    maxAutoscalingCu: 16,
    maxFixedCu: 16,
    maxHistoryRetentionSeconds: 604_800,
    protectedBranches: true,
    includedBranches: 10,
    maxBranches: 5_000,
    maxRootBranches: 5,
    suspend: { values: [0, -1] },
  },
  scale: {
    maxAutoscalingCu: 16,
    maxFixedCu: 56,
    maxHistoryRetentionSeconds: 2_592_000,
    protectedBranches: true,
    includedBranches: 25,
    maxBranches: 5_000,
    maxRootBranches: 10,
    suspend: { values: [0, -1], range: [60, 604_800] },
  },
};

/** The cheapest plan that accepts a value, for the error message. */
export function planFor(ok: (limits: PlanLimits) => boolean): NeonPlan | undefined {
  return NEON_PLANS.find((p) => ok(PLAN_LIMITS[p]));
}

/** Whether a plan accepts a scale-to-zero setting. */
export function suspendAllowed(limits: PlanLimits, seconds: number): boolean {
  return (
    limits.suspend.values.includes(seconds) || (limits.suspend.range !== undefined && seconds >= limits.suspend.range[0] && seconds <= limits.suspend.range[1])
  );
}

/** The default restore window for a plan: a day where the plan allows it. */
export function defaultHistoryRetention(plan: NeonPlan): number {
  return Math.min(86_400, PLAN_LIMITS[plan].maxHistoryRetentionSeconds);
}

/** The plans' limits as the docs show them (docs/neon.md), from the table above. */
export function planTable(): string {
  const row = (what: string, cell: (l: PlanLimits) => string) => `| ${what} | ${NEON_PLANS.map((p) => cell(PLAN_LIMITS[p])).join(" | ")} |`;
  return [
    `| | ${NEON_PLANS.join(" | ")} |`,
    `|---|${NEON_PLANS.map(() => "---").join("|")}|`,
    row("branches per project, the default one counted", (l) =>
      l.maxBranches === l.includedBranches
        ? `${l.maxBranches}, no more`
        : `${l.includedBranches} included, then billed per branch-month, up to ${l.maxBranches}`,
    ),
    row("open previews at once in the previews' project", (l) =>
      l.maxBranches === l.includedBranches ? `${l.maxBranches - 1}` : `${l.includedBranches - 1} included, more billed`,
    ),
    row("schema-only previews at once (`neon.data: schema-only`: root branches, the default one counted)", (l) => `${l.maxRootBranches - 1}`),
    row("protected branches", (l) => (l.protectedBranches ? "yes" : "no")),
    row("autoscaling up to", (l) => `${l.maxAutoscalingCu} CU`),
    row("fixed compute up to", (l) => `${l.maxFixedCu} CU`),
    row("restore window up to", (l) => `${l.maxHistoryRetentionSeconds / 3600} h`),
  ].join("\n");
}
