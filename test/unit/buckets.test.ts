import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ANY,
  SCORE_SCALE,
  bucketsForPost,
  countTime,
  countField,
  coverRange,
  fieldIncrements,
  summarise,
  sumField,
} from '../../shared/buckets.ts';

test('coverRange tiles a range with the fewest whole buckets, exactly', () => {
  const day = 86_400;
  const from = 10 * day + 23 * 3_600 + 50 * 60; // 23:50 on day 10
  const to = 12 * day + 1 * 3_600 + 2 * 60; // 01:02 on day 12
  const cover = coverRange(from, to);
  const summary = cover.map((b) => b.res).join('');
  assert.equal(summary, 'm'.repeat(10) + 'd' + 'h' + 'm'.repeat(2));
  let t = from;
  for (const b of cover) {
    assert.equal(b.start, t, 'no gap and no overlap');
    t += { m: 60, h: 3_600, d: day }[b.res];
  }
  assert.equal(t, to);
});

test('coverRange refuses ranges that are not minute-aligned', () => {
  assert.throws(() => coverRange(30, 120), RangeError);
});

test('a post lands in its minute, hour and day, expiring after its retention', () => {
  const t = 1_724_500_000; // 2024-08-24T11:46:40Z
  const b = bucketsForPost(new Date(t * 1000).toISOString(), Date.now(), { m: 100, h: 200, d: 300 });
  assert.deepEqual(
    b.map((x) => [x.res, x.start, x.expireAt]),
    [
      ['d', 1_724_457_600, 1_724_457_600 + 86_400 + 300],
      ['h', 1_724_497_200, 1_724_497_200 + 3_600 + 200],
      ['m', 1_724_499_960, 1_724_499_960 + 60 + 100],
    ],
  );
});

test('a post dated in the future counts when it is counted, and the rule is stable when applied again', () => {
  const created = '2024-08-24T12:00:00Z';
  const countedAt = Date.parse('2024-08-24T11:30:00Z');
  assert.equal(countTime(created, countedAt), countedAt);
  assert.equal(countTime(created, Date.parse('2024-08-25T00:00:00Z')), Date.parse(created));
  // The rescorer passes the time the writer indexed the post under (itself a countTime), much later.
  const writer = bucketsForPost(created, countedAt, { m: 1, h: 1, d: 1 });
  const rescorer = bucketsForPost(created, countTime(created, countedAt), { m: 1, h: 1, d: 1 });
  assert.deepEqual(rescorer, writer);
});

test('a post increments the four filter combinations, and its model', () => {
  const inc = Object.fromEntries(fieldIncrements('mastodon', 'ru', 'support', 0.5, 'builtin-lexicon-v1'));
  for (const s of ['mastodon', ANY]) {
    for (const l of ['ru', ANY]) {
      assert.equal(inc[countField(s, l, 'support')], 1);
      assert.equal(inc[sumField(s, l)], 0.5 * SCORE_SCALE);
    }
  }
  assert.equal(inc['model:builtin-lexicon-v1'], 1);
  assert.equal(Object.keys(inc).length, 9);
});

test('summarise gives shares and mean score, and nulls for an empty bucket', () => {
  assert.deepEqual(summarise({ support: 3, criticism: 1, neutral: 0, scoreSum: 2 * SCORE_SCALE }), {
    support: 3,
    criticism: 1,
    neutral: 0,
    total: 4,
    supportShare: 0.75,
    criticismShare: 0.25,
    meanScore: 0.5,
  });
  assert.deepEqual(summarise({ support: 0, criticism: 0, neutral: 0, scoreSum: 0 }), {
    support: 0,
    criticism: 0,
    neutral: 0,
    total: 0,
    supportShare: null,
    criticismShare: null,
    meanScore: null,
  });
});
