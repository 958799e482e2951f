import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  coverTokenRange,
  dimFor,
  parsePendingMember,
  pendingMember,
  tenMinuteStartsOf,
  tokenBucketFor,
} from '../../shared/drivers/buckets.ts';
import { fightinWords } from '../../shared/drivers/fightin-words.ts';
import { tokensOf } from '../../shared/drivers/tokens.ts';

/** Deterministic pseudo-random numbers, so the synthetic corpus is the same on every run. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0) / 2 ** 32;
}

const COMMON = [
  'court',
  'judge',
  'paris',
  'charges',
  'platform',
  'founder',
  'messaging',
  'police',
  'investigation',
  'statement',
  'lawyer',
  'hearing',
  'news',
  'users',
  'company',
  'france',
  'case',
  'week',
  'report',
  'today',
];

/** Posts as token sets: `n` posts of 6 common words each, plus `extra` words with the given probability. */
function corpus(n: number, seed: number, extra: Record<string, number> = {}): Map<string, number> {
  const r = rng(seed);
  const counts = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const post = new Set<string>();
    while (post.size < 6) post.add(`w:${COMMON[Math.floor(r() * COMMON.length)]}`);
    for (const [w, p] of Object.entries(extra)) if (r() < p) post.add(w);
    for (const t of post) counts.set(t, (counts.get(t) ?? 0) + 1);
  }
  return counts;
}

test("Fightin' Words: a synthetic spike's distinguishing words come out on top, in order of evidence", () => {
  const baseline = corpus(2_000, 1, { 'w:blackout': 0.005, 'w:outage': 0.002 });
  // The spike: the same background talk, plus three words the baseline (almost) never had.
  const spike = corpus(200, 2, { 'w:blackout': 0.6, 'w:outage': 0.35, '#telegramdown': 0.25 });
  const drivers = fightinWords(spike, baseline, { top: 10 });
  assert.deepEqual(
    drivers.slice(0, 3).map((d) => d.token),
    ['w:blackout', 'w:outage', '#telegramdown'],
  );
  assert.ok(drivers[0]!.z > 8, `z of the top driver: ${drivers[0]!.z}`);
  for (const d of drivers.slice(3)) assert.ok(d.z < 3, `${d.token} is background noise, z ${d.z}`);
  assert.equal(drivers[2]!.kind, 'hashtag');
  assert.equal(drivers[2]!.label, '#telegramdown');
  assert.equal(drivers[0]!.count, spike.get('w:blackout'));
  assert.equal(drivers[0]!.baselineCount, baseline.get('w:blackout'));
});

test("Fightin' Words: the prior shrinks rare tokens, and nothing is a driver of an ordinary window", () => {
  const baseline = corpus(2_000, 3);
  const ordinary = corpus(200, 4);
  assert.ok(
    fightinWords(ordinary, baseline).every((d) => d.z < 3),
    'same process, no real drivers',
  );
  // Seen twice in the window and never before, against seen 40 times against 10 before: evidence wins over ratio.
  const target = new Map([
    ['w:rare', 2],
    ['w:frequent', 40],
    ['w:filler', 500],
  ]);
  const base = new Map([
    ['w:frequent', 10],
    ['w:filler', 2_000],
  ]);
  const [first] = fightinWords(target, base);
  assert.equal(first!.token, 'w:frequent');
  assert.deepEqual(fightinWords(new Map([['w:once', 1]]), new Map()), [], 'below minCount');
  assert.deepEqual(fightinWords(new Map(), new Map()), []);
});

test('tokens: words without stopwords or the case name, hashtags, linked domains, argument categories', () => {
  const t = tokensOf(
    "Durov's Telegram is a haven for scams and fraud! #TelegramScams https://www.Investigations.example.org/a?b=1 — l'arnaque, c'est la fraude.",
  );
  assert.ok(t.includes('d:investigations.example.org'));
  assert.ok(t.includes('#telegramscams'));
  assert.ok(t.includes('a:fraud and scams'));
  assert.ok(
    t.includes('w:scams') &&
      t.includes('w:fraud') &&
      t.includes('w:haven') &&
      t.includes('w:arnaque') &&
      t.includes('w:fraude'),
  );
  for (const gone of ['w:durov', 'w:telegram', 'w:and', 'w:the', 'w:for', 'w:is', 'w:la', 'w:www', 'w:https'])
    assert.ok(!t.includes(gone), gone);
  assert.equal(new Set(t).size, t.length, 'each token once per post');
  const ru = tokensOf('Свободу Дурову! Это цензура и политическое преследование.');
  assert.ok(ru.includes('a:call for release') && ru.includes('a:censorship') && ru.includes('a:political persecution'));
  assert.ok(ru.includes('w:цензура') && !ru.includes('w:дурову') && !ru.includes('w:это'));
});

test('token buckets: 10 minutes and hours; a range is tiled with the fewest', () => {
  const b = tokenBucketFor(7_865);
  assert.deepEqual([b.tenMinutes.start, b.hour.start], [7_800, 7_200]);
  assert.equal(b.tenMinutes.expireAt, 7_800 + 600 + 8 * 86_400);
  assert.equal(b.hour.expireAt, 7_200 + 3_600 + 90 * 86_400);
  assert.deepEqual(tenMinuteStartsOf(7_200), [7_200, 7_800, 8_400, 9_000, 9_600, 10_200]);
  assert.deepEqual(parsePendingMember(pendingMember(7_200, 'support', 'source=reddit,lang=fr')), {
    hourStart: 7_200,
    stance: 'support',
    dim: 'source=reddit,lang=fr',
  });
  const cover = coverTokenRange(3_000, 3 * 3_600 + 1_200);
  assert.deepEqual(
    cover.map((b) => `${b.res}@${b.start}`),
    ['10m@3000', 'h@3600', 'h@7200', '10m@10800', '10m@11400'],
  );
  assert.equal(coverTokenRange(0, 24 * 3_600).length, 24, 'a day-aligned 24 h is 24 reads per stance');
  assert.throws(() => coverTokenRange(60, 600));
  assert.equal(dimFor({}), 'all');
  assert.equal(dimFor({ source: 'reddit', lang: 'fr' }), 'source=reddit,lang=fr');
});
