import type { Stance } from '../post.ts';
import {
  INITIAL_STATE,
  SPIKE_KINDS,
  SPIKE_STANCES,
  assessShare,
  assessVolume,
  step,
  type DetectorConfig,
  type SeriesState,
  type SpikeKind,
  type Transition,
  type WindowCounts,
} from './detector.ts';

/**
 * Windows cut from a per-minute series, the same way the spike worker cuts them from Redis buckets:
 * the current window is the last `windowMin` minutes before `end`, the baseline the non-overlapping
 * windows of the same length in the `baselineMin` minutes before that.
 */
export type MinuteCounts = Record<Stance, number>;

export function cutWindows(
  minutes: readonly MinuteCounts[],
  end: number,
  windowMin: number,
  baselineMin: number,
  stance: Stance,
): { current: WindowCounts; baseline: WindowCounts[] } {
  const prefix = prefixSums(minutes);
  const sum = (from: number, to: number): WindowCounts => {
    const a = Math.max(0, from);
    return { stance: prefix[stance][to]! - prefix[stance][a]!, total: prefix.total[to]! - prefix.total[a]! };
  };
  const baseline: WindowCounts[] = [];
  for (let start = end - windowMin - baselineMin; start < end - windowMin; start += windowMin) {
    if (start >= 0) baseline.push(sum(start, start + windowMin));
  }
  return { current: sum(end - windowMin, end), baseline };
}

type Prefix = Record<Stance | 'total', number[]>;
const prefixCache = new WeakMap<readonly MinuteCounts[], Prefix>();

/** Cumulative counts, so any window's sum is one subtraction (the simulation cuts thousands of windows). */
function prefixSums(minutes: readonly MinuteCounts[]): Prefix {
  const cached = prefixCache.get(minutes);
  if (cached) return cached;
  const p: Prefix = { support: [0], criticism: [0], neutral: [0], total: [0] };
  minutes.forEach((m, i) => {
    p.support.push(p.support[i]! + m.support);
    p.criticism.push(p.criticism[i]! + m.criticism);
    p.neutral.push(p.neutral[i]! + m.neutral);
    p.total.push(p.total[i]! + m.support + m.criticism + m.neutral);
  });
  prefixCache.set(minutes, p);
  return p;
}

export interface SimulatedEvent {
  minute: number;
  stance: Stance;
  kind: SpikeKind;
  windowMin: number;
  transition: Exclude<Transition, { type: 'none' }>;
}

/** Runs the detector once a minute over a whole series; what the worker would have fired and resolved. */
export function simulate(
  minutes: readonly MinuteCounts[],
  cfg: DetectorConfig,
  windowsMin: number[] = [5, 15],
  baselineMin = 360,
): SimulatedEvent[] {
  const states = new Map<string, SeriesState>();
  const events: SimulatedEvent[] = [];
  for (let t = baselineMin + Math.max(...windowsMin); t <= minutes.length; t++) {
    for (const w of windowsMin) {
      for (const stance of SPIKE_STANCES) {
        const { current, baseline } = cutWindows(minutes, t, w, baselineMin, stance);
        for (const kind of SPIKE_KINDS) {
          const a = kind === 'volume' ? assessVolume(current, baseline, cfg) : assessShare(current, baseline, cfg);
          const key = `${stance}/${kind}/${w}`;
          const r = step(states.get(key) ?? INITIAL_STATE, a, t * 60_000, cfg);
          states.set(key, r.state);
          if (r.transition.type !== 'none')
            events.push({ minute: t, stance, kind, windowMin: w, transition: r.transition });
        }
      }
    }
  }
  return events;
}

/** Deterministic pseudo-random numbers (mulberry32), so synthetic series are the same on every run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** A Poisson draw (Knuth's method: fine for the small per-minute rates used here). */
export function poissonDraw(lambda: number, random: () => number): number {
  const limit = Math.exp(-lambda);
  let k = 0,
    p = 1;
  do {
    k++;
    p *= random();
  } while (p > limit);
  return k - 1;
}

/** A synthetic per-minute series from a rate function per stance. */
export function syntheticSeries(minutes: number, rates: (minute: number) => MinuteCounts, seed = 1): MinuteCounts[] {
  const random = seededRandom(seed);
  return Array.from({ length: minutes }, (_, m) => {
    const r = rates(m);
    return {
      support: poissonDraw(r.support, random),
      criticism: poissonDraw(r.criticism, random),
      neutral: poissonDraw(r.neutral, random),
    };
  });
}
