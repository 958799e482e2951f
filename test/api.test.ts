import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, test } from 'node:test';
import type { Redis } from 'ioredis';
import { createApp } from '../api/app.ts';
import { type openapi } from '../api/openapi.ts';
import { createKeys } from '../shared/keys.ts';
import { createLogger } from '../shared/logger.ts';
import { createMetrics } from '../shared/metrics.ts';
import { openQueues } from '../shared/pipeline-queues.ts';
import { scrapeGauges } from '../shared/scrape-gauges.ts';
import type { ScoredPost, Stance } from '../shared/post.ts';
import { createRedis } from '../shared/redis.ts';
import { TrendWriter } from '../workers/aggregate/trend-writer.ts';
import { getJson } from './helpers/pipeline.ts';
import { startRedis, type TestRedis } from '../dev/redis-server.ts';
import { serveApp, type ServedApp } from '../dev/serve-app.ts';

/** The API over real Redis, seeded through the real aggregate writer with posts whose counts we know. */
let server: TestRedis;
let redis: Redis;
let http: ServedApp;
let base = '';
const keys = createKeys('api');
const NOW = Date.parse('2026-11-29T12:00:30Z');
const metrics = createMetrics();

function post(i: number, stance: Stance, minutesAgo: number, lang = 'en'): ScoredPost {
  const score = stance === 'support' ? 0.8 : stance === 'criticism' ? -0.6 : 0;
  return {
    source: 'mastodon',
    id: `https://a.social/s/${i}`,
    url: `https://a.social/@x/${i}`,
    text: `<b>post</b> ${i}`,
    lang,
    createdAt: new Date(NOW - minutesAgo * 60_000).toISOString(),
    author: 'h',
    engagement: { likes: 0, reposts: 0, replies: 0 },
    result: { stance, score, confidence: 0.7, model: { id: 'builtin-lexicon-v1', kind: 'builtin' } },
    scoredAt: new Date(NOW).toISOString(),
  };
}

before(async () => {
  server = await startRedis();
  redis = createRedis(server.url);
  const writer = new TrendWriter(redis, keys, {
    countedSeconds: 86_400,
    postsSeconds: 7 * 86_400,
    postsMax: 1_000,
    bucketsSeconds: { m: 8 * 86_400, h: 400 * 86_400, d: 3_650 * 86_400 },
  });
  const posts: ScoredPost[] = [];
  // Last hour: 6 support, 3 criticism, 1 neutral (2 of the support in Russian). The hour before: 2 support, 2 criticism.
  for (let i = 0; i < 6; i++) posts.push(post(i, 'support', 5 + i, i < 2 ? 'ru' : 'en'));
  for (let i = 6; i < 9; i++) posts.push(post(i, 'criticism', 20 + i));
  posts.push(post(9, 'neutral', 40));
  for (let i = 10; i < 12; i++) posts.push(post(i, 'support', 70 + i));
  for (let i = 12; i < 14; i++) posts.push(post(i, 'criticism', 70 + i));
  assert.equal((await writer.add(posts, NOW)).length, 14);
  assert.equal((await writer.add(posts, NOW)).length, 0, 'a second write of the same posts counts nothing');
  const queues = openQueues(redis, keys);
  const app = createApp({
    redis,
    keys,
    metrics,
    log: createLogger('silent'),
    limits: { maxBuckets: 500 },
    health: { heartbeatSeconds: 10, timeoutMs: 2_000 },
    now: () => NOW,
    beforeScrape: scrapeGauges(metrics, redis, keys, queues),
  });
  http = await serveApp(app);
  base = http.base;
});

after(async () => {
  await http.close();
  await redis.quit();
  await server.stop();
});

type Trends = {
  buckets: Array<{
    start: string;
    support: number;
    criticism: number;
    neutral: number;
    total: number;
    supportShare: number | null;
    meanScore: number | null;
  }>;
  models: Record<string, number>;
};

test('trends: buckets add up to what was written, for every filter', async () => {
  const { status, body } = await getJson<Trends>(
    `${base}/api/v1/trends?interval=1h&from=2026-11-29T10:00:00Z&to=2026-11-29T11:59:00Z`,
  );
  assert.equal(status, 200);
  assert.deepEqual(
    body.buckets.map((b) => [b.start, b.support, b.criticism, b.neutral]),
    [
      ['2026-11-29T10:00:00.000Z', 2, 2, 0],
      ['2026-11-29T11:00:00.000Z', 6, 3, 1],
    ],
  );
  assert.equal(body.buckets[1]!.supportShare, 0.6);
  assert.equal(body.buckets[1]!.meanScore, Math.round(((6 * 0.8 - 3 * 0.6) / 10) * 1e4) / 1e4);
  assert.deepEqual(body.models, { 'builtin-lexicon-v1': 14 });
  const ru = await getJson<Trends>(
    `${base}/api/v1/trends?interval=1h&from=2026-11-29T10:00:00Z&to=2026-11-29T11:59:00Z&lang=ru`,
  );
  assert.deepEqual(
    ru.body.buckets.map((b) => b.total),
    [0, 2],
  );
  const fine = await getJson<Trends>(
    `${base}/api/v1/trends?interval=5m&from=2026-11-29T10:00:00Z&to=2026-11-29T11:59:00Z`,
  );
  assert.equal(fine.body.buckets.length, 24);
  assert.equal(
    fine.body.buckets.reduce((a, b) => a + b.total, 0),
    14,
    'same posts, finer buckets',
  );
});

test('trends default to the last 24 hours, including the bucket now fills', async () => {
  const { body } = await getJson<Trends & { from: string; to: string }>(`${base}/api/v1/trends`);
  assert.equal(body.to, '2026-11-29T12:05:00.000Z');
  assert.equal(body.from, '2026-11-28T12:05:00.000Z');
  assert.equal(body.buckets.length, 288);
  assert.equal(
    body.buckets.reduce((a, b) => a + b.total, 0),
    14,
  );
});

test('ETag: an unchanged poll gets 304; Cache-Control is set', async () => {
  const first = await fetch(`${base}/api/v1/trends?interval=1h`);
  const etag = first.headers.get('etag');
  assert.ok(etag);
  assert.match(first.headers.get('cache-control') ?? '', /max-age=\d+/);
  const second = await fetch(`${base}/api/v1/trends?interval=1h`, { headers: { 'if-none-match': etag } });
  assert.equal(second.status, 304);
  const other = await fetch(`${base}/api/v1/trends?interval=15m`, { headers: { 'if-none-match': etag } });
  assert.equal(other.status, 200, 'another query is another representation');
  await redis.incr(keys.dataVersion); // what every aggregate write does
  const changed = await fetch(`${base}/api/v1/trends?interval=1h`, { headers: { 'if-none-match': etag } });
  assert.equal(changed.status, 200, 'new data, new ETag');
});

test('bodies are gzipped for clients that accept it, and the same JSON either way', async () => {
  const url = `${base}/api/v1/trends?interval=5m`;
  const plain = await fetch(url, { headers: { 'accept-encoding': 'identity' } });
  assert.equal(plain.headers.get('content-encoding'), null);
  assert.match(plain.headers.get('vary') ?? '', /Accept-Encoding/i);
  const plainBody = await plain.text();
  // fetch decompresses and keeps the header: the body must decode to the very same JSON.
  const zipped = await fetch(url, { headers: { 'accept-encoding': 'gzip, deflate' } });
  assert.equal(zipped.headers.get('content-encoding'), 'gzip');
  assert.equal(await zipped.text(), plainBody);
  assert.ok(Number(zipped.headers.get('content-length')) < plainBody.length / 4, 'a 288-bucket body shrinks');
  // Small bodies go as they are.
  const small = await fetch(`${base}/api/v1/summary`, { headers: { 'accept-encoding': 'gzip' } });
  assert.equal(small.headers.get('content-encoding'), null);
  await small.arrayBuffer();
});

test('summary compares the window with the previous one', async () => {
  const { body } = await getJson<{
    current: { total: number; supportShare: number };
    previous: { total: number };
    change: { total: number; totalRatio: number; supportShare: number };
  }>(`${base}/api/v1/summary?window=1h`);
  assert.equal(body.current.total, 10);
  assert.equal(body.previous.total, 4);
  assert.equal(body.change.total, 6);
  assert.equal(body.change.totalRatio, 1.5);
  assert.equal(body.change.supportShare, 0.1);
});

test('posts: newest first, filtered, paginated by cursor without gaps or repeats', async () => {
  const seen: string[] = [];
  let cursor: string | null = null;
  do {
    const page: { status: number; body: { posts: ScoredPost[]; nextCursor: string | null } } = await getJson(
      `${base}/api/v1/posts?limit=4${cursor ? `&cursor=${cursor}` : ''}`,
    );
    assert.equal(page.status, 200);
    seen.push(...page.body.posts.map((p) => p.id));
    cursor = page.body.nextCursor;
  } while (cursor);
  assert.equal(seen.length, 14);
  assert.equal(new Set(seen).size, 14);
  assert.deepEqual(seen.slice(0, 3), ['https://a.social/s/0', 'https://a.social/s/1', 'https://a.social/s/2']);
  const sup = await getJson<{ posts: ScoredPost[] }>(`${base}/api/v1/posts?stance=support&lang=ru`);
  assert.deepEqual(
    sup.body.posts.map((p) => p.id),
    ['https://a.social/s/0', 'https://a.social/s/1'],
  );
  assert.equal(sup.body.posts[0]!.text, '<b>post</b> 0', 'text is returned as data, in JSON, never as markup');
  assert.equal(sup.headers.get('content-type'), 'application/json; charset=utf-8');
});

test('bad input: 400 problem+json naming the parameter, never a 500', async () => {
  const cases: Array<[string, string]> = [
    ['/api/v1/trends?interval=2m', 'interval'],
    ['/api/v1/trends?from=2026-11-29T12:00:00Z&to=2026-11-29T10:00:00Z', 'from'],
    ['/api/v1/trends?from=garbage', 'from'],
    ['/api/v1/trends?interval=1m&from=2026-11-01T00:00:00Z', 'interval'],
    ['/api/v1/trends?source=myspace', 'source'],
    ['/api/v1/trends?lang=english', 'lang'],
    ['/api/v1/trends?interval=1h&interval=1d', 'interval'],
    ['/api/v1/trends?bogus=1', 'bogus'],
    ['/api/v1/summary?window=2h', 'window'],
    ['/api/v1/posts?limit=0', 'limit'],
    ['/api/v1/posts?limit=1000', 'limit'],
    ['/api/v1/posts?cursor=not-a-cursor', 'cursor'],
    ['/api/v1/posts?stance=happy', 'stance'],
  ];
  for (const [path, param] of cases) {
    const res = await fetch(base + path);
    assert.equal(res.status, 400, path);
    assert.equal(res.headers.get('content-type'), 'application/problem+json; charset=utf-8', path);
    const body = (await res.json()) as { param: string; status: number; title: string; detail: string };
    assert.equal(body.param, param, path);
    assert.equal(body.status, 400);
    assert.ok(body.detail.length > 10);
  }
  const nf = await fetch(`${base}/api/v1/nope`);
  assert.equal(nf.status, 404);
  assert.equal(nf.headers.get('content-type'), 'application/problem+json; charset=utf-8');
});

test('the OpenAPI document and the router describe the same routes', async () => {
  const { body } = await getJson<typeof openapi>(`${base}/api/v1/openapi.json`);
  assert.equal(body.openapi, '3.1.0');
  const documented = Object.keys(body.paths).sort();
  for (const path of documented) {
    const res = await fetch(base + path.replace('{id}', 'support-volume-5m-1'));
    const body = (await res.text()) as string;
    assert.ok(!body.includes('no route for'), `${path} is documented but not served`);
  }
  // Every served GET route is documented: walk Express's router.
  const app = createApp({
    redis,
    keys,
    metrics,
    log: createLogger('silent'),
    limits: { maxBuckets: 10 },
    health: { heartbeatSeconds: 10, timeoutMs: 2_000 },
  });
  const served = new Set<string>();
  const walk = (stack: Array<{ route?: { path: string }; handle?: { stack?: unknown[] } }>) => {
    for (const layer of stack) {
      if (layer.route) served.add(layer.route.path.replace(/:(\w+)/g, '{$1}'));
      else if (layer.handle?.stack) walk(layer.handle.stack as typeof stack);
    }
  };
  walk((app as unknown as { router: { stack: [] } }).router.stack);
  assert.deepEqual([...served].sort(), documented);
  for (const path of ['/api/v1/trends', '/api/v1/summary', '/api/v1/posts', '/api/v1/alerts']) {
    const params = (body.paths[path as '/api/v1/trends'].get.parameters as ReadonlyArray<{ name: string }>).map(
      (p) => p.name,
    );
    const bad = await getJson<{ detail: string }>(`${base}${path}?zzz=1`);
    assert.deepEqual(
      bad.body.detail.split('allowed: ')[1]!.split(', ').sort(),
      [...params].sort(),
      `${path}: documented parameters = accepted parameters`,
    );
  }
});

test('/metrics passes promtool check metrics', async (t) => {
  await fetch(`${base}/api/v1/trends`);
  const text = await (await fetch(`${base}/metrics`)).text();
  assert.match(text, /stancewatch_queue_jobs\{queue="score",state="waiting"\} 0/);
  assert.match(
    text,
    /stancewatch_http_request_duration_seconds_count\{method="GET",route="\/api\/v1\/trends",status="200"\}/,
  );
  const promtool = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  if (promtool.error) return t.skip('promtool is not installed (bash .ci/run installs it)');
  assert.equal(promtool.status, 0, promtool.stdout + promtool.stderr);
});

test('/healthz answers; /readyz says not ready without workers, and why', async () => {
  assert.equal((await fetch(`${base}/healthz`)).status, 200);
  const r = await getJson<{ status: string; redis: string; workers: number }>(`${base}/readyz`);
  assert.equal(r.status, 503);
  assert.deepEqual([r.body.redis, r.body.workers], ['ok', 0]);
  await redis.zadd(keys.workers, NOW - 60_000, 'w-dead'); // last beat a minute ago: over three periods
  assert.equal((await getJson<{ workers: number }>(`${base}/readyz`)).body.workers, 0);
  await redis.zadd(keys.workers, NOW - 1_000, 'w1');
  const ok = await getJson<{ status: string }>(`${base}/readyz`);
  assert.equal(ok.status, 200);
});

test('/readyz costs a fixed handful of commands and never scans the keyspace', async () => {
  const pipe = redis.pipeline();
  for (let i = 0; i < 20_000; i++) pipe.set(`${keys.post(`filler-${i}`)}`, '1');
  await pipe.exec();
  await redis.config('RESETSTAT');
  await getJson(`${base}/readyz`);
  const stats = await redis.info('commandstats');
  const calls = [...stats.matchAll(/^cmdstat_(\w+):calls=(\d+)/gm)].filter(
    ([, cmd]) => cmd !== 'info' && cmd !== 'config',
  );
  assert.ok(!calls.some(([, cmd]) => cmd === 'scan' || cmd === 'keys'), stats);
  assert.ok(calls.reduce((a, [, , n]) => a + Number(n), 0) <= 6, stats);
});
