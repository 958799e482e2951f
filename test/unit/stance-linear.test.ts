import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { reliability } from '../../shared/eval/calibration.ts';
import { fitCalibration, fitConfidence, nll } from '../../shared/stance/calibration.ts';
import { CueMatcher } from '../../shared/stance/cues.ts';
import { parseDataRef } from '../../shared/stance/data.ts';
import { Featurizer, type FeatureSpec } from '../../shared/stance/features.ts';
import { packModel, serialiseModel } from '../../shared/stance/model-file.ts';
import {
  ARGMAX,
  LinearModel,
  RAW_CONFIDENCE,
  UNCALIBRATED,
  confidenceOf,
  decide,
  modelFileSchema,
} from '../../shared/stance/model.ts';
import { normaliseText } from '../../shared/stance/text.ts';
import { fitSoftmax } from '../../shared/stance/train.ts';
import { LEXICON_CUES, LINEAR_MODEL_FILE, LinearScorer } from '../../workers/score/builtin/linear.ts';

const spec: FeatureSpec = {
  version: 1,
  bucketsLog2: 18,
  charMin: 3,
  charMax: 5,
  scale: { word: 1, char: 1, cue: 1 },
  lexiconSha256: Featurizer.lexiconSha256(LEXICON_CUES),
};
const features = (fz: Featurizer, text: string) => {
  const f = fz.features(text);
  return [...f.idx.slice(0, f.n)].map((b, i) => `${b}:${f.val[i]!.toFixed(12)}`).sort();
};

test('normalisation: NFKC, lower case, no zero-width or bidi characters, no links', () => {
  assert.equal(
    normaliseText('Du\u200Brov\u202E \uFEFFＦＲＥＥ https://t.co/x?y=1 www.example.org/a ok'),
    'durov free     ok',
  );
  assert.equal(normaliseText('Шёл ’quote’'), "шел 'quote'");
  const fz = new Featurizer(spec, LEXICON_CUES);
  // An evasion with invisible characters hashes like the plain word; a link adds nothing.
  assert.deepEqual(features(fz, 'Free Du\u200Brov\u2066 now'), features(fz, 'free durov now'));
  assert.deepEqual(features(fz, 'Free Durov https://example.org/abc'), features(fz, 'Free Durov'));
});

test('features: deterministic, word and char n-grams in their own L2-normalised groups, order-sensitive bigrams', () => {
  const fz = new Featurizer(spec, LEXICON_CUES);
  const a = features(fz, 'Telegram hosts crime, not free speech');
  assert.deepEqual(features(fz, 'Telegram hosts crime, not free speech'), a);
  assert.notDeepEqual(features(fz, 'crime hosts Telegram, not free speech'), a, 'bigrams see word order');
  const f = fz.features('durov');
  // One word: a unigram (1), char n-grams of "<durov>" (3-grams 5, 4-grams 4, 5-grams 3), then the lexicon's verdict.
  assert.equal(f.n, 1 + 12 + 1);
  assert.ok(Math.abs(f.val[0]! - 1) < 1e-12, 'the word group has unit norm');
  let sq = 0;
  for (let i = 1; i <= 12; i++) sq += f.val[i]! ** 2;
  assert.ok(Math.abs(sq - 1) < 1e-12, 'the char group has unit norm');
  for (let i = 0; i < f.n; i++) assert.ok(f.idx[i]! >= 0 && f.idx[i]! < 2 ** 18);
  assert.equal(fz.features('').n, 1, 'an empty post still has the lexicon verdict (neutral)');
});

test("lexicon cues are found in one pass, with the lexicon scorer's negation rule", () => {
  const m = new CueMatcher(LEXICON_CUES);
  const hits = (t: string) => {
    const out: string[] = [];
    m.scan(t, (h) => out.push(`${h.side}${h.negated ? '/negated' : ''}`));
    return out;
  };
  assert.deepEqual(hits('this is censorship'), ['support']);
  assert.deepEqual(hits('this is not censorship, telegram hosts drug trafficking'), ['support/negated', 'criticism']);
  assert.deepEqual(hits('это не цензура'), ['support/negated']);
  assert.deepEqual(hits('nothing here'), []);
  assert.match(m.sha256, /^[0-9a-f]{64}$/);
  assert.throws(
    () => new Featurizer({ ...spec, lexiconSha256: '0'.repeat(64) }, LEXICON_CUES),
    /another lexicon.*npm run train/,
  );
});

test("decision: the neutral offset and side margin decide, the calibration gives the probabilities; confidence is the reported stance's probability", () => {
  const z = [1, 0.2, 0.8];
  const p = decide(z, ARGMAX, UNCALIBRATED);
  assert.equal(p.stance, 'support');
  assert.ok(Math.abs(p.probs.reduce((a, b) => a + b, 0) - 1) < 1e-12);
  assert.equal(p.confidence, Math.max(...p.probs));
  assert.ok(Math.abs(p.score - (p.probs[0] - p.probs[1])) < 1e-12);
  const neutral = decide(z, { neutralOffset: 0.3, minEvidence: 0 }, UNCALIBRATED);
  assert.equal(neutral.stance, 'neutral');
  assert.deepEqual(neutral.probs, p.probs, 'the decision never changes the probabilities');
  assert.equal(neutral.confidence, neutral.probs[2]);
  // A negative offset reports a side before it is the most probable class, and says so in its confidence.
  const side = decide([0.5, 0, 1], { neutralOffset: -0.6, minEvidence: 0 }, UNCALIBRATED);
  assert.equal(side.stance, 'support');
  assert.equal(side.confidence, side.probs[0]);
  assert.ok(side.confidence < side.probs[2]);
  // A post the model knows too little of stays neutral however low the offset; evidence is the fourth number.
  assert.equal(decide([0.01, 0, 1, 0.9], { neutralOffset: -3, minEvidence: 0.25 }, UNCALIBRATED).stance, 'support');
  assert.equal(decide([0.01, 0, 1, 0.1], { neutralOffset: -3, minEvidence: 0.25 }, UNCALIBRATED).stance, 'neutral');
  assert.equal(
    decide([0.01, 0, 1], { neutralOffset: -3, minEvidence: 0.25 }, UNCALIBRATED).stance,
    'support',
    'without a fourth number the evidence is full',
  );
  const hot = decide(z, ARGMAX, { temperature: 3, bias: [0, 0] });
  assert.equal(hot.stance, 'support');
  assert.ok(hot.confidence < p.confidence);
  const biased = decide(z, ARGMAX, { temperature: 1, bias: [-1, -1] });
  assert.ok(biased.probs[2] > p.probs[2], 'a negative side bias moves probability to neutral');
  assert.equal(decide([0.5, 0.5, 0.5], ARGMAX, UNCALIBRATED).stance, 'neutral', 'ties go to neutral');
});

test('calibration lowers the NLL of an over-confident model and corrects the class balance; reliability and ECE', () => {
  // Logits three times too sharp: right 60% of the time, wrong evenly otherwise.
  const n = 300;
  const logits = new Float64Array(n * 3);
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    logits[3 * i + (i % 3)] = 3 * 1.2;
    y[i] = i % 5 < 3 ? i % 3 : ((i % 3) + 1 + (i % 2)) % 3;
  }
  const tied = fitCalibration(logits, y, { tied: true });
  assert.ok(tied.temperature > 1.5, `fitted temperature ${tied.temperature}`);
  assert.equal(tied.bias[0], tied.bias[1]);
  const free = fitCalibration(logits, y, { tied: false });
  for (const cal of [tied, free]) {
    assert.ok(nll(logits, y, cal) < nll(logits, y, UNCALIBRATED));
    // The optimum: no small change of the temperature or the bias lowers the NLL.
    for (const t of [0.95, 1.05])
      assert.ok(nll(logits, y, cal) <= nll(logits, y, { ...cal, temperature: cal.temperature * t }) + 1e-12);
    for (const d of [-0.05, 0.05])
      assert.ok(nll(logits, y, cal) <= nll(logits, y, { ...cal, bias: [cal.bias[0] + d, cal.bias[1] + d] }) + 1e-12);
  }
  assert.ok(nll(logits, y, free) <= nll(logits, y, tied) + 1e-12, 'two biases fit at least as well as one');
  assert.deepEqual(fitCalibration(logits, y, { tied: true }), tied, 'deterministic');
  // No evidence in the logits, neutral twice as common as each side: the bias learns the prior, log(1/2).
  const flat = new Float64Array(4 * 3);
  const prior = fitCalibration(flat, Uint8Array.of(0, 1, 2, 2), { tied: true });
  assert.ok(Math.abs(prior.bias[0] - Math.log(0.5)) < 1e-6, String(prior.bias[0]));

  const r = reliability([
    { confidence: 0.95, correct: true },
    { confidence: 0.91, correct: false },
    { confidence: 0.55, correct: true },
    { confidence: 1, correct: true },
  ]);
  assert.equal(r.bins.length, 10);
  assert.deepEqual(r.bins[9], { from: 0.9, to: 1, count: 3, mean_confidence: 0.9533, accuracy: 0.6667 });
  assert.deepEqual(r.bins[5], { from: 0.5, to: 0.6, count: 1, mean_confidence: 0.55, accuracy: 1 });
  assert.equal(r.bins[0]!.mean_confidence, null);
  assert.equal(r.ece, Math.round(((3 / 4) * Math.abs(2 / 3 - 2.86 / 3) + (1 / 4) * 0.45) * 1e4) / 1e4);
});

test('confidence map: Platt scaling of the reported label, per kind of report; without one, the probability itself', () => {
  // Reports whose stated probability is 0.3 but which are right 60% of the time, and 0.8 that are right 80%.
  const p: number[] = [];
  const right: number[] = [];
  for (let i = 0; i < 500; i++) {
    p.push(0.3);
    right.push(i % 5 < 3 ? 1 : 0);
    p.push(0.8);
    right.push(i % 5 < 4 ? 1 : 0);
  }
  const [slope, intercept] = fitConfidence(p, right);
  const map = { side: [slope, intercept] as const, neutral: [1, 0] as const };
  // Two distinct inputs: the map can hit both rates (up to the small ridge towards the identity).
  assert.ok(Math.abs(confidenceOf(0.3, true, map) - 0.6) < 0.01, String(confidenceOf(0.3, true, map)));
  assert.ok(Math.abs(confidenceOf(0.8, true, map) - 0.8) < 0.01, String(confidenceOf(0.8, true, map)));
  assert.equal(confidenceOf(0.3, false, map), 0.3, 'the identity map leaves neutral reports alone');
  assert.deepEqual(fitConfidence(p, right), [slope, intercept], 'deterministic');
  // All right: finite (the ridge), and confident.
  const all = fitConfidence([0.5, 0.6, 0.7], [1, 1, 1]);
  assert.ok(all.every(Number.isFinite) && confidenceOf(0.5, true, { side: all, neutral: all }) > 0.9);
  assert.deepEqual(fitConfidence([], []), [1, 0]);
  // In decide: the map changes the confidence of the report, never the stance, the score or the probabilities.
  const z = [0.5, 0, 1];
  const off = { neutralOffset: -0.6, minEvidence: 0 };
  const raw = decide(z, off, UNCALIBRATED);
  const mapped = decide(z, off, UNCALIBRATED, map);
  assert.equal(mapped.stance, 'support');
  assert.deepEqual([mapped.stance, mapped.score, mapped.probs], [raw.stance, raw.score, raw.probs]);
  assert.ok(Math.abs(mapped.confidence - confidenceOf(raw.confidence, true, map)) < 1e-12);
  assert.ok(mapped.confidence > raw.confidence);
});

test('training: L-BFGS learns a small problem, bit for bit the same twice; the packed file predicts the same', () => {
  const fz = new Featurizer(spec, LEXICON_CUES);
  const texts = [
    ['Free Durov, this arrest is censorship', 0],
    ['Solidarity with Pavel, free speech matters', 0],
    ['Free Pavel now, stop the censorship', 0],
    ['Telegram must be held accountable for crime', 1],
    ['Good riddance, Telegram hosts crime', 1],
    ['Durov must answer for the crime on his platform', 1],
    ['Durov appeared before the judge on Wednesday', 2],
    ['The hearing about Telegram is on Wednesday', 2],
    ['Durov left the court on Wednesday', 2],
  ] as const;
  const docs = texts.map(([t]) => {
    const f = fz.features(t);
    return { idx: f.idx.slice(0, f.n), val: f.val.slice(0, f.n) };
  });
  const y = Uint8Array.from(texts.map(([, k]) => k));
  const w = new Float64Array(y.length).fill(1);
  const a = fitSoftmax(docs, y, w, { l2: 1e-3, minDf: 1, maxIter: 200, tol: 1e-10 });
  const b = fitSoftmax(docs, y, w, { l2: 1e-3, minDf: 1, maxIter: 200, tol: 1e-10 });
  assert.deepEqual([...a.weights], [...b.weights]);
  assert.deepEqual([...a.bias], [...b.bias]);
  for (let j = 0; j < a.weights.length; j += 3)
    assert.ok(Math.abs(a.weights[j]! + a.weights[j + 1]! + a.weights[j + 2]!) < 1e-12, 'centred');
  const file = packModel({
    id: 'test',
    spec,
    fitted: a,
    calibration: UNCALIBRATED,
    decision: ARGMAX,
    confidence: RAW_CONFIDENCE,
    maxBuckets: 100_000,
    minWeight: 0,
    digits: 6,
    training: {},
  });
  const again = modelFileSchema.parse(JSON.parse(serialiseModel(file)));
  assert.equal(serialiseModel(again), serialiseModel(file), 'the serialisation is stable');
  const model = new LinearModel(again, LEXICON_CUES);
  for (const [t, k] of texts) assert.equal(model.predict(t).stance, ['support', 'criticism', 'neutral'][k], t);
  // Evidence: the share of a post's text features the model has weights for.
  assert.ok(Math.abs(model.rawLogits(fz.features('Free Durov, this arrest is censorship'))[3]! - 1) < 1e-9);
  assert.ok(model.rawLogits(fz.features('ტელეგრამის დამფუძნებელი'))[3]! < 0.05);
  const small = packModel({
    id: 'test',
    spec,
    fitted: a,
    calibration: UNCALIBRATED,
    decision: ARGMAX,
    confidence: RAW_CONFIDENCE,
    maxBuckets: 10,
    minWeight: 0,
    digits: 3,
    training: {},
  });
  assert.equal(small.weights.buckets.length, 10, 'pruned to the strongest buckets');
});

test('data references name a file and its splits', () => {
  assert.deepEqual(parseDataRef('data/eval/real.jsonl:train+dev'), {
    path: 'data/eval/real.jsonl',
    splits: ['train', 'dev'],
  });
  assert.deepEqual(parseDataRef('mine.jsonl'), { path: 'mine.jsonl', splits: null });
  assert.throws(() => parseDataRef('x.jsonl:holdout'), /unknown split/);
});

test('the committed model: small, loads, labelled builtin-linear-v1 with its file hash as setup, calibrated output', () => {
  const raw = readFileSync(LINEAR_MODEL_FILE);
  assert.ok(raw.length < 2_000_000, `model file is ${raw.length} bytes`);
  const scorer = new LinearScorer();
  assert.equal(scorer.model.id, 'builtin-linear-v1');
  assert.equal(scorer.model.kind, 'builtin');
  assert.match(scorer.model.setup ?? '', /^[0-9a-f]{12}$/);
  assert.equal(new LinearScorer().model, scorer.model, 'one parse per process');
  for (const t of [
    'Free Durov! #FreeDurov',
    'Finally someone holds Telegram accountable.',
    'Durov left the court on Wednesday.',
    '',
    '🙂🙂',
  ]) {
    const r = scorer.scoreText(t);
    assert.ok(r.score >= -1 && r.score <= 1 && r.confidence > 0 && r.confidence <= 1, t);
    if (r.stance !== 'neutral')
      assert.equal(Math.sign(r.score), r.stance === 'support' ? 1 : -1, 'a reported side and the score agree');
    assert.deepEqual(scorer.scoreText(t), r, 'deterministic');
  }
  assert.equal(scorer.scoreText('Free Durov! #FreeDurov').stance, 'support');
  assert.equal(scorer.scoreText('').stance, 'neutral');
});
