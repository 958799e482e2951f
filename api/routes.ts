import { Router, type Request, type Response } from 'express';
import type { Redis } from 'ioredis';
import { INTERVALS, alignDown, summarise } from '../shared/buckets.ts';
import type { Keys } from '../shared/keys.ts';
import { ALERT_STATES } from '../shared/lists.ts';
import { BodyCache } from './body-cache.ts';
import { answeredNotModified, versionEtag } from './etag.ts';
import {
  encodeCursor,
  parseCursor,
  parseEnum,
  parseInterval,
  parseLang,
  parseLimit,
  parseSource,
  parseStance,
  parseTime,
  rejectUnknown,
} from './params.ts';
import { PostsReader } from './posts-reader.ts';
import { AlertsReader } from './alerts-reader.ts';
import { Problem, badParam } from './problem.ts';
import { TrendReader, mergeModels } from '../shared/trend-reader.ts';

export interface ApiLimits {
  maxBuckets: number;
  /** Post text longer than this is cut when served (posts stored before the collection cap). */
  maxPostChars?: number;
  /** A posts page stops before its JSON would pass this size; `nextCursor` continues after the last post sent. */
  maxResponseBytes?: number;
  /**
   * Trends, summary and posts bodies are recomputed at most this often while writes keep moving the data
   * version; meanwhile the last body is served with its own ETag (see BodyCache). 0: every request after a
   * write waits for the new body (what tests that write and then read need).
   */
  refreshFloorMs?: number;
}

const DAY = 86_400;
export const SUMMARY_WINDOWS = { '1h': 3_600, '24h': DAY, '7d': 7 * DAY } as const;

export function apiRoutes(redis: Redis, keys: Keys, limits: ApiLimits, now: () => number = Date.now): Router {
  const trends = new TrendReader(redis, keys);
  const postsReader = new PostsReader(redis, keys, {
    maxPostChars: limits.maxPostChars ?? 5_000,
    maxBytes: limits.maxResponseBytes ?? 1_000_000,
  });
  const version = async () => (await redis.get(keys.dataVersion)) ?? '0';
  const bodies = new BodyCache(256, limits.refreshFloorMs ?? 0);
  /**
   * A 304 when the client holds the current version; otherwise the cached body, with the ETag of the version
   * it was computed at (a body still being refreshed is served as it is, see BodyCache), gzipped for clients
   * that accept it (browsers and most HTTP clients do).
   */
  const sendCached = async (
    req: Request,
    res: Response,
    kind: string,
    resolved: object,
    maxAgeSeconds: number,
    compute: () => Promise<unknown>,
  ) => {
    res.vary('Accept-Encoding');
    const v = await version();
    if (answeredNotModified(req, res, versionEtag(v, resolved), maxAgeSeconds)) return;
    const cached = await bodies.get(`${kind}|${JSON.stringify(resolved)}`, v, compute);
    if (cached.version !== v && answeredNotModified(req, res, versionEtag(cached.version, resolved), maxAgeSeconds))
      return;
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    if (cached.gzipped && req.acceptsEncodings('gzip', 'identity') === 'gzip')
      res.setHeader('Content-Encoding', 'gzip').send(cached.gzipped);
    else res.send(cached.body);
  };
  const alerts = new AlertsReader(redis, keys);
  const alertsVersion = () => redis.get(keys.alertsVersion);
  const r = Router();
  const q = (req: Request) => req.query as Record<string, unknown>;

  r.get('/api/v1/trends', async (req, res) => {
    rejectUnknown(q(req), ['from', 'to', 'interval', 'source', 'lang']);
    const interval = parseInterval(q(req));
    const step = INTERVALS[interval];
    const source = parseSource(q(req));
    const lang = parseLang(q(req));
    const nowS = Math.floor(now() / 1000);
    // The bucket that holds `to` is included, so the current, still-filling bucket is always shown.
    const to = alignDown(parseTime(q(req), 'to') ?? nowS, step) + step;
    const from = alignDown(parseTime(q(req), 'from') ?? to - DAY, step);
    if (from >= to) throw badParam('from', '"from" must be earlier than "to"');
    const n = (to - from) / step;
    if (n > limits.maxBuckets) {
      throw badParam(
        'interval',
        `${n} buckets of ${interval} would be returned, more than the ${limits.maxBuckets} allowed; use a larger interval or a shorter range`,
      );
    }
    const resolved = { from, to, interval, source, lang };
    await sendCached(req, res, 'trends', resolved, 15, async () => {
      const ranges: Array<[number, number]> = [];
      for (let t = from; t < to; t += step) ranges.push([t, t + step]);
      const totals = await trends.totals(ranges, { source, lang });
      return {
        from: iso(from),
        to: iso(to),
        interval,
        source: source ?? null,
        lang: lang ?? null,
        models: mergeModels(totals.map((t) => t.models)),
        buckets: totals.map((t, i) => ({
          start: iso(ranges[i]![0]),
          end: iso(ranges[i]![1]),
          ...summarise(t.counts),
        })),
      };
    });
  });

  r.get('/api/v1/summary', async (req, res) => {
    rejectUnknown(q(req), ['window', 'source', 'lang']);
    const window = parseEnum(
      q(req),
      'window',
      Object.keys(SUMMARY_WINDOWS) as Array<keyof typeof SUMMARY_WINDOWS>,
      '24h',
    );
    const source = parseSource(q(req));
    const lang = parseLang(q(req));
    const len = SUMMARY_WINDOWS[window];
    const end = alignDown(Math.floor(now() / 1000), 60) + 60;
    const resolved = { window, end, source, lang };
    await sendCached(req, res, 'summary', resolved, 15, async () => {
      const [current, previous] = await trends.totals(
        [
          [end - len, end],
          [end - 2 * len, end - len],
        ],
        { source, lang },
      );
      const cur = summarise(current!.counts);
      const prev = summarise(previous!.counts);
      return {
        window,
        source: source ?? null,
        lang: lang ?? null,
        current: { from: iso(end - len), to: iso(end), ...cur },
        previous: { from: iso(end - 2 * len), to: iso(end - len), ...prev },
        change: {
          total: cur.total - prev.total,
          totalRatio: prev.total ? round(cur.total / prev.total - 1) : null,
          supportShare: diff(cur.supportShare, prev.supportShare),
          criticismShare: diff(cur.criticismShare, prev.criticismShare),
          meanScore: diff(cur.meanScore, prev.meanScore),
        },
        models: current!.models,
      };
    });
  });

  r.get('/api/v1/posts', async (req, res) => {
    rejectUnknown(q(req), ['stance', 'source', 'lang', 'limit', 'cursor']);
    const filters = { stance: parseStance(q(req)), source: parseSource(q(req)), lang: parseLang(q(req)) };
    const limit = parseLimit(q(req), 1, 200, 50);
    const cursor = parseCursor(q(req));
    const resolved = { filters, limit, cursor };
    await sendCached(req, res, 'posts', resolved, 5, async () => {
      const page = await postsReader.page(filters, limit, cursor);
      return { posts: page.posts, nextCursor: page.next ? encodeCursor(page.next) : null };
    });
  });

  r.get('/api/v1/alerts', async (req, res) => {
    rejectUnknown(q(req), ['state', 'since', 'limit']);
    const state = parseEnum(q(req), 'state', ALERT_STATES);
    const since = parseTime(q(req), 'since');
    const limit = parseLimit(q(req), 1, 500, 100);
    const resolved = { state, since, limit };
    if (answeredNotModified(req, res, versionEtag(await alertsVersion(), resolved), 15)) return;
    res.json({ alerts: await alerts.list({ ...resolved }) });
  });

  r.get('/api/v1/alerts/:id', async (req, res) => {
    rejectUnknown(q(req), []);
    const alert = await alerts.get(String(req.params.id));
    if (!alert) throw new Problem(404, 'Not Found', `no alert with id "${String(req.params.id).slice(0, 80)}"`);
    res.json(alert);
  });

  return r;
}

const iso = (s: number) => new Date(s * 1000).toISOString();
const round = (x: number) => Math.round(x * 1e4) / 1e4;
const diff = (a: number | null, b: number | null) => (a === null || b === null ? null : round(a - b));
