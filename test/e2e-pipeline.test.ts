import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Stance } from '../shared/post.ts';
import { FakeHuggingFace, HF_429, HF_503 } from './fakes/fake-huggingface.ts';
import { FakeMastodon } from '../dev/fakes/fake-mastodon.ts';
import { countedTotal, drain, getJson, startStack, type TestStack, waitForCounted } from './helpers/pipeline.ts';
import { startRedis, type TestRedis } from './helpers/redis-server.ts';

/**
 * One post's whole journey, for real: a fake Mastodon (exact JSON, Link paging) → the collect worker →
 * BullMQ → the score worker → the real @huggingface/inference client → a fake HF endpoint (with a 429 and
 * a 503 on the way) → the aggregate worker → Redis → the API. The trends must show exactly what the fakes imply.
 */
let redis: TestRedis;
const mastodon = new FakeMastodon();
const hf = new FakeHuggingFace();
let stack: TestStack;
// Posts an hour apart from a whole hour in the past, so they fall in one 1-hour bucket.
const start = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3 * 3_600_000;

// What the fake model will answer for each text, and so what the trends must show.
const corpus: Array<{ tag: string; html: string; stance: Stance; lang: string | null }> = [
  {
    tag: 'durov',
    html: '<p>Shameful that France arrested <a href="https://x/tags/durov" class="mention hashtag">#<span>Durov</span></a>. Free speech!</p>',
    stance: 'support',
    lang: 'en',
  },
  { tag: 'durov', html: '<p>Свободу Дурову! Это политическое преследование.</p>', stance: 'support', lang: 'ru' },
  {
    tag: 'durov',
    html: '<p>Finally someone holds Telegram accountable.<br>Durov knew.</p>',
    stance: 'criticism',
    lang: 'en',
  },
  {
    tag: 'durov',
    html: '<p>Durov placed under formal investigation by a Paris judge, bail set at 5M euros.</p>',
    stance: 'neutral',
    lang: null,
  },
  { tag: 'durov', html: '<p>Il était temps que Durov rende des comptes.</p>', stance: 'criticism', lang: 'fr' },
  { tag: 'durov', html: '<p>Nice weather in Paris today</p>', stance: 'neutral', lang: 'en' }, // not about the case: filtered
  { tag: 'FreeDurov', html: '<p>Підтримую Дурова, це цензура. #FreeDurov</p>', stance: 'support', lang: 'uk' },
];

before(async () => {
  redis = await startRedis();
  await mastodon.start();
  await hf.start();
  const byText = new Map<string, Stance>();
  corpus.forEach((c, i) => {
    mastodon.post(c.tag, { content: c.html, language: c.lang }, new Date(start + i * 60_000));
  });
  hf.judge = (text) => {
    for (const c of corpus) if (text.includes(c.html.replace(/<[^>]+>/g, '').slice(0, 20))) return c.stance;
    return byText.get(text) ?? 'neutral';
  };
  // The model is unhappy at first: one 429 with Retry-After, then one 503 "loading".
  hf.failNext(HF_429);
  hf.failNext(HF_503);
  stack = await startStack({
    REDIS_URL: redis.url,
    MASTODON_INSTANCES: mastodon.url,
    MASTODON_TAGS: 'durov,FreeDurov',
    HF_ENDPOINT_URL: `${hf.url}/`,
    HF_CONCURRENCY: '1',
    HF_BACKOFF_BASE_MS: '20',
  });
});

after(async () => {
  await stack?.stop();
  await mastodon.stop();
  await hf.stop();
  await redis?.stop();
});

test('the trends show exactly the stances the fakes imply', async () => {
  await waitForCounted(stack, 6);
  await drain(stack);
  const { status, body } = await getJson<{
    buckets: Array<{ support: number; criticism: number; neutral: number; total: number; meanScore: number | null }>;
    models: Record<string, number>;
  }>(
    `${stack.api}/api/v1/trends?from=${new Date(start).toISOString()}&to=${new Date(start + 59 * 60_000).toISOString()}&interval=1h`,
  );
  assert.equal(status, 200);
  assert.equal(body.buckets.length, 1);
  const b = body.buckets[0]!;
  assert.deepEqual(
    { support: b.support, criticism: b.criticism, neutral: b.neutral, total: b.total },
    { support: 3, criticism: 2, neutral: 1, total: 6 },
  );
  // Model probabilities 0.82 / 0.09 / 0.09: support posts score 0.73, criticism −0.73, neutral 0.
  assert.equal(b.meanScore, Math.round(((3 * 0.73 - 2 * 0.73) / 6) * 1e4) / 1e4);
  assert.deepEqual(body.models, { 'hf-endpoint:MoritzLaurer/mDeBERTa-v3-base-xnli-multilingual-nli-2mil7': 6 });
});

test('the model was called once per relevant post, plus the two failed attempts, with the real client', async () => {
  const posts = hf.requests.filter((r) => r.method === 'POST');
  assert.equal(posts.length, 6 + 2);
  assert.match(String(posts[0]!.headers['user-agent']), /^@huggingface\/inference\/4\.13\./);
  const body = JSON.parse(posts[0]!.body) as {
    inputs: string;
    parameters: { candidate_labels: string[]; multi_label: boolean };
  };
  assert.equal(body.parameters.candidate_labels.length, 3);
  assert.equal(body.parameters.multi_label, false);
  assert.ok(!body.inputs.includes('<'), 'HTML was turned into text before scoring');
  const errors = await stack.metrics.modelErrors.get();
  const byStatus = Object.fromEntries(errors.values.map((v) => [v.labels.status, v.value]));
  assert.deepEqual(byStatus, { '429': 1, '503': 1 });
});

test('the counters tell the same story: 7 read, 1 filtered as off-topic, 6 scored and counted', async () => {
  const total = async (c: { get(): Promise<{ values: Array<{ value: number }> }> }) =>
    (await c.get()).values.reduce((a, v) => a + v.value, 0);
  assert.equal(await total(stack.metrics.postsCollected), 7);
  assert.equal(await total(stack.metrics.postsFiltered), 1);
  assert.equal(await total(stack.metrics.postsScored), 6);
  assert.equal(await total(stack.metrics.postsAggregated), 6);
  const ready = await getJson<{
    status: string;
    workers: number;
    sources: Record<string, { lastSuccess: string | null }>;
  }>(`${stack.api}/readyz`);
  assert.equal(ready.status, 200);
  assert.equal(
    Object.values(ready.body.sources).filter((s) => s.lastSuccess).length,
    2,
    'both feeds report a last success',
  );
});

test('a repeated poll adds nothing', async () => {
  const before = await countedTotal(stack);
  const calls = hf.requests.length;
  for (const feed of stack.workers.collector.allFeeds()) {
    const outcome = await stack.workers.collector.collect(feed.id);
    assert.equal(outcome.enqueued, 0, `feed ${feed.id} enqueued nothing new`);
  }
  await drain(stack);
  const afterTotal = await countedTotal(stack);
  assert.equal(afterTotal, before);
  assert.equal(hf.requests.length, calls, 'no model call for posts already scored');
});

test('posts arrive newest first, with text only and a pseudonymous author', async () => {
  const { body } = await getJson<{
    posts: Array<{ text: string; author: string; createdAt: string; result: { model: { kind: string } } }>;
  }>(`${stack.api}/api/v1/posts?limit=10`);
  assert.equal(body.posts.length, 6);
  const times = body.posts.map((p) => Date.parse(p.createdAt));
  assert.deepEqual(
    times,
    [...times].sort((a, b) => b - a),
  );
  for (const p of body.posts) {
    assert.ok(!/[<>]/.test(p.text));
    assert.ok(!p.author.includes('someone'));
    assert.equal(p.result.model.kind, 'huggingface');
  }
});
