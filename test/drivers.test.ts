import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Redis } from 'ioredis';
import { createApp } from '../api/app.ts';
import { POSTS_FIELD, pendingMember } from '../shared/drivers/buckets.ts';
import { computeDrivers } from '../shared/drivers/query.ts';
import { createKeys } from '../shared/keys.ts';
import { createLogger } from '../shared/logger.ts';
import { createMetrics } from '../shared/metrics.ts';
import type { ScoredPost, Stance } from '../shared/post.ts';
import { createRedis } from '../shared/redis.ts';
import { webhookBody, type Alert } from '../shared/spikes/alert.ts';
import { TokenCounter } from '../workers/aggregate/token-counter.ts';
import { TrendWriter } from '../workers/aggregate/trend-writer.ts';
import { getJson } from './helpers/pipeline.ts';
import { startRedis, type TestRedis } from '../dev/redis-server.ts';
import { serveApp, type ServedApp } from '../dev/serve-app.ts';

/**
 * GET /api/v1/drivers over token counts written by the aggregate stage's writer and token counter: a synthetic
 * criticism spike whose distinguishing words are known, against a day of ordinary talk.
 */
let server: TestRedis;
let redis: Redis;
let http: ServedApp;
let base = '';
const keys = createKeys('drv');
const NOW = Date.parse('2026-11-29T12:07:30Z');
const SPIKE_FROM = Date.parse('2026-11-29T12:00:00Z') / 1000;

const ORDINARY = [
  'Durov should answer to the court in Paris. The charges are serious and the judge will decide.',
  'Telegram hosts criminal channels and Durov knew. Accountability matters, no one is above the law.',
  'The prosecutors say Telegram refused to cooperate with police requests for years.',
  'Durov must face the consequences of running a platform that ignores court orders.',
  'Free speech is not a licence for crime. Durov is responsible for his platform.',
  'Another hearing next week in Paris for Durov; the investigation continues.',
];
const SPIKE = [
  'Telegram blackout across Europe today, and Durov stays silent. Unacceptable outage for millions. #TelegramDown https://status.example.net/incident',
  'Second outage this month: Durov runs Telegram like a hobby and users pay the price. #TelegramDown',
  'Blackout again. Durov should be held responsible for this outage. https://status.example.net/incident',
  'A blackout on the day of his hearing. Durov owes users an explanation for the outage. #TelegramDown',
];

function post(i: number, stance: Stance, atMs: number, text: string, lang = 'en'): ScoredPost {
  return {
    source: i % 3 ? 'mastodon' : 'reddit',
    id: `d${i}`,
    url: `https://a.social/@x/${i}`,
    text,
    lang,
    createdAt: new Date(atMs).toISOString(),
    author: 'h',
    engagement: { likes: 0, reposts: 0, replies: 0 },
    result: {
      stance,
      score: stance === 'criticism' ? -0.7 : 0.7,
      confidence: 0.8,
      model: { id: 'builtin-lexicon-v1', kind: 'builtin' },
    },
    scoredAt: new Date(NOW).toISOString(),
  };
}

before(async () => {
  server = await startRedis();
  redis = createRedis(server.url);
  const writer = new TrendWriter(redis, keys, {
    countedSeconds: 86_400,
    postsSeconds: 7 * 86_400,
    postsMax: 10_000,
    bucketsSeconds: { m: 8 * 86_400, h: 400 * 86_400, d: 3_650 * 86_400 },
  });
  const counter = new TokenCounter(redis, keys);
  const posts: ScoredPost[] = [];
  // A day of ordinary criticism (with a stray "outage" now and then), and some support, before the spike.
  for (let i = 0; i < 480; i++) {
    const text = `${ORDINARY[i % ORDINARY.length]}${i % 97 === 0 ? ' There was a short outage too.' : ''} (${i})`;
    posts.push(
      post(i, i % 4 === 0 ? 'support' : 'criticism', NOW - 24 * 3_600_000 + i * 3 * 60_000 - 10 * 60_000, text),
    );
  }
  // The spike: 40 posts in seven minutes, ordinary talk mixed with the outage.
  for (let i = 0; i < 40; i++)
    posts.push(
      post(
        1_000 + i,
        'criticism',
        SPIKE_FROM * 1000 + i * 10_000,
        i % 4 === 3 ? ORDINARY[i % ORDINARY.length]! : `${SPIKE[i % SPIKE.length]} (${i})`,
        i % 5 === 0 ? 'fr' : 'en',
      ),
    );
  // Exactly as the aggregate stage does it: tokens of what the writer newly counted.
  for (let i = 0; i < posts.length; i += 50) await counter.add(await writer.add(posts.slice(i, i + 50), NOW), NOW);
  // And the detector's minutely roll-ups, ten quiet minutes later: every hour of the day that is over is rolled up.
  await counter.rollUp(NOW + 600_000, 100);
  const stillPending = await redis.zrange(keys.tokensPending, 0, -1);
  assert.ok(
    stillPending.length > 0 && stillPending.every((m) => m.startsWith(String(SPIKE_FROM))),
    'only the running hour',
  );
  assert.equal((await writer.add(posts.slice(0, 50), NOW)).length, 0);
  const app = createApp({
    redis,
    keys,
    metrics: createMetrics(),
    log: createLogger('silent'),
    limits: { maxBuckets: 500 },
    now: () => NOW,
  });
  http = await serveApp(app);
  base = http.base;
});

after(async () => {
  await http.close();
  await redis.quit();
  await server.stop();
});

type Drivers = {
  window: { from: string; to: string };
  baseline: { from: string; to: string };
  posts: { window: number; baseline: number };
  drivers: Array<{ token: string; kind: string; label: string; z: number; count: number; baselineCount: number }>;
  examples: Array<{ excerpt: string; url: string }>;
  cost: { redisCommands: number };
};

test("drivers: the synthetic spike's words, hashtag and domain come out on top, with z-scores and examples", async (t) => {
  const { status, body, headers } = await getJson<Drivers>(
    `${base}/api/v1/drivers?from=2026-11-29T12:00:00Z&to=2026-11-29T12:07:00Z&stance=criticism&baseline=24h`,
  );
  assert.equal(status, 200);
  assert.deepEqual(
    body.window,
    { from: '2026-11-29T12:00:00.000Z', to: '2026-11-29T12:10:00.000Z' },
    'widened to whole 10-minute buckets',
  );
  assert.deepEqual(body.baseline, { from: '2026-11-28T12:00:00.000Z', to: '2026-11-29T12:00:00.000Z' });
  assert.equal(body.posts.window, 40);
  assert.equal(body.posts.baseline, 360);
  const top = body.drivers.slice(0, 6).map((d) => d.token);
  for (const expected of ['w:blackout', 'w:outage', '#telegramdown', 'd:status.example.net'])
    assert.ok(top.includes(expected), `${expected} in ${top.join(' ')}`);
  const outage = body.drivers.find((d) => d.token === 'w:outage')!;
  assert.equal(
    outage.baselineCount,
    3,
    'the stray mentions in earlier criticism (posts 97, 194, 291) are counted in the baseline',
  );
  assert.ok(
    body.drivers.every((d, i) => i === 0 || d.z <= body.drivers[i - 1]!.z),
    'ranked by z',
  );
  assert.ok(body.drivers[0]!.z > 4);
  assert.ok(
    !body.drivers.some((d) => ['w:court', 'w:judge', 'w:paris'].includes(d.token)),
    'background talk is not a driver',
  );
  assert.equal(body.examples.length, 5);
  assert.ok(
    body.examples.every((e) => /blackout|outage/i.test(e.excerpt)),
    'representative posts are spike posts',
  );
  assert.ok(headers.get('etag'));
  // 1 version read + window (1 ten-minute bucket) + 24 hour buckets of baseline + 1 read of which hours are
  // pending (none of the baseline's) + 2 for the examples.
  assert.equal(body.cost.redisCommands, 1 + 1 + 24 + 1 + 2);
  t.diagnostic(`a drivers query with a 24 h baseline took ${body.cost.redisCommands} Redis commands`);

  const all = await getJson<Drivers>(
    `${base}/api/v1/drivers?from=2026-11-29T12:00:00Z&to=2026-11-29T12:07:00Z&baseline=24h`,
  );
  assert.ok(
    all.body.drivers.slice(0, 6).some((d) => d.token === 'w:blackout'),
    'also without a stance filter',
  );
  const fr = await getJson<Drivers>(
    `${base}/api/v1/drivers?from=2026-11-29T12:00:00Z&to=2026-11-29T12:07:00Z&stance=criticism&lang=fr&baseline=2026-11-28T12:00:00Z/2026-11-29T12:00:00Z`,
  );
  assert.equal(fr.body.posts.window, 8, 'the language filter reads its own dimension');
  assert.equal(fr.body.posts.baseline, 0);
  const notModified = await fetch(
    `${base}/api/v1/drivers?from=2026-11-29T12:00:00Z&to=2026-11-29T12:07:00Z&stance=criticism&baseline=24h`,
    { headers: { 'if-none-match': headers.get('etag')! } },
  );
  assert.equal(notModified.status, 304);
});

test('drivers: bad input is a 400 problem naming the parameter', async () => {
  for (const [path, param] of [
    ['/api/v1/drivers?baseline=yesterday', 'baseline'],
    [
      '/api/v1/drivers?from=2026-11-29T11:00:00Z&to=2026-11-29T12:00:00Z&baseline=2026-11-29T10:00:00Z/2026-11-29T11:30:00Z',
      'baseline',
    ],
    ['/api/v1/drivers?baseline=90d', 'baseline'],
    ['/api/v1/drivers?from=2026-11-29T12:00:00Z&to=2026-11-29T11:00:00Z', 'from'],
    ['/api/v1/drivers?from=2026-10-01T00:00:00Z', 'from'],
    ['/api/v1/drivers?stance=angry', 'stance'],
    ['/api/v1/drivers?limit=0', 'limit'],
    ['/api/v1/drivers?window=1h', 'window'],
  ] as const) {
    const res = await fetch(base + path);
    assert.equal(res.status, 400, path);
    assert.equal(res.headers.get('content-type'), 'application/problem+json; charset=utf-8');
    assert.equal(((await res.json()) as { param: string }).param, param, path);
  }
});

test('token hashes stay bounded: past the trim point only the top K tokens remain', async () => {
  const k = createKeys('bound');
  const counter = new TokenCounter(redis, k, 5, 10);
  const at = Date.parse('2026-11-29T08:00:00Z');
  const p = (i: number, text: string) => ({ ...post(i, 'neutral', at, text), id: `b${i}` });
  // "alpha" in every post, "beta" in most, then a long tail of one-off words.
  const posts = Array.from({ length: 60 }, (_, i) =>
    p(
      i,
      `alpha ${i % 4 ? 'beta' : ''} gamma${String.fromCharCode(97 + (i % 26))}${String.fromCharCode(97 + Math.floor(i / 26))}x`,
    ),
  );
  for (let i = 0; i < posts.length; i += 7) await counter.add(posts.slice(i, i + 7), at);
  const hash = await redis.hgetall(k.tokens('10m', Date.parse('2026-11-29T08:00:00Z') / 1000, 'neutral', 'all'));
  assert.ok(Object.keys(hash).length <= 10 + 1, `${Object.keys(hash).length} fields`);
  assert.equal(hash['w:alpha'], '60', 'the top tokens keep exact counts');
  assert.equal(hash['w:beta'], '45');
  assert.equal(hash[POSTS_FIELD], '60', 'the post count is never trimmed');
});

test('hour hashes are rolled up once the hour is over: each post counted once, before, during and after', async () => {
  const k = createKeys('roll');
  const counter = new TokenCounter(redis, k);
  const hour = Date.parse('2026-11-29T08:00:00Z') / 1000;
  const hourKey = k.tokens('h', hour, 'criticism', 'all');
  const p = (i: number, minute: number, text: string) => ({
    ...post(i, 'criticism', (hour + minute * 60) * 1000, text),
    id: `r${i}`,
  });
  const drivers = () =>
    computeDrivers(redis, k, {
      from: hour + 3_600,
      to: hour + 4_200,
      baselineFrom: hour,
      baselineTo: hour + 3_600,
      stance: 'criticism',
    });
  // Posts spread over the hour, counted while it runs: the hour is pending and has no hash of its own.
  await counter.add(
    Array.from({ length: 12 }, (_, i) => p(i, i * 5, `outage blackout ${i % 2 ? 'court' : ''}`)),
    (hour + 3_000) * 1000,
  );
  assert.equal(await redis.exists(hourKey), 0, 'no hour hash while the hour runs');
  assert.equal(await redis.zcard(k.tokensPending), 6, 'one pending hour per dimension (all, source, lang, both)');
  const during = await drivers();
  assert.equal(during.posts.baseline, 12, 'a pending hour is read from its 10-minute hashes');
  // A late post while pending pushes the roll-up back: 10 quiet minutes after it, not after the hour's end.
  await counter.add([p(20, 59, 'outage court')], (hour + 3_700) * 1000);
  assert.equal(await redis.zscore(k.tokensPending, pendingMember(hour, 'criticism', 'all')), String(hour + 3_700));
  assert.equal((await drivers()).posts.baseline, 13);
  await counter.add([p(21, 70, 'unrelated words')], (hour + 4_299) * 1000);
  assert.equal((await redis.zrangebyscore(k.tokensPending, hour, hour + 3_700)).length, 6, 'posts never roll up');
  // The detector's minutely roll-up: the reddit dimensions were quiet since the hour's end and are rolled up; the four the late (mastodon,
  // en) post touched are not yet: it came 599 s ago.
  assert.equal(await counter.rollUp((hour + 4_299) * 1000), 2);
  assert.equal((await redis.zrangebyscore(k.tokensPending, hour, hour + 3_700)).length, 4);
  await counter.add([p(22, 71, 'unrelated words')], (hour + 4_300) * 1000);
  await counter.rollUp((hour + 4_300) * 1000);
  assert.deepEqual(await redis.zrangebyscore(k.tokensPending, hour, hour + 3_700), [], 'the hour is rolled up');
  assert.equal(
    await redis.zscore(k.tokensPending, pendingMember(hour + 3_600, 'criticism', 'all')),
    String(hour + 7_200),
    'the next hour waits for its end',
  );
  const rolled = await redis.hgetall(hourKey);
  assert.equal(rolled[POSTS_FIELD], '13');
  assert.equal(rolled['w:outage'], '13');
  assert.equal(rolled['w:court'], '7');
  // A post arriving after the roll-up goes to the hour hash as well as to its 10-minute hash.
  await counter.add([p(23, 30, 'outage again')], (hour + 7_200) * 1000);
  assert.equal(await redis.hget(hourKey, 'w:outage'), '14');
  assert.equal(await redis.hget(k.tokens('10m', hour + 1_800, 'criticism', 'all'), 'w:outage'), '3');
  const after = await drivers();
  assert.equal(after.posts.baseline, 14, 'counted once: from the hour hash, not also from its 10-minute hashes');
  // A backfilled post older than the 10-minute retention goes to its hour alone.
  const old = hour - 10 * 86_400;
  await counter.add([{ ...p(24, 0, 'archive words'), createdAt: new Date(old * 1000).toISOString() }], hour * 1000);
  assert.equal(await redis.hget(k.tokens('h', old, 'criticism', 'all'), 'w:archive'), '1');
  assert.equal(await redis.exists(k.tokens('10m', old, 'criticism', 'all')), 0);
});

test('alerts carry their drivers to every webhook format', () => {
  const alert: Alert = {
    id: 'criticism-volume-5m-1',
    kind: 'volume',
    stance: 'criticism',
    windowMinutes: 5,
    state: 'firing',
    observed: 30,
    expected: 2,
    pValue: 1e-12,
    z: 9,
    startedAt: '2026-11-29T12:05:00.000Z',
    resolvedAt: null,
    summary: 'criticism volume spike',
    examples: [],
    drivers: [
      { token: 'w:outage', kind: 'word', label: 'outage', z: 6.2, count: 30, baselineCount: 5 },
      { token: '#telegramdown', kind: 'hashtag', label: '#telegramdown', z: 5.1, count: 20, baselineCount: 0 },
    ],
  };
  const generic = webhookBody('generic', alert, 'http://x') as { alert: Alert };
  assert.deepEqual(generic.alert.drivers, alert.drivers);
  assert.match(
    JSON.stringify(webhookBody('slack', alert, 'http://x')),
    /What drove it:\* outage \(z 6\.2\), #telegramdown \(z 5\.1\)/,
  );
  // Alertmanager's ingest API takes an array of postable alerts; its webhook receivers get the v4 object.
  const ingest = webhookBody('alertmanager', alert, 'http://x') as Array<{ annotations: Record<string, string> }>;
  assert.equal(ingest[0]!.annotations.drivers, 'outage (z 6.2), #telegramdown (z 5.1)');
  const notification = webhookBody('alertmanager-webhook', alert, 'http://x') as {
    alerts: Array<{ annotations: Record<string, string> }>;
  };
  assert.equal(notification.alerts[0]!.annotations.drivers, 'outage (z 6.2), #telegramdown (z 5.1)');
});
