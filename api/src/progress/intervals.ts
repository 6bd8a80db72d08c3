/** A span of a lesson's media, in seconds: [start, end). */
export type Interval = readonly [number, number];

/**
 * The union of `intervals`, clamped to [0, limit] (no limit: unbounded), sorted and with
 * overlapping or touching spans merged. Replaying a part adds nothing; skipping ahead leaves a gap.
 */
export function mergeIntervals(intervals: readonly Interval[], limit?: number): Interval[] {
  const clamped = intervals
    .map(([a, b]): Interval => {
      const hi = limit === undefined ? b : Math.min(b, limit);
      return [Math.max(0, a), Math.max(0, hi)];
    })
    .filter(([a, b]) => b > a)
    .sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  const merged: Array<[number, number]> = [];
  for (const [a, b] of clamped) {
    const last = merged.at(-1);
    if (last && a <= last[1]) last[1] = Math.max(last[1], b);
    else merged.push([a, b]);
  }
  return merged;
}

/** Seconds covered by already merged intervals. */
export function coveredSeconds(merged: readonly Interval[]): number {
  return merged.reduce((sum, [a, b]) => sum + (b - a), 0);
}

/** A video lesson is complete once this share of it was watched. */
export const COMPLETION_SHARE = 0.95;
