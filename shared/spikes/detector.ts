import { SPIKE_KINDS, SPIKE_STANCES, type SpikeKind } from '../lists.ts';

export { SPIKE_KINDS, SPIKE_STANCES, type SpikeKind };
import { binomialUpperTail, median, poissonUpperTail, robustZ } from './statistics.ts';

/**
 * Spike detection, pure. Every minute, for each stance and window length, the latest window is compared
 * with a trailing baseline of windows of the same length:
 * - volume: is this stance's count improbably high for a Poisson process at the baseline's median rate?
 * - share: is this stance's share of all posts improbably high for a binomial at the baseline's share?
 * An alert fires below `pFire`, only above minimum volumes, and resolves after the window has looked
 * ordinary (p above `pResolve`) for `resolveAfter` evaluations in a row; a cooldown keeps one event one alert.
 */

export interface DetectorConfig {
  pFire: number;
  pResolve: number;
  /** The window must hold at least this many posts of the stance. */
  minCount: number;
  /** For share shifts: the window must hold at least this many posts in all. */
  minTotal: number;
  /** For share shifts: the share must rise by at least this much (absolute). */
  minShareRise: number;
  resolveAfter: number;
  cooldownMs: number;
}

export const DEFAULT_DETECTOR: DetectorConfig = {
  pFire: 1e-6,
  pResolve: 0.01,
  minCount: 10,
  minTotal: 20,
  minShareRise: 0.15,
  resolveAfter: 3,
  cooldownMs: 30 * 60_000,
};

export interface WindowCounts {
  stance: number;
  total: number;
}

export interface Assessment {
  kind: SpikeKind;
  observed: number;
  expected: number;
  pValue: number;
  z: number;
  /** True when the minimum-volume floors are met: only then may it fire. */
  eligible: boolean;
}

/** Baseline windows far above the usual volume (an earlier spike) are left out of the share baseline. */
const OUTLIER_FACTOR = 3;
/** A rate of zero would make any single post infinitely surprising. */
const MIN_RATE = 0.5;

export function assessVolume(
  current: WindowCounts,
  baseline: readonly WindowCounts[],
  cfg: DetectorConfig,
): Assessment {
  const counts = baseline.map((w) => w.stance);
  const expected = Math.max(MIN_RATE, median(counts));
  return {
    kind: 'volume',
    observed: current.stance,
    expected,
    pValue: poissonUpperTail(current.stance, expected),
    z: robustZ(current.stance, counts),
    eligible: current.stance >= cfg.minCount,
  };
}

export function assessShare(current: WindowCounts, baseline: readonly WindowCounts[], cfg: DetectorConfig): Assessment {
  const typicalTotal = median(baseline.map((w) => w.total));
  const usable = baseline.filter((w) => w.total <= OUTLIER_FACTOR * Math.max(typicalTotal, 1));
  const pooledTotal = usable.reduce((a, w) => a + w.total, 0);
  const expected = pooledTotal ? usable.reduce((a, w) => a + w.stance, 0) / pooledTotal : 0;
  const observed = current.total ? current.stance / current.total : 0;
  // With no baseline share at all, nothing can be said about a shift.
  const p =
    pooledTotal === 0
      ? 1
      : binomialUpperTail(current.stance, current.total, Math.min(Math.max(expected, 1e-3), 1 - 1e-3));
  const shares = usable.filter((w) => w.total > 0).map((w) => w.stance / w.total);
  const spread = Math.max(1.4826 * median(shares.map((s) => Math.abs(s - median(shares)))), 0.02);
  return {
    kind: 'share',
    observed: round(observed),
    expected: round(expected),
    pValue: p,
    z: round((observed - median(shares)) / spread),
    eligible:
      current.total >= cfg.minTotal && current.stance >= cfg.minCount && observed - expected >= cfg.minShareRise,
  };
}

export interface SeriesState {
  active?: { startedAt: number; peakZ: number; last: Assessment };
  calm: number;
  cooldownUntil: number;
}

export const INITIAL_STATE: SeriesState = { calm: 0, cooldownUntil: 0 };

export type Transition =
  | { type: 'fire'; assessment: Assessment; startedAt: number }
  | { type: 'resolve'; assessment: Assessment; startedAt: number; resolvedAt: number }
  | { type: 'none' };

/** One evaluation of one (stance, kind, window) series: the state machine with hysteresis and cooldown. */
export function step(
  state: SeriesState,
  a: Assessment,
  now: number,
  cfg: DetectorConfig,
): { state: SeriesState; transition: Transition } {
  if (state.active) {
    const ordinary = a.pValue > cfg.pResolve;
    const calm = ordinary ? state.calm + 1 : 0;
    const active = { ...state.active, peakZ: Math.max(state.active.peakZ, a.z), last: a };
    if (calm >= cfg.resolveAfter) {
      return {
        state: { calm: 0, cooldownUntil: now + cfg.cooldownMs },
        transition: { type: 'resolve', assessment: a, startedAt: state.active.startedAt, resolvedAt: now },
      };
    }
    return { state: { ...state, active, calm }, transition: { type: 'none' } };
  }
  if (a.eligible && a.pValue < cfg.pFire && now >= state.cooldownUntil) {
    return {
      state: { active: { startedAt: now, peakZ: a.z, last: a }, calm: 0, cooldownUntil: 0 },
      transition: { type: 'fire', assessment: a, startedAt: now },
    };
  }
  return { state, transition: { type: 'none' } };
}

const round = (x: number) => Math.round(x * 1e4) / 1e4;
