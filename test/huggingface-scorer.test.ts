import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Writable } from 'node:stream';
import { createLogger } from '../shared/logger.ts';
import { createMetrics } from '../shared/metrics.ts';
import { HuggingFaceScorer, type HuggingFaceOptions } from '../workers/score/huggingface/scorer.ts';
import { FakeHuggingFace, HF_429, HF_503 } from './fakes/fake-huggingface.ts';
import { freePort } from './helpers/redis-server.ts';

/** The real @huggingface/inference client against a fake Hugging Face: both routes, every failure the wire can bring. */
const hf = new FakeHuggingFace();
const MODEL = 'MoritzLaurer/mDeBERTa-v3-base-xnli-multilingual-nli-2mil7';
const TOKEN = 'hf_supersecretTOKEN123';
let logged = '';

function scorer(o: Partial<HuggingFaceOptions> = {}) {
  const sink = new Writable({
    write(chunk, _enc, cb) {
      logged += String(chunk);
      cb();
    },
  });
  return new HuggingFaceScorer({
    token: TOKEN,
    model: MODEL,
    routerUrl: hf.url,
    hubUrl: hf.url,
    timeoutMs: 2_000,
    concurrency: 2,
    maxAttempts: 3,
    backoffBaseMs: 10,
    backoffMaxMs: 5_000,
    metrics: createMetrics(),
    log: createLogger('debug', 'test', sink),
    ...o,
  });
}

before(async () => {
  await hf.start();
  hf.judge = (t) => (t.includes('Free') ? 'support' : t.includes('accountable') ? 'criticism' : 'neutral');
});
after(async () => {
  await hf.stop();
  assert.ok(!logged.includes(TOKEN), 'the token never reaches a log line');
});

test('serverless route: hub mapping, then POST /hf-inference/models/<id> with the bearer token', async () => {
  hf.requests.length = 0;
  const [a, b, c] = await scorer().score([
    'Free Durov now',
    'Telegram must be held accountable',
    'Durov was detained in Paris',
  ]);
  assert.deepEqual([a!.stance, b!.stance, c!.stance], ['support', 'criticism', 'neutral']);
  assert.equal(a!.model.id, `hf:${MODEL}`);
  assert.ok(a!.score > 0.7 && b!.score < -0.7 && c!.score === 0);
  const paths = hf.requests.map((r) => `${r.method} ${new URL(r.url, hf.url).pathname}`);
  assert.ok(paths.includes(`GET /api/models/${MODEL}`), paths.join());
  assert.equal(paths.filter((p) => p === `POST /hf-inference/models/${MODEL}`).length, 3);
  const post = hf.requests.find((r) => r.method === 'POST')!;
  assert.equal(post.headers.authorization, `Bearer ${TOKEN}`);
});

test('dedicated endpoint: POST to the URL as given; the legacy answer shape is understood', async () => {
  hf.requests.length = 0;
  hf.legacyShape = true;
  try {
    const [r] = await scorer({ endpointUrl: `${hf.url}/my-endpoint` }).score(['Free Durov']);
    assert.equal(r!.stance, 'support');
    assert.equal(r!.model.id, `hf-endpoint:${MODEL}`);
    assert.deepEqual(
      hf.requests.map((x) => `${x.method} ${x.url}`),
      ['POST /my-endpoint'],
    );
  } finally {
    hf.legacyShape = false;
  }
});

test('429 waits for Retry-After before trying again', async () => {
  hf.requests.length = 0;
  hf.failNext(HF_429);
  const t0 = Date.now();
  const [r] = await scorer({ endpointUrl: hf.url }).score(['Free Durov']);
  assert.equal(r!.stance, 'support');
  assert.ok(Date.now() - t0 >= 950, `waited ${Date.now() - t0} ms for Retry-After: 1`);
  assert.equal(hf.requests.length, 2);
});

test('503 (model loading) and timeouts are retried with backoff, a bounded number of times', async () => {
  hf.requests.length = 0;
  hf.failNext(HF_503);
  hf.failNext({ status: 200, delayMs: 1_000, body: '[]' });
  const s = scorer({ endpointUrl: hf.url, timeoutMs: 300 });
  const [r] = await s.score(['Free Durov']);
  assert.equal(r!.stance, 'support');
  assert.equal(hf.requests.length, 3);
  hf.failNext(HF_503, 3);
  await assert.rejects(s.score(['Free Durov']), (err: Error) => /HTTP 503/.test(err.message));
});

test('401 is not retried, and the error carries no token', async () => {
  hf.requests.length = 0;
  hf.requiredToken = 'hf_the_right_one';
  try {
    await assert.rejects(scorer({ endpointUrl: hf.url }).score(['Free Durov']), (err: Error) => {
      assert.match(err.message, /HTTP 401/);
      assert.ok(!err.message.includes(TOKEN) && !JSON.stringify(err).includes(TOKEN));
      return true;
    });
    assert.equal(hf.requests.length, 1);
  } finally {
    hf.requiredToken = undefined;
  }
});

test('a dead endpoint fails after bounded attempts, and works again when it comes back', async () => {
  const port = await freePort();
  const dead = scorer({ endpointUrl: `http://127.0.0.1:${port}/`, maxAttempts: 2 });
  await assert.rejects(dead.score(['Free Durov']), /model request failed/);
  const back = new FakeHuggingFace();
  back.judge = () => 'criticism';
  await back.start();
  try {
    const revived = scorer({ endpointUrl: `${back.url}/` });
    assert.equal((await revived.score(['anything at all']))[0]!.stance, 'criticism');
  } finally {
    await back.stop();
  }
});

test('an answer without our hypotheses is an error, not a guess', async () => {
  // One reply: a malformed answer is not retried (workers/score/model-call.ts says why).
  hf.failNext({
    status: 200,
    body: JSON.stringify([
      { label: 'POSITIVE', score: 0.9 },
      { label: 'NEGATIVE', score: 0.1 },
    ]),
  });
  await assert.rejects(scorer({ endpointUrl: hf.url }).score(['Free Durov']), /unusable/);
});

test('empty and link-only posts are neutral without a model call', async () => {
  hf.requests.length = 0;
  const r = await scorer({ endpointUrl: hf.url }).score(['', 'https://t.me/durov/1']);
  assert.deepEqual(
    r.map((x) => x.stance),
    ['neutral', 'neutral'],
  );
  assert.equal(hf.requests.length, 0);
});

test('a fine-tuned text-classification model, with its labels mapped to stances', async () => {
  hf.requests.length = 0;
  const labelMap = new Map([
    ['favor', 'support'],
    ['against', 'criticism'],
    ['none', 'neutral'],
  ] as const);
  const s = scorer({ endpointUrl: `${hf.url}/classifier`, classifier: { labelMap } });
  const [a, b] = await s.score(['Free Durov', 'Telegram must be held accountable']);
  assert.deepEqual([a!.stance, b!.stance], ['support', 'criticism']);
  assert.ok(a!.model.setup!.startsWith('labels-'));
  const body = JSON.parse(hf.requests[0]!.body) as { inputs: string; parameters?: { candidate_labels?: unknown } };
  assert.equal(body.parameters?.candidate_labels, undefined, 'a classifier is not asked zero-shot questions');
  const unmapped = scorer({
    endpointUrl: `${hf.url}/classifier`,
    classifier: { labelMap: new Map([['favor', 'support']] as const) },
  });
  await assert.rejects(unmapped.score(['Free Durov']), /does not map to a stance|unusable/);
});
