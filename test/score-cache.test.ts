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
import { startRedis, type TestRedis } from './helpers/redis-server.ts';

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

class CountingScorer extends BuiltinScorer {
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
