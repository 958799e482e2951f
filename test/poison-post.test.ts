import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { createRedis } from '../shared/redis.ts';
import { FakeHuggingFace } from '../dev/fakes/fake-huggingface.ts';
import { FakeMastodon } from '../dev/fakes/fake-mastodon.ts';
import { countedTotal, drain, getJson, startStack, type TestStack } from './helpers/pipeline.ts';
import { startRedis, type TestRedis } from '../dev/redis-server.ts';

/**
 * One post of a batch of 20 that the model refuses every time (HTTP 422): it must not open the breaker nor
 * hold the other 19 back. It is scored by the fallback when one is configured, otherwise counted as
 * unscorable; either way stancewatch_posts_rejected_by_model_total says so.
 */
let redis: TestRedis;
let client: Redis;
const cleanup: Array<() => Promise<void>> = [];
before(async () => {
  redis = await startRedis();
  client = createRedis(redis.url);
});
after(async () => {
  for (const c of cleanup.reverse()) await c();
  await client.quit();
  await redis.stop();
});

async function setup(extra: Record<string, string> = {}): Promise<{ hf: FakeHuggingFace; stack: TestStack }> {
  const mastodon = await new FakeMastodon().start();
  const hf = await new FakeHuggingFace().start();
  hf.judge = (t) => (t.includes('Free') ? 'support' : 'criticism');
  hf.refuses = (t) => t.includes('POISON');
  for (let i = 0; i < 20; i++) {
    const text = i === 7 ? 'Durov POISON post the model cannot take' : `Free Durov ${i}`;
    mastodon.post('durov', { content: `<p>${text}</p>` }, new Date(Date.now() - 600_000 + i * 1000));
  }
  const stack = await startStack({
    REDIS_URL: redis.url,
    MASTODON_INSTANCES: mastodon.url,
    MASTODON_TAGS: 'durov',
    HF_ENDPOINT_URL: `${hf.url}/`,
    SCORE_BATCH_SIZE: '20',
    HF_MAX_ATTEMPTS: '3',
    HF_BACKOFF_BASE_MS: '10',
    MODEL_BREAKER_FAILURES: '1',
    MODEL_BREAKER_COOLDOWN_SECONDS: '600',
    ...extra,
  });
  cleanup.push(
    () => mastodon.stop(),
    () => hf.stop(),
    () => stack.stop(),
  );
  return { hf, stack };
}

const rejected = async (stack: TestStack, outcome: string) =>
  (await stack.metrics.postsRejectedByModel.get()).values
    .filter((v) => v.labels.outcome === outcome)
    .reduce((a, v) => a + v.value, 0);

test('a post the model always refuses is counted as unscorable; the other 19 are counted and the breaker stays closed', async () => {
  const { hf, stack } = await setup();
  for (let i = 0; (await countedTotal(stack)) < 19; i++) {
    assert.ok(i < 300, `the 19 good posts were held back (${await countedTotal(stack)} counted)`);
    await sleep(100);
  }
  await drain(stack);
  assert.equal(await countedTotal(stack), 19);
  assert.equal(await rejected(stack, 'unscorable'), 1);
  assert.equal(await rejected(stack, 'fallback'), 0);
  assert.equal(await stack.redis.llen(`${stack.cfg.redis.prefix}:unscorable`), 1);
  // The breaker (opening after one failure here, with a 10-minute cooldown) never took the 422 as a failure.
  assert.equal((await stack.metrics.modelBreaker.get()).values[0]?.value, 0);
  const ready = await getJson<{ model: { up: boolean } | null }>(`${stack.api}/readyz`);
  assert.equal(ready.body.model?.up, true);
  const failed = await stack.workers.queues.score.getJobCounts('failed', 'delayed');
  assert.deepEqual([failed.failed, failed.delayed], [0, 0], 'the batch neither failed nor waits');
  // One 422 is not retried, and bisecting 20 posts costs a bounded number of extra calls, not a retry loop.
  const poisonCalls = hf.requests.filter((r) => r.body.includes('POISON')).length;
  assert.ok(poisonCalls >= 2 && poisonCalls <= 8, `the refused post was sent ${poisonCalls} times`);
  process.stderr.write(
    `poison: ${hf.requests.filter((r) => r.method === 'POST').length} model requests for a batch of 20 with 1 refused post\n`,
  );
});

test('with SCORER_FALLBACK=builtin the refused post is scored by the labelled fallback', async () => {
  const { stack } = await setup({ SCORER_FALLBACK: 'builtin' });
  for (let i = 0; (await countedTotal(stack)) < 20; i++) {
    assert.ok(i < 300, `only ${await countedTotal(stack)} of 20 posts were counted`);
    await sleep(100);
  }
  await drain(stack);
  const { body } = await getJson<{ current: { total: number }; models: Record<string, number> }>(
    `${stack.api}/api/v1/summary?window=24h`,
  );
  assert.equal(body.current.total, 20);
  assert.equal(body.models['builtin-linear-v1'], 1, JSON.stringify(body.models)); // the default built-in
  assert.equal(await rejected(stack, 'fallback'), 1);
  assert.equal(await rejected(stack, 'unscorable'), 0);
});
