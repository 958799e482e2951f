import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { Queue } from 'bullmq';
import { createKeys } from '../shared/keys.ts';
import { createLogger } from '../shared/logger.ts';
import { createMetrics } from '../shared/metrics.ts';
import { createRedis } from '../shared/redis.ts';
import type { ScoreJob } from '../shared/queues.ts';
import { Collector } from '../workers/collect/collector.ts';
import { MastodonSource } from '../workers/collect/sources/mastodon/source.ts';
import { FakeMastodon } from '../dev/fakes/fake-mastodon.ts';
import { startRedis, type TestRedis } from '../dev/redis-server.ts';
import type { Redis } from 'ioredis';

/** The Mastodon collector against a fake instance and real Redis + BullMQ: paging, resume, politeness, bad pages. */
let server: TestRedis;
let redis: Redis;
let fake: FakeMastodon;
let queue: Queue<ScoreJob>;
let metrics: ReturnType<typeof createMetrics>;
let now = Date.now();
let run = 0;

function collector(opts: Partial<ConstructorParameters<typeof MastodonSource>[0]> = {}, prefix = `c${run}`) {
  const keys = createKeys(prefix);
  const source = new MastodonSource({
    instances: [fake.url],
    tags: ['durov'],
    pollEveryMs: 60_000,
    pageLimit: 5,
    maxPagesPerPoll: 10,
    initialPages: 1,
    http: { timeoutMs: 2_000, maxBytes: 200_000, userAgent: 'stancewatch-test' },
    ...opts,
  });
  return new Collector({
    redis,
    keys,
    metrics,
    log: createLogger('silent'),
    sources: [source],
    authorKey: 'k',
    batchSize: 3,
    seenTtlSeconds: 3_600,
    pollLockMs: 30_000,
    scoreQueue: queue,
    now: () => now,
  });
}

async function queuedPosts(): Promise<string[]> {
  const jobs = await queue.getJobs(['waiting', 'delayed', 'prioritized']);
  return jobs.flatMap((j) => j.data.posts.map((p) => p.text)).sort();
}

const feedId = () => `mastodon-${new URL(fake.url).host}-durov`;
const errors = async (reason: string) =>
  (await metrics.collectErrors.get()).values.find((v) => v.labels.reason === reason)?.value ?? 0;

before(async () => {
  server = await startRedis();
  redis = createRedis(server.url, 'test');
});
after(async () => {
  await queue?.close();
  await fake?.stop();
  await redis.quit();
  await server.stop();
});
beforeEach(async () => {
  run++;
  now = Date.now();
  await fake?.stop();
  fake = await new FakeMastodon().start();
  await queue?.close();
  queue = new Queue<ScoreJob>('score', { connection: redis, prefix: `c${run}:q` });
  metrics = createMetrics();
});

test('first poll takes the newest page; later polls walk forward with min_id across pages, in batches', async () => {
  for (let i = 0; i < 3; i++) fake.post('durov', { content: `<p>Durov old ${i}</p>` });
  const c = collector();
  const first = await c.collect(feedId());
  assert.deepEqual([first.read, first.enqueued], [3, 3]);

  for (let i = 0; i < 12; i++) fake.post('durov', { content: `<p>Durov new ${String(i).padStart(2, '0')}</p>` });
  fake.post('durov', { content: '<p>Unrelated: the weather</p>' });
  const requestsBefore = fake.requests.length;
  const second = await c.collect(feedId());
  const asked = fake.requests.slice(requestsBefore).map((r) => new URL(r.url, fake.url).searchParams);
  assert.equal(asked.filter((p) => p.has('min_id')).length, 3, '13 new statuses at 5 per page, forward with min_id');
  assert.ok(
    asked.filter((p) => !p.has('min_id')).every((p) => p.has('max_id')),
    'then the overlap walks back below the cursor with max_id',
  );
  assert.equal(second.relevant, 12 + 2, 'the overlap re-reads the two below the cursor');
  assert.equal(second.duplicates, 2, 'and drops them as seen');
  assert.equal(second.enqueued, 12);
  const posts = await queuedPosts();
  assert.equal(posts.length, 15);
  assert.equal(new Set(posts).size, 15);
  const jobs = await queue.getJobs(['waiting']);
  assert.ok(
    jobs.every((j) => j.data.posts.length <= 3),
    'posts travel in batches of SCORE_BATCH_SIZE',
  );
  const forward = fake.requests.slice(1).map((r) => new URL(r.url, fake.url).searchParams);
  assert.ok(
    forward.every((p) => p.has('min_id') || p.has('max_id')),
    'incremental polls ask with min_id (and max_id for the overlap)',
  );
  assert.equal((await c.collect(feedId())).enqueued, 0, 'nothing new, nothing enqueued');
});

test('a restart resumes from the persisted cursor, with nothing lost and nothing repeated', async () => {
  fake.post('durov', { content: '<p>Durov a</p>' });
  await collector().collect(feedId());
  for (let i = 0; i < 4; i++) fake.post('durov', { content: `<p>Durov b${i}</p>` });
  const fresh = collector(); // a new process: only Redis remembers
  const out = await fresh.collect(feedId());
  assert.equal(out.enqueued, 4);
  assert.equal((await queuedPosts()).length, 5);
});

test('429 with Retry-After pauses the feed and keeps the cursor', async () => {
  fake.post('durov', { content: '<p>Durov 1</p>' });
  const c = collector();
  await c.collect(feedId());
  const cursor = await redis.get(`c${run}:cursor:${feedId()}`);
  fake.post('durov', { content: '<p>Durov 2</p>' });
  fake.failNext({ status: 429, headers: { 'retry-after': '120' }, body: '{"error":"Too many requests"}' });
  const limited = await c.collect(feedId());
  assert.equal(limited.error, 'rate_limited');
  assert.equal(await redis.get(`c${run}:cursor:${feedId()}`), cursor);
  assert.equal(await errors('rate_limited'), 1);
  const requests = fake.requests.length;
  assert.equal((await c.collect(feedId())).skipped, 'paused', 'no request while paused');
  assert.equal(fake.requests.length, requests);
  now += 121_000;
  assert.equal((await c.collect(feedId())).enqueued, 1, 'after the pause the missed post arrives');
});

test('a 5xx stops the poll without losing data; the next poll recovers', async () => {
  fake.post('durov', { content: '<p>Durov 1</p>' });
  const c = collector();
  await c.collect(feedId());
  fake.post('durov', { content: '<p>Durov 2</p>' });
  fake.failNext({ status: 502, body: '<html>Bad Gateway</html>', headers: { 'content-type': 'text/html' } });
  assert.equal((await c.collect(feedId())).error, 'http_5xx');
  assert.equal((await c.collect(feedId())).enqueued, 1);
  assert.equal(await errors('http_5xx'), 1);
});

test('a malformed page is counted and skipped, cursor not advanced; a malformed item is skipped alone', async () => {
  fake.post('durov', { content: '<p>Durov 1</p>' });
  const c = collector();
  await c.collect(feedId());
  fake.post('durov', { content: '<p>Durov 2</p>' });
  fake.rawBodies.push('[{"id": "1", "content": ');
  assert.equal((await c.collect(feedId())).error, 'malformed_page');
  assert.equal(await errors('malformed_page'), 1);
  const s = fake.post('durov', { content: '<p>Durov 3</p>' });
  (s as Record<string, unknown>).created_at = 'not a date';
  const out = await c.collect(feedId());
  assert.equal(out.enqueued, 1, 'Durov 2 arrives; the broken Durov 3 does not');
  assert.equal(await errors('malformed_item'), 1);
});

test('an oversized answer that names no status cannot be stepped over: refused, counted, cursor kept', async () => {
  fake.post('durov', { content: '<p>Durov 1</p>' });
  const c = collector({ http: { timeoutMs: 2_000, maxBytes: 1_000, userAgent: 't' } });
  await c.collect(feedId());
  const cursor = await redis.get(`c${run}:cursor:${feedId()}`);
  // Asked with 5, 2, then 1 item: each answer over the limit, the last with no id in its first bytes and no Link.
  for (let i = 0; i < 3; i++) fake.rawBodies.push(`[{"content": "<p>Durov ${'x'.repeat(5_000)}</p>"}]`);
  const out = await c.collect(feedId());
  assert.equal(out.error, 'too_large');
  assert.deepEqual(
    fake.requests.slice(-3).map((r) => new URL(r.url, fake.url).searchParams.get('limit')),
    ['5', '2', '1'],
  );
  assert.equal(await errors('too_large'), 3, 'two smaller retries and the refusal');
  assert.equal(await redis.get(`c${run}:cursor:${feedId()}`), cursor);
  fake.post('durov', { content: '<p>Durov 2</p>' });
  assert.equal((await c.collect(feedId())).enqueued, 1, 'the next poll reads on');
});

test("an unknown tag (404) is counted and shown as the feed's last error", async () => {
  fake.missingTags.add('durov');
  const out = await collector().collect(feedId());
  assert.equal(out.error, 'http_4xx');
  const lastError = JSON.parse((await redis.hget(`c${run}:source:last-error`, feedId()))!);
  assert.equal(lastError.reason, 'http_4xx');
});

test('the same federated status read from two instances is one post', async () => {
  const other = await new FakeMastodon().start();
  try {
    const s = fake.post('durov', { content: '<p>Free Durov</p>' });
    other.post('durov', {
      content: '<p>Free Durov</p>',
      uri: s.uri,
      url: s.url,
      account: { ...s.account, acct: `someone@${new URL(fake.url).host}` },
    });
    const c = collector({ instances: [fake.url, other.url] });
    const outcomes = [];
    for (const feed of c.allFeeds()) outcomes.push(await c.collect(feed.id));
    assert.deepEqual(
      outcomes.map((o) => [o.enqueued, o.duplicates]),
      [
        [1, 0],
        [0, 1],
      ],
    );
    assert.equal((await queuedPosts()).length, 1);
  } finally {
    await other.stop();
  }
});

test('two workers never poll one feed at once', async () => {
  fake.post('durov', { content: '<p>Durov 1</p>' });
  await redis.set(`c${run}:poll-lock:${feedId()}`, 'another-worker', 'PX', 60_000);
  const c = collector();
  assert.equal((await c.collect(feedId())).skipped, 'busy');
  assert.equal(fake.requests.length, 0);
  await redis.del(`c${run}:poll-lock:${feedId()}`);
  assert.equal((await c.collect(feedId())).enqueued, 1);
  assert.equal(await redis.exists(`c${run}:poll-lock:${feedId()}`), 0, 'the lock is released after the poll');
});

test('with an access token, keyword search finds posts without the hashtag; without one there is no search feed', async () => {
  fake.tokens.add('user-token');
  fake.post('untagged', { content: '<p>Durov is being made an example of</p>' });
  const anonymous = collector();
  assert.ok(anonymous.allFeeds().every((f) => !f.id.includes('-search-')));
  const c = collector({ accessToken: 'user-token', searchTerms: ['Durov'] });
  const search = c.allFeeds().find((f) => f.id.includes('-search-'))!;
  assert.equal((await c.collect(search.id)).enqueued, 1);
  assert.equal(fake.requests.at(-1)!.headers.authorization, 'Bearer user-token');
  fake.post('untagged', { content: '<p>Durov again</p>' });
  assert.equal((await c.collect(search.id)).enqueued, 1);
  assert.ok(/min_id=\d+/.test(fake.requests.at(-1)!.url), 'later searches ask with min_id');
});
