import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { createRedis } from '../shared/redis.ts';
import { RedisRequestBudget } from '../shared/request-budget.ts';
import { FakeHuggingFace, HF_503 } from '../dev/fakes/fake-huggingface.ts';
import { FakeMastodon } from '../dev/fakes/fake-mastodon.ts';
import { countedTotal, drain, getJson, startStack } from './helpers/pipeline.ts';
import { startRedis, type TestRedis } from '../dev/redis-server.ts';

/**
 * The model goes down: the breaker stops calling it, posts wait in the queue (nothing lost, nothing scored
 * by another model), /readyz says degraded and stancewatch_model_up is 0. When it comes back, every post
 * is counted exactly once. With SCORER_FALLBACK=builtin, posts are scored by the labelled fallback instead.
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

async function setup(extra: Record<string, string> = {}) {
  const mastodon = await new FakeMastodon().start();
  const hf = await new FakeHuggingFace().start();
  hf.judge = (t) => (t.includes('Free') ? 'support' : 'criticism');
  hf.failNext(HF_503, 10_000); // down until cleared
  for (let i = 0; i < 3; i++)
    mastodon.post('durov', { content: `<p>Free Durov ${i}</p>` }, new Date(Date.now() - 600_000 + i * 1000));
  const stack = await startStack({
    REDIS_URL: redis.url,
    MASTODON_INSTANCES: mastodon.url,
    MASTODON_TAGS: 'durov',
    HF_ENDPOINT_URL: `${hf.url}/`,
    HF_MAX_ATTEMPTS: '1',
    MODEL_BREAKER_FAILURES: '1',
    MODEL_BREAKER_COOLDOWN_SECONDS: '1',
    ...extra,
  });
  cleanup.push(
    () => mastodon.stop(),
    () => hf.stop(),
    () => stack.stop(),
  );
  return { hf, stack };
}

const total = countedTotal;

test('posts wait while the model is down and are counted once when it comes back', async () => {
  const { hf, stack } = await setup();
  for (let i = 0; ; i++) {
    const ready = await getJson<{ status: string; model: { up: boolean } | null }>(`${stack.api}/readyz`);
    if (ready.body.status === 'degraded') break;
    assert.ok(i < 200, `readyz never said degraded: ${JSON.stringify(ready.body)}`);
    await sleep(50);
  }
  assert.match(await (await fetch(`${stack.api}/metrics`)).text(), /^stancewatch_model_up 0$/m);
  await sleep(1_500);
  assert.equal(await total(stack), 0, "nothing is scored by another model behind the user's back");
  const waiting = await stack.workers.queues.score.getJobCounts('waiting', 'delayed', 'active', 'failed');
  assert.equal(
    (waiting.waiting ?? 0) + (waiting.delayed ?? 0) + (waiting.active ?? 0),
    1,
    'the batch waits in the queue',
  );
  assert.equal(waiting.failed ?? 0, 0, 'and is not given up');
  const callsWhileDown = hf.requests.length;
  await sleep(1_200);
  // At most one trial batch (3 posts, one request each) per cooldown second.
  assert.ok(
    hf.requests.length - callsWhileDown <= 6,
    `the breaker does not hammer a dead endpoint (${hf.requests.length - callsWhileDown} calls)`,
  );

  hf.clearFailures();
  for (let i = 0; (await total(stack)) < 3; i++) {
    assert.ok(i < 300, 'posts were not counted after the model came back');
    await sleep(100);
  }
  await drain(stack);
  assert.equal(await total(stack), 3);
  const ready = await getJson<{ status: string }>(`${stack.api}/readyz`);
  assert.equal(ready.body.status, 'ready');
  assert.match(await (await fetch(`${stack.api}/metrics`)).text(), /^stancewatch_model_up 1$/m);
});

test('with SCORER_FALLBACK=builtin, posts are scored by the labelled fallback while the model is down', async () => {
  const { stack } = await setup({ SCORER_FALLBACK: 'builtin' });
  for (let i = 0; (await total(stack)) < 3; i++) {
    assert.ok(i < 300, 'the fallback did not score the posts');
    await sleep(100);
  }
  const { body } = await getJson<{ models: Record<string, number> }>(`${stack.api}/api/v1/summary?window=24h`);
  assert.deepEqual(
    body.models,
    { 'builtin-linear-v1': 3 },
    'the built-in scorer BUILTIN_MODEL selects (linear by default)',
  );
});

test('the request budget is shared: two workers together stay within requests per minute', async () => {
  const a = new RedisRequestBudget(client, 'budget-test', 600); // 10 a second, bursts of 10
  const other = createRedis(redis.url); // a second workers process has its own connection
  cleanup.push(async () => void (await other.quit()));
  const b = new RedisRequestBudget(other, 'budget-test', 600);
  const t0 = Date.now();
  await Promise.all([...Array.from({ length: 15 }, () => a.take()), ...Array.from({ length: 15 }, () => b.take())]);
  const elapsed = Date.now() - t0;
  assert.ok(elapsed >= 1_800, `30 requests at 10/s with a burst of 10 took ${elapsed} ms`);
  assert.ok(elapsed < 4_000, `and the quota is used, not wasted (${elapsed} ms)`);
});

test('a model the provider does not serve: /readyz degraded with a configuration error naming model and provider', async () => {
  const hf = await new FakeHuggingFace().start();
  hf.notMapped.add('acme/unserved-model');
  const stack = await startStack(
    {
      REDIS_URL: redis.url,
      MASTODON_INSTANCES: 'http://127.0.0.1:9',
      MASTODON_TAGS: 'durov',
      HF_TOKEN: 'hf_testtoken000000000000',
      HF_MODEL: 'acme/unserved-model',
      HF_ROUTER_URL: hf.url,
      HF_HUB_URL: hf.url,
    },
    { schedule: false },
  );
  cleanup.push(
    () => hf.stop(),
    () => stack.stop(),
  );
  const ready = await getJson<{ status: string; model: { up: boolean; lastError?: string } | null }>(
    `${stack.api}/readyz`,
  );
  assert.equal(ready.body.status, 'degraded');
  assert.equal(ready.body.model?.up, false);
  assert.match(
    ready.body.model?.lastError ?? '',
    /^configuration: model acme\/unserved-model with provider hf-inference/,
  );
  assert.ok(!JSON.stringify(ready.body).includes('hf_testtoken'), 'no token on /readyz');
});
