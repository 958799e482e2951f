import { INTERVALS, summarise, type Interval } from '../../shared/buckets.ts';
import type { Filters, TrendReader } from '../../shared/trend-reader.ts';
import { csvRow } from './csv.ts';
import type { ExportFormat } from '../../shared/lists.ts';

/** Buckets read per round trip. */
const CHUNK = 500;
export const TREND_COLUMNS = [
  'start',
  'end',
  'support',
  'criticism',
  'neutral',
  'total',
  'supportShare',
  'criticismShare',
  'meanScore',
] as const;

/** One line per bucket of [from, to) (epoch seconds, interval-aligned), read CHUNK buckets at a time. */
export async function* trendLines(
  reader: TrendReader,
  from: number,
  to: number,
  interval: Interval,
  f: Filters,
  format: ExportFormat,
): AsyncGenerator<string> {
  const step = INTERVALS[interval];
  if (format === 'csv') yield csvRow(TREND_COLUMNS);
  for (let t = from; t < to; t += CHUNK * step) {
    const ranges: Array<[number, number]> = [];
    for (let s = t; s < Math.min(to, t + CHUNK * step); s += step) ranges.push([s, s + step]);
    const totals = await reader.totals(ranges, f);
    for (let i = 0; i < ranges.length; i++) {
      const row = { start: iso(ranges[i]![0]), end: iso(ranges[i]![1]), ...summarise(totals[i]!.counts) };
      yield format === 'csv' ? csvRow(TREND_COLUMNS.map((c) => row[c])) : `${JSON.stringify(row)}\n`;
    }
  }
}

const iso = (s: number) => new Date(s * 1000).toISOString();
