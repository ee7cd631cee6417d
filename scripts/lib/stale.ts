/** Which preview stacks the sweep destroys, and why. */
import { pullRequestOf } from "./stacks";

/** A stack as the workspace lists it. */
export interface StackInfo {
  name: string;
  /** ISO time of the last update, if any. */
  lastUpdate?: string;
}

/** A preview to destroy and the reason, for the log. */
export interface StaleStack {
  name: string;
  pullRequest: number;
  reason: string;
}

/**
 * Preview stacks whose pull request is closed (per `prState`), or whose last update is
 * older than `maxAgeHours` (a stack never updated counts as old). Non-preview stacks are
 * never selected.
 */
export function selectStale(
  stacks: StackInfo[],
  prState: ReadonlyMap<number, "open" | "closed">,
  maxAgeHours: number,
  now: Date,
): StaleStack[] {
  const out: StaleStack[] = [];
  for (const s of stacks) {
    const pr = pullRequestOf(s.name);
    if (pr === undefined) continue;
    if (prState.get(pr) === "closed") {
      out.push({ name: s.name, pullRequest: pr, reason: `pull request #${pr} is closed` });
      continue;
    }
    const updated = s.lastUpdate ? Date.parse(s.lastUpdate) : NaN;
    const ageHours = Number.isNaN(updated) ? Infinity : (now.getTime() - updated) / 3_600_000;
    if (ageHours > maxAgeHours) {
      out.push({ name: s.name, pullRequest: pr, reason: Number.isFinite(ageHours) ? `last updated ${Math.floor(ageHours)}h ago (limit ${maxAgeHours}h)` : "never updated" });
    }
  }
  return out;
}
