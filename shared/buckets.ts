import type { Keys, Resolution } from './keys.ts';
import { STANCES, type Stance } from './lists.ts';

/**
 * Time-bucket maths for the aggregates. Pure: unit-tested without Redis.
 *
 * Each scored post adds to one minute, one hour and one day bucket (UTC, epoch-aligned). Each bucket is a
 * hash whose fields are counts per (source, language, stance) and score sums per (source, language), with
 * "*" standing for "any", so a query for any combination of filters reads a fixed number of fields per
 * bucket: the cost of a query grows with the buckets it returns, never with the posts stored.
 */

export const RESOLUTION_SECONDS: Record<Resolution, number> = { m: 60, h: 3_600, d: 86_400 };
const RESOLUTIONS_LARGEST_FIRST: Resolution[] = ['d', 'h', 'm'];

export const INTERVALS = { '1m': 60, '5m': 300, '15m': 900, '1h': 3_600, '1d': 86_400 } as const;
export type Interval = keyof typeof INTERVALS;

/** Score sums are stored as integers of this many units per 1.0, so HINCRBY keeps them exact. */
export const SCORE_SCALE = 1_000_000;

export const ANY = '*';

export function countField(source: string, lang: string, stance: Stance): string {
  return `n:${source}:${lang}:${stance}`;
}
export function sumField(source: string, lang: string): string {
  return `s:${source}:${lang}`;
}
export function modelField(modelId: string): string {
  return `model:${modelId}`;
}

export function alignDown(seconds: number, step: number): number {
  return Math.floor(seconds / step) * step;
}

/** The hash fields one post increments, in every bucket it lands in. */
export function fieldIncrements(
  source: string,
  lang: string,
  stance: Stance,
  score: number,
  modelId: string,
): Array<[string, number]> {
  const scaled = Math.round(score * SCORE_SCALE);
  const out: Array<[string, number]> = [];
  for (const s of [source, ANY]) {
    for (const l of [lang, ANY]) {
      out.push([countField(s, l, stance), 1], [sumField(s, l), scaled]);
    }
  }
  out.push([modelField(modelId), 1]);
  return out;
}

export interface StorageBucket {
  res: Resolution;
  start: number;
}

/**
 * The fewest stored buckets that exactly tile [from, to), both in whole minutes: whole days where they fit,
 * then whole hours, then minutes at the ragged edges.
 */
export function coverRange(from: number, to: number): StorageBucket[] {
  if (from % 60 !== 0 || to % 60 !== 0) throw new RangeError('coverRange needs minute-aligned bounds');
  const out: StorageBucket[] = [];
  let t = from;
  while (t < to) {
    const res = RESOLUTIONS_LARGEST_FIRST.find(
      (r) => t % RESOLUTION_SECONDS[r] === 0 && t + RESOLUTION_SECONDS[r] <= to,
    )!;
    out.push({ res, start: t });
    t += RESOLUTION_SECONDS[res];
  }
  return out;
}

/**
 * When a post counts (epoch ms): its creation time, except that a post dated after the moment it was counted
 * (clock skew at the source) counts at that moment rather than in a bucket nobody reads yet. Applying it
 * again to its own result changes nothing, so the rescorer, given the time the writer indexed the post
 * under, finds the same buckets.
 */
export function countTime(createdAt: string, countedAtMs: number): number {
  return Math.min(Date.parse(createdAt), countedAtMs);
}

/** The storage buckets a post lands in, with the time each should expire (epoch seconds). */
export function bucketsForPost(
  createdAt: string,
  countedAtMs: number,
  retentionSeconds: Record<Resolution, number>,
): Array<StorageBucket & { expireAt: number }> {
  const seconds = Math.floor(countTime(createdAt, countedAtMs) / 1000);
  return RESOLUTIONS_LARGEST_FIRST.map((res) => {
    const start = alignDown(seconds, RESOLUTION_SECONDS[res]);
    return { res, start, expireAt: start + RESOLUTION_SECONDS[res] + retentionSeconds[res] };
  });
}

/** A post's three bucket keys and expiry times, named by resolution as the aggregate scripts take them. */
export function bucketKeys(keys: Pick<Keys, 'bucket'>, buckets: ReadonlyArray<StorageBucket & { expireAt: number }>) {
  const of = (res: Resolution) => buckets.find((b) => b.res === res)!;
  const [d, h, m] = [of('d'), of('h'), of('m')];
  return {
    keys: {
      dayBucket: keys.bucket('d', d.start),
      hourBucket: keys.bucket('h', h.start),
      minuteBucket: keys.bucket('m', m.start),
    },
    expireAt: { dayExpireAt: d.expireAt, hourExpireAt: h.expireAt, minuteExpireAt: m.expireAt },
  };
}

export interface StanceCounts {
  support: number;
  criticism: number;
  neutral: number;
  /** Sum of scores, in SCORE_SCALE units. */
  scoreSum: number;
}

export const EMPTY_COUNTS: StanceCounts = { support: 0, criticism: 0, neutral: 0, scoreSum: 0 };

export function addCounts(a: StanceCounts, b: StanceCounts): StanceCounts {
  return {
    support: a.support + b.support,
    criticism: a.criticism + b.criticism,
    neutral: a.neutral + b.neutral,
    scoreSum: a.scoreSum + b.scoreSum,
  };
}

/** Fields to read from each bucket for one filter combination, in the order `countsFromFields` expects. */
export function fieldsToRead(source: string, lang: string): string[] {
  return [...STANCES.map((s) => countField(source, lang, s)), sumField(source, lang)];
}

export function countsFromFields(values: Array<string | null>): StanceCounts {
  const n = (i: number) => Number(values[i] ?? 0);
  return { support: n(0), criticism: n(1), neutral: n(2), scoreSum: n(3) };
}

export interface StanceSummary {
  support: number;
  criticism: number;
  neutral: number;
  total: number;
  /** support / total; null when there is nothing to divide. */
  supportShare: number | null;
  criticismShare: number | null;
  /** Mean score in [-1, 1]; null when total is 0. */
  meanScore: number | null;
}

const round = (x: number, digits = 4) => Math.round(x * 10 ** digits) / 10 ** digits;

export function summarise(c: StanceCounts): StanceSummary {
  const total = c.support + c.criticism + c.neutral;
  return {
    support: c.support,
    criticism: c.criticism,
    neutral: c.neutral,
    total,
    supportShare: total ? round(c.support / total) : null,
    criticismShare: total ? round(c.criticism / total) : null,
    meanScore: total ? round(c.scoreSum / SCORE_SCALE / total) : null,
  };
}
