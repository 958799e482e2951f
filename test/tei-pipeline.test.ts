import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { FakeMastodon } from '../dev/fakes/fake-mastodon.ts';
import { FakeTei } from './fakes/fake-tei.ts';
import { drain, getJson, startStack, type TestStack, waitForCounted } from './helpers/pipeline.ts';
import { startRedis, type TestRedis } from './helpers/redis-server.ts';

/** The TEI scorer through the real pipeline: a slow first answer (timeout) and a 503, then every post counted, labelled tei. */
let redis: TestRedis;
let stack: TestStack;
const mastodon = new FakeMastodon();
const tei = new FakeTei();

before(async () => {
  redis = await startRedis();
  await mastodon.start();
  await tei.start();
  tei.judge = (t) => (t.includes('Free') ? 'support' : t.includes('accountable') ? 'criticism' : 'neutral');
  tei.failNext({ status: 200, delayMs: 5_000, body: '[]' }); // times out
  tei.failNext({ status: 503, body: '{"error":"unhealthy","error_type":"Unhealthy"}' });
  mastodon.post('durov', { content: '<p>Free Durov!</p>' }, new Date(Date.now() - 300_000));
  mastodon.post(
    'durov',
    { content: '<p>Telegram must be held accountable, says Durov critic</p>' },
    new Date(Date.now() - 200_000),
  );
  mastodon.post('durov', { content: '<p>Durov hearing postponed</p>' }, new Date(Date.now() - 100_000));
  stack = await startStack({
    REDIS_URL: redis.url,
    MASTODON_INSTANCES: mastodon.url,
    MASTODON_TAGS: 'durov',
    TEI_URL: tei.url,
    HF_TIMEOUT_MS: '500',
    HF_BACKOFF_BASE_MS: '20',
    HF_MAX_ATTEMPTS: '4',
  });
});
after(async () => {
  await stack?.stop();
  await mastodon.stop();
  await tei.stop();
  await redis?.stop();
});

test('posts are scored by TEI in one batch after a timeout and a 503, and counted with their stances', async () => {
  await waitForCounted(stack, 3);
  await drain(stack);
  const { body } = await getJson<{
    current: { support: number; criticism: number; neutral: number };
    models: Record<string, number>;
  }>(`${stack.api}/api/v1/summary?window=24h`);
  assert.deepEqual([body.current.support, body.current.criticism, body.current.neutral], [1, 1, 1]);
  assert.deepEqual(body.models, { 'tei:MoritzLaurer/mDeBERTa-v3-base-xnli-multilingual-nli-2mil7': 3 });
  assert.ok(tei.batchSizes.includes(9), 'three posts, three hypotheses each, in one request');
  const errors = Object.fromEntries(
    (await stack.metrics.modelErrors.get()).values.map((v) => [v.labels.status, v.value]),
  );
  assert.deepEqual(errors, { timeout: 1, '503': 1 });
});
