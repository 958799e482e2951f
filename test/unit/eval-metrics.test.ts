import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evaluate } from '../../shared/eval/metrics.ts';
import type { Stance } from '../../shared/post.ts';

test('precision, recall, F1, macro-F1 and F_avg from a known confusion', () => {
  const rows: Array<{ gold: Stance; predicted: Stance }> = [];
  const add = (gold: Stance, predicted: Stance, n: number) => {
    for (let i = 0; i < n; i++) rows.push({ gold, predicted });
  };
  add('support', 'support', 8);
  add('support', 'neutral', 2);
  add('criticism', 'criticism', 6);
  add('criticism', 'support', 2);
  add('criticism', 'neutral', 2);
  add('neutral', 'neutral', 10);
  const f = evaluate(rows);
  assert.equal(f.n, 30);
  assert.equal(f.accuracy, Math.round((24 / 30) * 1e4) / 1e4);
  assert.deepEqual(f.perClass.support, { precision: 0.8, recall: 0.8, f1: 0.8, support: 10 });
  assert.deepEqual(f.perClass.criticism, { precision: 1, recall: 0.6, f1: 0.75, support: 10 });
  assert.equal(f.perClass.neutral.precision, Math.round((10 / 14) * 1e4) / 1e4);
  assert.equal(f.f_avg, 0.775);
  assert.equal(f.confusion.criticism.support, 2);
});

test('an empty class gives zeros, not NaN', () => {
  const f = evaluate([{ gold: 'neutral', predicted: 'neutral' }]);
  assert.deepEqual(f.perClass.support, { precision: 0, recall: 0, f1: 0, support: 0 });
  assert.equal(f.f_avg, 0);
});
