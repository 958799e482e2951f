import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backoffDelay, parseRetryAfter } from '../../shared/backoff.ts';
import { BUILTIN_MODEL, scoreBuiltin } from '../../workers/score/builtin/scorer.ts';
import { ModelCallError, modelRetryDecision } from '../../workers/score/model-call.ts';
import { hasScorableText } from '../../workers/score/scorer.ts';
import {
  DEFAULT_HYPOTHESES as H,
  ModelOutputError,
  mapClassifierAnswer,
  mapZeroShotAnswer,
} from '../../workers/score/stance-map.ts';
import { parseLabelMap } from '../../shared/config.ts';

test('zero-shot answer → stance, score = P(support) − P(criticism), confidence = P(chosen)', () => {
  const r = mapZeroShotAnswer(
    [
      { label: H.support, score: 0.7 },
      { label: H.neutral, score: 0.2 },
      { label: H.criticism, score: 0.1 },
    ],
    H,
  );
  assert.equal(r.stance, 'support');
  assert.ok(Math.abs(r.score - 0.6) < 1e-9);
  assert.ok(Math.abs(r.confidence - 0.7) < 1e-9);
  const c = mapZeroShotAnswer(
    [
      { label: H.criticism, score: 0.9 },
      { label: H.support, score: 0.05 },
      { label: H.neutral, score: 0.05 },
    ],
    H,
  );
  assert.equal(c.stance, 'criticism');
  assert.ok(c.score < -0.8);
});

test('multi-label scores are renormalised; ties are neutral', () => {
  const r = mapZeroShotAnswer(
    [
      { label: H.support, score: 0.9 },
      { label: H.criticism, score: 0.9 },
      { label: H.neutral, score: 0.2 },
    ],
    H,
  );
  assert.equal(r.stance, 'neutral');
  assert.equal(r.score, 0);
  assert.ok(Math.abs(r.confidence - 0.2 / 2) < 1e-9);
});

test('an answer without our hypotheses is refused, not guessed', () => {
  assert.throws(
    () =>
      mapZeroShotAnswer(
        [
          { label: 'POSITIVE', score: 0.9 },
          { label: 'NEGATIVE', score: 0.1 },
        ],
        H,
      ),
    ModelOutputError,
  );
  assert.throws(
    () =>
      mapZeroShotAnswer(
        [
          { label: H.support, score: NaN },
          { label: H.criticism, score: 0 },
          { label: H.neutral, score: 0 },
        ],
        H,
      ),
    ModelOutputError,
  );
});

test('built-in scorer: stance, not sentiment, in four languages, always labelled', () => {
  const cases: Array<[string, string]> = [
    ['Shameful that France arrested Durov.', 'support'],
    ['Finally someone holds Telegram accountable', 'criticism'],
    ['This is not censorship, Telegram hosts drug trafficking', 'criticism'],
    ['Durov detained at Le Bourget airport, reports say', 'neutral'],
    ['Свободу Дурову! Это политическое преследование', 'support'],
    ['Давно пора, Телеграм — рассадник наркоторговли', 'criticism'],
    ["La liberté d'expression est attaquée, soutien à Durov", 'support'],
    ['Il était temps que Telegram rende des comptes', 'criticism'],
    ['Підтримую Дурова, це цензура', 'support'],
    ['Телеграм — інструмент кремлівської пропаганди, нарешті', 'criticism'],
  ];
  for (const [text, stance] of cases) {
    const r = scoreBuiltin(text);
    assert.equal(r.stance, stance, text);
    assert.deepEqual(r.model, BUILTIN_MODEL);
    assert.ok(r.score >= -1 && r.score <= 1 && r.confidence >= 0 && r.confidence <= 1);
    assert.deepEqual(scoreBuiltin(text), r, 'deterministic');
  }
  assert.equal(BUILTIN_MODEL.id.startsWith('builtin-'), true);
});

test('texts with nothing to judge skip the model', () => {
  assert.equal(hasScorableText('https://t.co/abc'), false);
  assert.equal(hasScorableText('  !!! '), false);
  assert.equal(hasScorableText('Free Durov'), true);
});

test('Retry-After in seconds or as an HTTP date; backoff with full jitter under a cap', () => {
  const now = Date.parse('2026-11-29T10:00:00Z');
  assert.equal(parseRetryAfter('7', now), 7_000);
  assert.equal(parseRetryAfter('Sun, 29 Nov 2026 10:00:30 GMT', now), 30_000);
  assert.equal(parseRetryAfter('soon', now), undefined);
  assert.equal(parseRetryAfter(null, now), undefined);
  assert.equal(
    backoffDelay(0, 100, 10_000, () => 1),
    100,
  );
  assert.equal(
    backoffDelay(3, 100, 10_000, () => 1),
    800,
  );
  assert.equal(
    backoffDelay(20, 100, 10_000, () => 1),
    10_000,
  );
  assert.equal(
    backoffDelay(3, 100, 10_000, () => 0.5),
    400,
  );
});

test('classifier labels map to stances through HF_LABEL_MAP, case-insensitively; unknown labels are refused', () => {
  const map = parseLabelMap(['FAVOR=support', 'AGAINST=criticism', 'NONE=neutral', 'Positive=support']);
  const r = mapClassifierAnswer(
    [
      { label: 'favor', score: 0.5 },
      { label: 'POSITIVE', score: 0.2 },
      { label: 'AGAINST', score: 0.2 },
      { label: 'NONE', score: 0.1 },
    ],
    map,
  );
  assert.equal(r.stance, 'support');
  assert.ok(Math.abs(r.score - 0.5) < 1e-9);
  assert.throws(() => mapClassifierAnswer([{ label: 'LABEL_0', score: 1 }], map), ModelOutputError);
});

test('one retry decision for every model scorer: 429 (after Retry-After), 5xx, timeouts, network; never 4xx or a malformed answer', () => {
  const decide = (status: string, retryAfterMs?: number) =>
    modelRetryDecision(new ModelCallError(status, 'x', retryAfterMs));
  assert.deepEqual(decide('429', 1_000), { retry: true, afterMs: 1_000 });
  for (const s of ['500', '502', '503', '504', 'timeout', 'network']) assert.equal(decide(s).retry, true, s);
  for (const s of ['400', '401', '413', 'malformed']) assert.equal(decide(s).retry, false, s);
  assert.equal(modelRetryDecision(new Error('a bug')).retry, false);
});
