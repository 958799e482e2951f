import type { Redis } from 'ioredis';
import {
  ANY,
  EMPTY_COUNTS,
  addCounts,
  countsFromFields,
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
    const pipeline = this.redis.pipeline();
    for (const cover of covers) for (const b of cover) pipeline.hmget(this.keys.bucket(b.res, b.start), ...fields);
    const replies = (await pipeline.exec()) ?? [];
    let i = 0;
    return covers.map((cover) => {
      let counts = EMPTY_COUNTS;
      const perModel: Record<string, number> = {};
      for (let j = 0; j < cover.length; j++) {
        const [err, values] = replies[i++] ?? [new Error('missing reply'), null];
        if (err) throw err;
        const v = values as Array<string | null>;
        counts = addCounts(counts, countsFromFields(v));
        models.forEach((m, mi) => {
          const n = Number(v[4 + mi] ?? 0);
          if (n) perModel[m] = (perModel[m] ?? 0) + n;
        });
      }
      return { counts, models: perModel };
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
