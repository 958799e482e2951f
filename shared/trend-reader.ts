import type { Redis } from 'ioredis';
import {
  ANY,
  coverRange,
  fieldsToRead,
  modelField,
  summarise,
  type StanceCounts,
  type StanceSummary,
} from './buckets.ts';
import type { Keys } from './keys.ts';

export interface Filters {
  source?: string;
  lang?: string;
}

export interface RangeTotals {
  counts: StanceCounts;
  /** Posts per model id in the range (all sources and languages): shows whether counts came from a model or the built-in fallback. */
  models: Record<string, number>;
}

/** Buckets read per round trip. */
const READ_SLICE = 120;

/**
 * Reads the aggregate buckets. Each requested range is tiled with the fewest stored buckets (days, hours,
 * minutes at the edges) and a fixed set of fields is read from each, in one pipelined round trip.
 */
export class TrendReader {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  /** Totals for each [from, to) range, in order. All ranges must be minute-aligned. */
  async totals(ranges: Array<[number, number]>, f: Filters): Promise<RangeTotals[]> {
    const models = await this.redis.smembers(this.keys.models);
    const fields = [...fieldsToRead(f.source ?? ANY, f.lang ?? ANY), ...models.map(modelField)];
    const covers = ranges.map(([from, to]) => coverRange(from, to));
    const keys = covers.flatMap((cover) => cover.map((b) => this.keys.bucket(b.res, b.start)));
    // In slices, one round trip each: building and parsing 1,440 commands at once holds the event loop for
    // tens of milliseconds, and every other request waits that long; a slice holds it for a few.
    const replies: Array<[Error | null, unknown]> = [];
    for (let at = 0; at < keys.length; at += READ_SLICE) {
      const pipeline = this.redis.pipeline();
      for (const key of keys.slice(at, at + READ_SLICE)) pipeline.hmget(key, ...fields);
      replies.push(...((await pipeline.exec()) ?? []));
    }
    let i = 0;
    // Summed in place, numbers straight from the replies: 1,440 buckets make no per-bucket objects.
    return covers.map((cover) => {
      let support = 0,
        criticism = 0,
        neutral = 0,
        scoreSum = 0;
      const perModel: Record<string, number> = {};
      for (let j = 0; j < cover.length; j++) {
        const [err, values] = replies[i++] ?? [new Error('missing reply'), null];
        if (err) throw err;
        const v = values as Array<string | null>;
        if (v[0] !== null) support += Number(v[0]);
        if (v[1] !== null) criticism += Number(v[1]);
        if (v[2] !== null) neutral += Number(v[2]);
        if (v[3] !== null) scoreSum += Number(v[3]);
        for (let mi = 0; mi < models.length; mi++) {
          const n = Number(v[4 + mi] ?? 0); // a field rescored down to "0" is no model's count
          if (n) perModel[models[mi]!] = (perModel[models[mi]!] ?? 0) + n;
        }
      }
      return { counts: { support, criticism, neutral, scoreSum }, models: perModel };
    });
  }
}

export function mergeModels(list: Array<Record<string, number>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of list) for (const [k, v] of Object.entries(m)) out[k] = (out[k] ?? 0) + v;
  return out;
}

export type { StanceSummary };
export { summarise };
