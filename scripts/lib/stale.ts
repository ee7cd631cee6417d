/** Which preview stacks the sweep destroys, which it leaves alone, and why. */
import type { PullRequestState } from "./github";
import { pullRequestOf } from "./stacks";

/** A stack as the workspace lists it, with what the sweep reads of its outputs. */
export interface StackInfo {
  name: string;
  /** ISO time of the last update, if any. */
  lastUpdate?: string;
  /** Whether an update holds the stack's lock right now. */
  updateInProgress?: boolean;
  /** ISO time the preview's database branch expires (`databaseExpiresAt` output). */
  databaseExpiresAt?: string;
}

/** What the sweep decides for one preview stack. */
export interface SweepDecision {
  name: string;
  pullRequest: number;
  action: "destroy" | "keep" | "skip" | "cancel";
  reason: string;
}

/** The knobs of a sweep. */
export interface SweepPolicy {
  /** Destroy previews not updated for this many hours. */
  maxAgeHours: number;
  /** Destroy a preview whose database expires within this many hours (the sweep runs daily: more than 24). */
  expiryMarginHours: number;
  /** An update that has held the lock this long is a cancelled run's leftover: cancel it. */
  staleLockHours: number;
}

export const DEFAULT_SWEEP: SweepPolicy = { maxAgeHours: 168, expiryMarginHours: 30, staleLockHours: 3 };

const hoursSince = (iso: string | undefined, now: Date) => {
  const t = iso ? Date.parse(iso) : NaN;
  return Number.isNaN(t) ? Infinity : (now.getTime() - t) / 3_600_000;
};

/**
 * Decides per preview stack (non-preview stacks are never touched): closed pull requests,
 * stale previews and previews whose database is about to expire are destroyed; a stack
 * mid-update is skipped (or, when its lock is hours old, cancelled first); an unknown pull
 * request is kept (a 404 may be a wrong token, never a reason to destroy).
 */
export function decide(stacks: readonly StackInfo[], prState: ReadonlyMap<number, PullRequestState>, policy: SweepPolicy, now: Date): SweepDecision[] {
  const out: SweepDecision[] = [];
  for (const s of stacks) {
    const pr = pullRequestOf(s.name);
    if (pr === undefined) continue;
    const state = prState.get(pr) ?? "unknown";
    const age = hoursSince(s.lastUpdate, now);
    if (s.updateInProgress) {
      out.push(
        age > policy.staleLockHours
          ? {
              name: s.name,
              pullRequest: pr,
              action: "cancel",
              reason: `an update has held the lock for ${Number.isFinite(age) ? Math.floor(age) : "?"}h (a cancelled run's leftover)`,
            }
          : { name: s.name, pullRequest: pr, action: "skip", reason: "an update is in progress" },
      );
      continue;
    }
    if (state === "unknown") {
      out.push({ name: s.name, pullRequest: pr, action: "keep", reason: `GitHub does not know pull request #${pr}; kept (a 404 is not a close)` });
      continue;
    }
    const expiresIn = s.databaseExpiresAt ? (Date.parse(s.databaseExpiresAt) - now.getTime()) / 3_600_000 : Infinity;
    const reason =
      state === "closed"
        ? `pull request #${pr} is closed`
        : age > policy.maxAgeHours
          ? Number.isFinite(age)
            ? `last updated ${Math.floor(age)}h ago (limit ${policy.maxAgeHours}h)`
            : "never updated"
          : expiresIn < policy.expiryMarginHours
            ? `its database expires in ${Math.max(0, Math.floor(expiresIn))}h, before the next sweep`
            : undefined;
    out.push(
      reason ? { name: s.name, pullRequest: pr, action: "destroy", reason } : { name: s.name, pullRequest: pr, action: "keep", reason: "open and in use" },
    );
  }
  return out;
}
