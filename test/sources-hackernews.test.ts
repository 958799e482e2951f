import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HackerNewsSource, type HackerNewsOptions } from '../workers/collect/sources/hackernews/source.ts';
import { FakeHackerNews } from '../dev/fakes/fake-hackernews.ts';
import type { CollectorHarness } from '../dev/collector-harness.ts';
import { sourceSuite } from './helpers/source-suite.ts';

/** Hacker News (Algolia) against a fake speaking its wire format, through the real collector, Redis and BullMQ. */
const suite = sourceSuite('hn');

function setup(o: Partial<HackerNewsOptions> = {}) {
  return suite.setup(
    new FakeHackerNews(),
    (fake) =>
      new HackerNewsSource({
        baseUrl: fake.url,
        queries: ['durov'],
        pollEveryMs: 60_000,
        hitsPerPage: 100,
        maxPagesPerPoll: 40,
        initialLookbackMs: 24 * 3_600_000,
        http: { timeoutMs: 2_000, maxBytes: 2_000_000, userAgent: 'stancewatch-test' },
        ...o,
      }),
  );
}
const nowS = (h: CollectorHarness) => Math.floor(h.now / 1000);

test('first poll reads the lookback, stories and comments as text; later polls read only what is new', async () => {
  const { fake, h, c, feed } = await setup();
  fake.add('story', '<p>Durov&#x27;s arrest is about encryption</p>', nowS(h) - 3_600);
  fake.add('comment', 'Durov should have cooperated with the police. <a href="x">link</a>', nowS(h) - 1_800);
  fake.add('comment', 'Too old: Durov in 2023', nowS(h) - 2 * 86_400);
  const first = await c.collect(feed);
  assert.equal(first.enqueued, 2);
  const texts = await h.queuedTexts();
  assert.ok(
    texts.includes("Telegram founder Pavel Durov arrested in France\nDurov's arrest is about encryption"),
    texts.join('|'),
  );
  assert.ok(texts.includes('Durov should have cooperated with the police. link'));
  h.now += 600_000;
  fake.add('comment', 'New comment on Durov and Telegram moderation', nowS(h) - 300);
  const second = await c.collect(feed);
  assert.equal(second.enqueued, 1);
  const filters = fake.requests.map((r) => new URL(r.url, fake.url).searchParams.get('numericFilters'));
  assert.match(filters.at(-1)!, /^created_at_i>\d+,created_at_i<=\d+$/);
  assert.equal(
    (await h.queuedPosts())
      .find((p) => p.text.startsWith('New'))!
      .url.startsWith('https://news.ycombinator.com/item?id='),
    true,
  );
});

test('more than Algolia returns (1,000) in a window: the window is halved until nothing is skipped', async () => {
  const { fake, h, c, feed } = await setup();
  for (let i = 0; i < 1_500; i++) fake.add('comment', `Durov comment number ${i}`, nowS(h) - 4 * 3_600 + i * 5);
  const out = await c.collect(feed);
  assert.equal(out.enqueued, 1_500);
  assert.equal(new Set(await h.queuedTexts()).size, 1_500);
});

test('a restart resumes from the persisted cursor', async () => {
  const { fake, h, source, feed } = await setup();
  fake.add('comment', 'Durov one', nowS(h) - 900);
  await h.collector(source).collect(feed);
  const cursor = await h.cursor(feed);
  assert.ok(cursor && Number(cursor) <= nowS(h) - 120, 'the live edge stays behind now');
  h.now += 300_000;
  fake.add('comment', 'Durov two', nowS(h) - 200);
  const fresh = h.collector(source);
  assert.equal((await fresh.collect(feed)).enqueued, 1);
});

test('429 with Retry-After pauses; 5xx and malformed pages keep the cursor; a malformed hit is skipped alone', async () => {
  const { fake, h, c, feed } = await setup();
  fake.add('comment', 'Durov a', nowS(h) - 900);
  await c.collect(feed);
  const cursor = await h.cursor(feed);
  h.now += 300_000;
  fake.add('comment', 'Durov b', nowS(h) - 200);
  fake.failNext({
    status: 429,
    headers: { 'retry-after': '30' },
    body: '{"message":"Too many requests","status":429}',
  });
  assert.equal((await c.collect(feed)).error, 'rate_limited');
  assert.equal((await c.collect(feed)).skipped, 'paused');
  h.now += 31_000;
  fake.failNext({ status: 503, body: '{"message":"Service Unavailable","status":503}' });
  assert.equal((await c.collect(feed)).error, 'http_5xx');
  fake.failNext({ status: 200, body: '{"hits": "nope"}' });
  assert.equal((await c.collect(feed)).error, 'malformed_page');
  assert.equal(await h.cursor(feed), cursor, 'cursor not advanced past unread data');
  const broken = fake.add('comment', 'Durov c', nowS(h) - 150);
  (broken as unknown as Record<string, unknown>).points = 'many';
  const out = await c.collect(feed);
  assert.equal(out.enqueued, 1, 'Durov b arrives; the broken hit does not');
  assert.deepEqual(
    [
      await h.errors('rate_limited'),
      await h.errors('http_5xx'),
      await h.errors('malformed_page'),
      await h.errors('malformed_item'),
    ],
    [1, 1, 1, 1],
  );
});

test('an answer over the byte limit is asked for again with fewer hits per page: every hit arrives', async () => {
  const { fake, h, c, feed } = await setup({ http: { timeoutMs: 2_000, maxBytes: 4_000, userAgent: 't' } });
  for (let i = 0; i < 20; i++) fake.add('comment', `Durov ${'x'.repeat(200)} ${i}`, nowS(h) - 900 - i);
  const out = await c.collect(feed);
  assert.equal(out.error, undefined);
  assert.equal(out.enqueued, 20);
  const sizes = fake.requests.map((r) => new URL(r.url, fake.url).searchParams.get('hitsPerPage'));
  assert.equal(sizes[0], '100');
  assert.ok(
    sizes.some((n) => Number(n) < 20),
    'smaller pages were asked for',
  );
  assert.ok((await h.errors('too_large')) > 0, 'each refusal is counted');
});
