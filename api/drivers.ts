import { Router, type Request } from 'express';
import type { Redis } from 'ioredis';
import { TOKEN_GRAIN } from '../shared/drivers/buckets.ts';
import { alignDownTo, alignUpTo, computeDrivers } from '../shared/drivers/query.ts';
import type { Keys } from '../shared/keys.ts';
import { answeredNotModified, versionEtag } from './etag.ts';
import { parseLang, parseLimit, parseSource, parseStance, parseTime, rejectUnknown, type Query } from './params.ts';
import { badParam } from './problem.ts';

const HOUR = 3_600;
/** Longest window and baseline a query may cover: 10-minute buckets last 8 days, hour buckets 90. */
export const DRIVERS_MAX_WINDOW = 7 * 24 * HOUR;
export const DRIVERS_MAX_BASELINE = 30 * 24 * HOUR;
export const DEFAULT_BASELINE = '24h';
const DURATION = { m: 60, h: HOUR, d: 24 * HOUR } as const;

/**
 * `baseline` is either a duration (`90m`, `6h`, `7d`: that long, ending where the window starts) or an explicit
 * `start/end` interval (each ISO 8601 or Unix seconds) that must end by the window's start. Returns epoch seconds.
 */
export function parseBaseline(q: Query, windowFrom: number): { from: number; to: number } {
  const raw = q.baseline;
  if (raw !== undefined && typeof raw !== 'string') throw badParam('baseline', '"baseline" must be given once');
  const v = raw === undefined || raw === '' ? DEFAULT_BASELINE : raw;
  const d = /^(\d{1,5})([mhd])$/.exec(v);
  let from: number, to: number;
  if (d) {
    to = windowFrom;
    from = to - Number(d[1]) * DURATION[d[2] as keyof typeof DURATION];
  } else if (v.includes('/')) {
    const [a, b] = v.split('/');
    const start = parseTime({ baseline: a }, 'baseline');
    const end = parseTime({ baseline: b }, 'baseline');
    if (start === undefined || end === undefined)
      throw badParam('baseline', '"baseline" as an interval needs both ends: start/end');
    [from, to] = [start, end];
  } else {
    throw badParam(
      'baseline',
      `"baseline" must be a duration such as 6h, 90m or 7d, or an interval start/end (ISO 8601 or Unix seconds), got "${v.slice(0, 40)}"`,
    );
  }
  if (from >= to) throw badParam('baseline', '"baseline" must be a non-empty interval');
  if (to > windowFrom) throw badParam('baseline', '"baseline" must end by the start of the window ("from")');
  if (to - from > DRIVERS_MAX_BASELINE)
    throw badParam('baseline', `"baseline" may cover at most ${DRIVERS_MAX_BASELINE / 86_400} days`);
  return { from, to };
}

export function parseDriversQuery(q: Query, nowMs: number) {
  rejectUnknown(q, ['from', 'to', 'baseline', 'stance', 'source', 'lang', 'limit']);
  const to = alignUpTo(parseTime(q, 'to') ?? Math.floor(nowMs / 1000));
  const from = alignDownTo(parseTime(q, 'from') ?? to - HOUR);
  if (from >= to) throw badParam('from', '"from" must be earlier than "to"');
  if (to - from > DRIVERS_MAX_WINDOW)
    throw badParam('from', `the window may cover at most ${DRIVERS_MAX_WINDOW / 86_400} days`);
  const baseline = parseBaseline(q, from);
  return {
    from,
    to,
    baselineFrom: baseline.from,
    baselineTo: baseline.to,
    stance: parseStance(q),
    source: parseSource(q),
    lang: parseLang(q),
    top: parseLimit(q, 1, 100, 20),
  };
}

export function driversRoutes(redis: Redis, keys: Keys, now: () => number = Date.now): Router {
  const r = Router();
  r.get('/api/v1/drivers', async (req: Request, res) => {
    const query = parseDriversQuery(req.query as Query, now());
    if (answeredNotModified(req, res, versionEtag(await redis.get(keys.dataVersion), { drivers: query }), 30)) return;
    const d = await computeDrivers(redis, keys, query);
    res.json({
      window: { from: iso(d.window.from), to: iso(d.window.to) },
      baseline: { from: iso(d.baseline.from), to: iso(d.baseline.to) },
      stance: query.stance ?? null,
      source: query.source ?? null,
      lang: query.lang ?? null,
      posts: d.posts,
      drivers: d.drivers,
      examples: d.examples,
      cost: { redisCommands: d.redisCommands + 1, bucketGrain: `${TOKEN_GRAIN / 60}m` },
    });
  });
  return r;
}

const iso = (s: number) => new Date(s * 1000).toISOString();
