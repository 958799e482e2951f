import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createLogger } from '../shared/logger.ts';
import { createMetrics } from '../shared/metrics.ts';
import { zeroShotFromNli } from '../workers/score/tei/nli.ts';
import { DEFAULT_HYPOTHESES as H } from '../workers/score/stance-map.ts';
import { TeiScorer, type TeiOptions } from '../workers/score/tei/scorer.ts';
import { FakeTei } from './fakes/fake-tei.ts';

/** The TEI scorer against a fake TEI: batched pairs, logits, our own zero-shot step, 413 splitting, keys. */
const tei = new FakeTei();
const judge = (t: string) =>
  (/free|stand with/i.test(t) ? 'support' : /accountable|deserved/i.test(t) ? 'criticism' : 'neutral') as
    'support' | 'criticism' | 'neutral';

before(async () => {
  await tei.start();
  tei.judge = judge;
});
after(() => tei.stop());

const scorer = (o: Partial<TeiOptions> = {}) =>
  new TeiScorer({
    url: tei.url,
    modelLabel: 'MoritzLaurer/mDeBERTa-v3-base-xnli-multilingual-nli-2mil7',
    maxBatch: 32,
    timeoutMs: 2_000,
    maxAttempts: 3,
    backoffBaseMs: 10,
    backoffMaxMs: 1_000,
    multiLabel: false,
    metrics: createMetrics(),
    log: createLogger('silent'),
    ...o,
  });

test('zero-shot from NLI logits: softmax of entailment across hypotheses, or per hypothesis for multi-label', () => {
  const pair = (e: number, c: number) => [
    { label: 'entailment', score: e },
    { label: 'neutral', score: 0 },
    { label: 'contradiction', score: c },
  ];
  const single = zeroShotFromNli([pair(3, -2), pair(-1, 1), pair(0, 0)], H, false);
  assert.equal(single.stance, 'support');
  const e = [Math.exp(3), Math.exp(-1), Math.exp(0)];
  assert.ok(Math.abs(single.confidence - e[0]! / (e[0]! + e[1]! + e[2]!)) < 1e-9);
  const multi = zeroShotFromNli([pair(3, -2), pair(2.5, -2), pair(-3, 3)], H, true);
  assert.equal(multi.stance, 'support');
  assert.ok(multi.score < 0.2, 'two hypotheses both entailed: a small net score');
});

test('posts go in batches of (post, hypothesis) pairs with raw scores; stances come out in order', async () => {
  tei.requests.length = 0;
  const texts = ['Free Durov', 'Telegram must be held accountable', 'Durov was detained', '', 'I stand with Durov'];
  const r = await scorer({ maxBatch: 9 }).score(texts);
  assert.deepEqual(
    r.map((x) => x.stance),
    ['support', 'criticism', 'neutral', 'neutral', 'support'],
  );
  assert.ok(r.every((x) => x.model.id.startsWith('tei:') && x.model.kind === 'tei' && x.model.setup));
  assert.deepEqual(
    tei.requests.map((q) => (JSON.parse(q.body) as { inputs: unknown[] }).inputs.length),
    [9, 3],
    '4 scorable posts × 3 hypotheses, 9 pairs a request',
  );
  const body = JSON.parse(tei.requests[0]!.body) as { inputs: string[][]; raw_scores: boolean };
  assert.equal(body.raw_scores, true);
  assert.deepEqual(body.inputs[0], ['Free Durov', H.support]);
});

test('413 halves the batch and keeps the smaller size', async () => {
  tei.requests.length = 0;
  tei.batchSizes = [];
  tei.maxClientBatchSize = 12;
  try {
    const texts = Array.from({ length: 10 }, (_, i) => `Free Durov ${i}`);
    const s = scorer({ maxBatch: 30 });
    const r = await s.score(texts);
    assert.equal(r.length, 10);
    assert.ok(r.every((x) => x.stance === 'support'));
    assert.equal(tei.requests[0]!.body.length > 0 && JSON.parse(tei.requests[0]!.body).inputs.length, 30);
    assert.ok(
      tei.batchSizes.every((n) => n <= 12 && n % 3 === 0),
      tei.batchSizes.join(),
    );
    await s.score(['Free Durov again']);
    assert.ok(tei.batchSizes.at(-1)! <= 12);
  } finally {
    tei.maxClientBatchSize = 32;
  }
});

test('the API key is sent; 429 and 503 are retried; a missing key is an error naming the status', async () => {
  tei.apiKey = 'tei-key';
  try {
    await assert.rejects(scorer().score(['Free Durov']), /TEI answered 401/);
    tei.failNext({
      status: 429,
      headers: { 'retry-after': '1' },
      body: '{"error":"Model is overloaded","error_type":"Overloaded"}',
    });
    tei.failNext({ status: 503, body: '{"error":"unhealthy","error_type":"Unhealthy"}' });
    const t0 = Date.now();
    const [r] = await scorer({ apiKey: 'tei-key' }).score(['Free Durov']);
    assert.equal(r!.stance, 'support');
    assert.ok(Date.now() - t0 >= 950, 'Retry-After honoured');
  } finally {
    tei.apiKey = undefined;
  }
});
