import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { createKeys } from '../shared/keys.ts';
import { createMetrics } from '../shared/metrics.ts';
import type { Post, StanceResult } from '../shared/post.ts';
import type { AggregateJob } from '../shared/queues.ts';
import { createRedis } from '../shared/redis.ts';
import { BuiltinScorer } from '../workers/score/builtin/scorer.ts';
import { scoreBatch } from '../workers/score/score-job.ts';
import { startRedis, type TestRedis } from '../dev/redis-server.ts';

/** Reposts and cross-posts are scored once (by fingerprint) and still counted once per occurrence. */
let server: TestRedis;
let redis: Redis;
before(async () => {
  server = await startRedis();
  redis = createRedis(server.url);
});
after(async () => {
  await redis.quit();
  await server.stop();
});

/** Stands in for a model: the cache and the claims are for scorers that are not in-process. */
class CountingScorer extends BuiltinScorer {
  override readonly inProcess = false;
  calls: string[] = [];
  override async score(texts: string[]): Promise<StanceResult[]> {
    this.calls.push(...texts);
    return super.score(texts);
  }
}

const post = (id: string, text: string): Post => ({
  source: 'mastodon',
  id,
  url: id,
  text,
  lang: 'en',
  createdAt: new Date().toISOString(),
  author: 'a',
  engagement: { likes: 0, reposts: 0, replies: 0 },
});

test('the same text is scored once across batches and within one; each post still goes on to be counted', async () => {
  const keys = createKeys('cache');
  const metrics = createMetrics();
  const aggregateQueue = new Queue<AggregateJob>('aggregate', { connection: redis, prefix: keys.bullPrefix });
  const scorer = new CountingScorer();
  const deps = { redis, keys, scorer, aggregateQueue, metrics, cacheTtlSeconds: 60 };
  await scoreBatch(
    'b1',
    [
      post('a', 'Free Durov! https://t.me/x/1'),
      post('b', 'free durov https://bsky.app/y'),
      post('c', 'Telegram must be held accountable'),
    ],
    deps,
  );
  await scoreBatch('b2', [post('d', 'RT: Free Durov!'), post('e', 'Something new about Durov')], deps);
  assert.deepEqual(scorer.calls, [
    'Free Durov! https://t.me/x/1',
    'Telegram must be held accountable',
    'Something new about Durov',
  ]);
  const jobs = await aggregateQueue.getJobs(['waiting']);
  const counted = jobs.flatMap((j) => j.data.posts);
  assert.equal(counted.length, 5, 'every occurrence is counted');
  assert.deepEqual(
    new Set(counted.filter((p) => /free durov/i.test(p.text)).map((p) => p.result.stance)),
    new Set(['support']),
  );
  const cache = Object.fromEntries((await metrics.scoreCache.get()).values.map((v) => [v.labels.result, v.value]));
  assert.deepEqual(cache, { hit: 2, miss: 3 });
  await aggregateQueue.close();
});

/** A scorer that takes its time, as a model does, so concurrent batches really overlap. */
class SlowScorer extends CountingScorer {
  failNext = false;
  override async score(texts: string[]): Promise<StanceResult[]> {
    await new Promise((r) => setTimeout(r, 150));
    if (this.failNext) {
      this.failNext = false;
      throw new Error('model down');
    }
    return super.score(texts);
  }
}

test('the same status arriving through several feeds at once is scored once; the others wait for its result', async () => {
  const keys = createKeys('claim');
  const metrics = createMetrics();
  const aggregateQueue = new Queue<AggregateJob>('aggregate', { connection: redis, prefix: keys.bullPrefix });
  const scorer = new SlowScorer();
  const deps = { redis, keys, scorer, aggregateQueue, metrics, cacheTtlSeconds: 60 };
  const shared = 'Free Durov, this arrest is an attack on free speech';
  // Four feeds deliver the same status (different post ids) in four batches processed at the same moment.
  await Promise.all(
    ['m1', 'b1', 't1', 'r1'].map((id, i) =>
      scoreBatch(`job-${i}`, [post(id, shared), post(`${id}-own`, `Durov news number ${i}`)], deps),
    ),
  );
  assert.equal(scorer.calls.filter((t) => t === shared).length, 1, 'one model call for the shared status');
  assert.equal(scorer.calls.length, 5);
  const counted = (await aggregateQueue.getJobs(['waiting'])).flatMap((j) => j.data.posts);
  assert.equal(counted.filter((p) => p.text === shared).length, 4, 'each occurrence still goes on to be counted');
  assert.deepEqual(
    new Set(counted.filter((p) => p.text === shared).map((p) => JSON.stringify(p.result))).size,
    1,
    'all four carry the one result',
  );
  assert.deepEqual((await redis.keys('claim:score-claim:*')).length, 0, 'claims are released');
  await aggregateQueue.close();
});

test('an in-process scorer skips the cache: no cache or claim keys, every post scored and passed on', async () => {
  const keys = createKeys('inproc');
  const aggregateQueue = new Queue<AggregateJob>('aggregate', { connection: redis, prefix: keys.bullPrefix });
  const metrics = createMetrics();
  const deps = { redis, keys, scorer: new BuiltinScorer(), aggregateQueue, metrics, cacheTtlSeconds: 60 };
  const r = await scoreBatch('ip1', [post('ip-a', 'Free Durov now'), post('ip-b', 'Free Durov now')], deps);
  assert.deepEqual(r, { scored: 2, skipped: 0 });
  assert.deepEqual(await redis.keys(keys.scoreCache('*', '*')), []);
  assert.deepEqual(await redis.keys(keys.scoreClaim('*', '*')), []);
  const [job] = await aggregateQueue.getJobs(['waiting']);
  assert.deepEqual(
    job?.data.posts.map((p) => [p.id, p.result.stance]),
    [
      ['ip-a', 'support'],
      ['ip-b', 'support'],
    ],
  );
  await aggregateQueue.close();
});

test('a claim whose holder failed is released: a waiting batch scores the text itself', async () => {
  const keys = createKeys('claimfail');
  const metrics = createMetrics();
  const aggregateQueue = new Queue<AggregateJob>('aggregate', { connection: redis, prefix: keys.bullPrefix });
  const scorer = new SlowScorer();
  scorer.failNext = true;
  const deps = { redis, keys, scorer, aggregateQueue, metrics, cacheTtlSeconds: 60 };
  const shared = 'Durov must be held accountable';
  const outcomes = await Promise.allSettled([
    scoreBatch('f1', [post('x1', shared)], deps),
    scoreBatch('f2', [post('x2', shared)], deps),
  ]);
  assert.deepEqual(
    outcomes.map((o) => o.status).sort(),
    ['fulfilled', 'rejected'],
    'the failing holder throws (BullMQ retries it), the waiter does not',
  );
  assert.equal(scorer.calls.length, 1, 'the waiter scored it after the failed holder let go');
  await aggregateQueue.close();
});
