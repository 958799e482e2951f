import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Router, type Request, type Response } from 'express';
import type { Redis } from 'ioredis';
import { INTERVALS, alignDown } from '../../shared/buckets.ts';
import type { Keys } from '../../shared/keys.ts';
import { EXPORT_FORMATS, type ExportFormat } from '../../shared/lists.ts';
import { TrendReader } from '../../shared/trend-reader.ts';
import {
  parseEnum,
  parseInterval,
  parseLang,
  parseSource,
  parseStance,
  parseTime,
  rejectUnknown,
  type Query,
} from '../params.ts';
import { badParam } from '../problem.ts';
import { exportPosts, postLines, type PostsExportFilters } from './posts-export.ts';
import { trendLines } from './trends-export.ts';

/** Most buckets one trends export may cover: a year of minutes is a lot of rows, but it streams. */
export const EXPORT_MAX_BUCKETS = 600_000;
const DAY = 86_400;

export const parseFormat = (q: Query): ExportFormat => parseEnum(q, 'format', EXPORT_FORMATS, EXPORT_FORMATS[0]);

/** The posts export's query, validated exactly like the API's (shared by the route and `npm run export`). */
export function parsePostsExport(q: Query): { format: ExportFormat; filters: PostsExportFilters } {
  rejectUnknown(q, ['from', 'to', 'stance', 'source', 'lang', 'format']);
  const format = parseFormat(q);
  const from = parseTime(q, 'from');
  const to = parseTime(q, 'to');
  if (from !== undefined && to !== undefined && from >= to) throw badParam('from', '"from" must be earlier than "to"');
  const filters: PostsExportFilters = {
    fromMs: from !== undefined ? from * 1000 : 0,
    toMs: to !== undefined ? to * 1000 : Number.MAX_SAFE_INTEGER,
    stance: parseStance(q),
    source: parseSource(q),
    lang: parseLang(q),
  };
  return { format, filters };
}

export function parseTrendsExport(q: Query, nowMs: number) {
  rejectUnknown(q, ['from', 'to', 'interval', 'source', 'lang', 'format']);
  const format = parseFormat(q);
  const interval = parseInterval(q);
  const step = INTERVALS[interval];
  // As in /api/v1/trends: the bucket holding `to` is included.
  const to = alignDown(parseTime(q, 'to') ?? Math.floor(nowMs / 1000), step) + step;
  const from = alignDown(parseTime(q, 'from') ?? to - DAY, step);
  if (from >= to) throw badParam('from', '"from" must be earlier than "to"');
  if ((to - from) / step > EXPORT_MAX_BUCKETS)
    throw badParam(
      'interval',
      `more than ${EXPORT_MAX_BUCKETS} buckets of ${interval}; use a larger interval or a shorter range`,
    );
  return { format, interval, from, to, filters: { source: parseSource(q), lang: parseLang(q) } };
}

/**
 * Joins lines into ~64 KB writes: one write per line would cost a syscall per row, one write for everything
 * would hold the whole export in memory.
 */
export async function* batched(lines: AsyncIterable<string>, bytes = 64 * 1024): AsyncGenerator<string> {
  let buf = '';
  for await (const line of lines) {
    buf += line;
    if (buf.length >= bytes) {
      yield buf;
      buf = '';
    }
  }
  if (buf) yield buf;
}

/** Streams with backpressure: a slow client slows the Redis reads down instead of filling memory. */
async function stream(res: Response, lines: AsyncIterable<string>, format: ExportFormat, name: string): Promise<void> {
  res.setHeader('Content-Type', format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8');
  res.setHeader('Content-Disposition', `attachment; filename="${name}.${format}"`);
  res.setHeader('Cache-Control', 'no-store');
  try {
    await pipeline(Readable.from(batched(lines)), res);
  } catch (err) {
    // Headers are gone: the only honest signal left is a cut connection, which the client sees as an incomplete body.
    if (!res.destroyed) res.destroy(err as Error);
  }
}

export function exportRoutes(redis: Redis, keys: Keys, now: () => number = Date.now): Router {
  const r = Router();
  const reader = new TrendReader(redis, keys);
  const q = (req: Request) => req.query as Record<string, unknown>;

  r.get('/api/v1/export/posts', async (req, res) => {
    const { format, filters } = parsePostsExport(q(req));
    await stream(res, postLines(exportPosts(redis, keys, filters), format), format, 'stancewatch-posts');
  });

  r.get('/api/v1/export/trends', async (req, res) => {
    const e = parseTrendsExport(q(req), now());
    await stream(
      res,
      trendLines(reader, e.from, e.to, e.interval, e.filters, e.format),
      e.format,
      `stancewatch-trends-${e.interval}`,
    );
  });
  return r;
}
