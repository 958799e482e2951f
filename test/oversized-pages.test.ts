import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import type { CollectorHarness } from '../dev/collector-harness.ts';
import type { FakeHttpServer } from '../dev/fakes/http-server.ts';
import { httpGet, type HttpFailure } from '../shared/http.ts';
import { FakeBluesky } from '../dev/fakes/fake-bluesky.ts';
import { FakeHackerNews } from '../dev/fakes/fake-hackernews.ts';
import { FakeMastodon } from '../dev/fakes/fake-mastodon.ts';
import { FakeReddit } from '../dev/fakes/fake-reddit.ts';
import { FakeRss } from '../dev/fakes/fake-rss.ts';
import { FakeTelegram } from '../dev/fakes/fake-telegram.ts';
import { BlueskySource, type BlueskyOptions } from '../workers/collect/sources/bluesky/source.ts';
import { HackerNewsSource, type HackerNewsOptions } from '../workers/collect/sources/hackernews/source.ts';
import { MastodonSource, type MastodonOptions } from '../workers/collect/sources/mastodon/source.ts';
import { RedditSource, type RedditOptions } from '../workers/collect/sources/reddit/source.ts';
import { RssSource } from '../workers/collect/sources/rss/source.ts';
import { TelegramSource } from '../workers/collect/sources/telegram/source.ts';
import { sourceSuite } from './helpers/source-suite.ts';

/**
 * Pages over HTTP_MAX_RESPONSE_BYTES, through the real collector, real Redis and each source's fake over real
 * HTTP. A page too large is asked for again with fewer items; an item too large on its own is skipped by id
 * or position and counted; the cursor moves on, and the next poll goes on from there. Every refused answer is
 * counted once as `too_large`: the fakes record how big each answer was, so the count is checked against them.
 */
const suite = sourceSuite('big');
const MAX_BYTES = 100_000;
const MIN = 60_000;

/** Answers the fake sent that were over the limit: each must be counted once. */
const refused = (fake: FakeHttpServer, limit = MAX_BYTES) =>
  fake.requests.filter((r) => (r.responseBytes ?? 0) > limit);
const param = (fake: FakeHttpServer, url: string, name: string) => new URL(url, fake.url).searchParams.get(name);

/** Each expected text queued exactly once, and nothing else. */
async function assertCollectedOnce(h: CollectorHarness, expected: string[]) {
  const texts = await h.queuedTexts();
  assert.deepEqual(texts, [...expected].sort());
}

/** Polls until a poll enqueues nothing new, moving the clock a poll interval each time. */
async function drain(h: CollectorHarness, collect: () => Promise<{ enqueued: number; error?: string }>) {
  for (let i = 0; i < 20; i++) {
    h.now += MIN;
    const out = await collect();
    assert.equal(out.error, undefined, `poll ${i} failed: ${out.error}`);
    if (out.enqueued === 0) return i + 1;
  }
  throw new Error('the feed never caught up');
}

function mastodon(o: Partial<MastodonOptions> = {}) {
  const fake = new FakeMastodon();
  return suite.setup(fake, (f) => {
    return new MastodonSource({
      instances: [f.url],
      tags: ['durov'],
      pollEveryMs: MIN,
      pageLimit: 40,
      maxPagesPerPoll: 5,
      initialPages: 1,
      http: { timeoutMs: 5_000, maxBytes: MAX_BYTES, userAgent: 't' },
      lateWindowMs: 15 * MIN,
      ...o,
    });
  });
}

/** A status whose answer alone is this many bytes and more. */
const bulky = (label: string, bytes: number) => `<p>Durov ${label} ${'x'.repeat(bytes)}</p>`;

test('Mastodon, the observed stall: two 0.8 MB statuses on one page of 40 (2 MB limit); all 163 statuses arrive once', async () => {
  const limit = 2_000_000;
  const { fake, h, c, feed } = await mastodon({ http: { timeoutMs: 10_000, maxBytes: limit, userAgent: 't' } });
  fake.clock = () => h.now;
  fake.post('durov', { content: '<p>Durov before</p>' });
  await c.collect(feed);
  // Statuses of about 10 kB (long remote posts, cards, media), two of 0.8 MB at 80 and 81: the third page of 40
  // is over 2 MB. Refused whole, it stopped the feed there for good: 80 read, 83 never.
  const expected: string[] = [];
  for (let i = 0; i < 163; i++) {
    const big = i === 80 || i === 81;
    fake.post('durov', { content: bulky(`${big ? 'big' : 'post'} ${i}`, big ? 800_000 : 10_000) });
    expected.push(`Durov ${big ? 'big' : 'post'} ${i}`);
  }
  const polls = await drain(h, () => c.collect(feed));
  const texts = (await h.queuedTexts()).filter((t) => t !== 'Durov before');
  // Text is cut to POST_MAX_CHARS at collection: compare the labels.
  assert.deepEqual(texts.map((t) => /^Durov (big|post) \d+/.exec(t)![0]).sort(), expected.sort());
  const over = refused(fake, limit);
  assert.ok(over.length > 0, 'the page was refused');
  assert.ok(
    over.every((r) => Number(param(fake, r.url, 'limit')) > 1),
    'it was the page, not a status, that was too large',
  );
  assert.equal(await h.errors('too_large'), over.length, 'each refused answer counted once');
  assert.ok(polls <= 3, `${polls} polls to catch up`);
  const newest = fake.post('durov', { content: '<p>Durov after</p>' });
  h.now += MIN;
  const before = fake.requests.length;
  assert.equal((await c.collect(feed)).enqueued, 1, 'the feed goes on');
  assert.equal(await h.cursor(feed), newest.id);
  assert.equal(param(fake, fake.requests[before]!.url, 'limit'), '40', 'the next poll asks for full pages again');
});

test('Mastodon: statuses too large on their own are skipped by id and counted; the cursor passes them', async () => {
  const { fake, h, c, feed } = await mastodon();
  fake.clock = () => h.now;
  fake.post('durov', { content: '<p>Durov before</p>' });
  await c.collect(feed);
  const expected: string[] = [];
  const huge: string[] = [];
  for (let i = 0; i < 30; i++) {
    if (i === 10 || i === 11 || i === 25) huge.push(fake.post('durov', { content: bulky(`huge ${i}`, 150_000) }).id);
    fake.post('durov', { content: `<p>Durov post ${i}</p>` });
    expected.push(`Durov post ${i}`);
  }
  const out = await c.collect(feed);
  assert.equal(out.error, undefined);
  await assertCollectedOnce(h, ['Durov before', ...expected]);
  const alone = refused(fake).filter((r) => param(fake, r.url, 'limit') === '1');
  assert.equal(alone.length, 3, 'each huge status was met alone once, in the forward walk');
  const skipped = h.skippedItems('too_large');
  assert.deepEqual(
    huge.map((id) => skipped.filter((d) => d.includes(`status ${id} `)).length),
    [1, 1, 1],
    'each reported once, by id',
  );
  assert.equal(await h.errors('too_large'), refused(fake).length);
  const cursor = await h.cursor(feed);
  assert.ok(BigInt(cursor!) > BigInt(huge[2]!), 'the cursor moved past them');
  // The overlap walk of this poll and the next polls step around them: never asked for again.
  const before = fake.requests.length;
  fake.post('durov', { content: '<p>Durov next</p>' });
  h.now += MIN;
  const counted = await h.errors('too_large');
  const next = await c.collect(feed);
  assert.equal(next.enqueued, 1);
  assert.equal(await h.errors('too_large'), counted, 'nothing new refused or skipped');
  assert.ok(
    fake.requests.slice(before).every((r) => (r.responseBytes ?? 0) <= MAX_BYTES),
    'known big statuses are not asked for again',
  );
  const overlap = fake.requests.slice(before).filter((r) => param(fake, r.url, 'max_id'));
  assert.ok(
    overlap.some((r) => huge.includes(param(fake, r.url, 'since_id')!)),
    'the overlap stops short of them',
  );
});

test('Mastodon: one status larger than the limit, alone on the timeline, is skipped; the next poll reads on', async () => {
  const { fake, h, c, feed } = await mastodon();
  fake.post('durov', { content: '<p>Durov before</p>' });
  await c.collect(feed);
  const huge = fake.post('durov', { content: bulky('huge', 150_000) });
  const out = await c.collect(feed);
  assert.equal(out.error, undefined);
  assert.equal(out.enqueued, 0);
  assert.equal(await h.cursor(feed), huge.id);
  assert.equal(await h.errors('too_large'), refused(fake).length);
  assert.equal(refused(fake).filter((r) => param(fake, r.url, 'limit') === '1').length, 1);
  fake.post('durov', { content: '<p>Durov later</p>' });
  assert.equal((await c.collect(feed)).enqueued, 1);
  await assertCollectedOnce(h, ['Durov before', 'Durov later']);
});

function reddit(o: Partial<RedditOptions> = {}) {
  return suite.setup(
    new FakeReddit(),
    (fake) =>
      new RedditSource({
        publicUrl: fake.url,
        oauthUrl: fake.url,
        authUrl: fake.url,
        clientId: fake.clientId,
        clientSecret: fake.clientSecret,
        userAgent: 'server:stancewatch:0.1 (by /u/stancewatch)',
        queries: ['durov'],
        subreddits: [],
        pollEveryMs: MIN,
        maxPagesPerPoll: 5,
        http: { timeoutMs: 5_000, maxBytes: MAX_BYTES },
        spacingMs: 1,
        ...o,
      }),
  );
}

test('Reddit: big links make pages smaller; links too large alone are skipped by fullname; each normal one arrives once', async () => {
  const { fake, h, c, feed } = await reddit();
  const t0 = Math.floor(h.now / 1000) - 3_600;
  fake.addLink('worldnews', 'Durov old', '', t0);
  await c.collect(feed);
  const expected = ['Durov old'];
  const huge: string[] = [];
  for (let i = 0; i < 150; i++) {
    const at = t0 + 100 + i * 10;
    if (i === 20 || i === 21 || i === 120)
      huge.push(fake.addLink('worldnews', `Durov huge ${i}`, 'x'.repeat(150_000), at).data.name);
    const big = i % 10 === 3;
    fake.addLink('worldnews', `Durov ${big ? 'big' : 'news'} ${i}`, big ? 'y'.repeat(30_000) : '', at);
    expected.push(`Durov ${big ? 'big' : 'news'} ${i}`);
  }
  const before = fake.requests.length;
  const out = await c.collect(feed);
  assert.equal(out.error, undefined);
  const texts = (await h.queuedTexts()).map((t) => t.split('\n')[0]!);
  assert.deepEqual(texts, [...expected].sort(), 'every normal link once, the huge ones not at all');
  const alone = refused(fake).filter((r) => param(fake, r.url, 'limit') === '1');
  assert.deepEqual(
    alone.map((r) => fake.requests.indexOf(r) >= before),
    [true, true, true],
    'each huge link met alone once',
  );
  const skipped = h.skippedItems('too_large');
  assert.deepEqual(
    huge.map((name) => skipped.filter((d) => d.includes(` ${name} `)).length),
    [1, 1, 1],
    'each reported once, by fullname',
  );
  assert.ok(refused(fake).length > alone.length, 'pages of big links were asked again smaller');
  assert.equal(await h.errors('too_large'), refused(fake).length, 'each refused answer counted once');
  assert.equal(await h.cursor(feed), String(t0 + 100 + 149 * 10), 'the cursor is the newest link read');
  // The next poll starts with full pages again and reads what is new.
  fake.addLink('worldnews', 'Durov next', '', t0 + 2_000);
  h.now += MIN;
  const next = fake.requests.length;
  assert.equal((await c.collect(feed)).enqueued, 1);
  assert.equal(param(fake, fake.requests[next]!.url, 'limit'), '100', 'full pages again');
});

test('Reddit: a single link larger than the limit, newest in the listing, is skipped; the feed reads on', async () => {
  const { fake, h, c, feed } = await reddit();
  const t0 = Math.floor(h.now / 1000) - 3_600;
  fake.addLink('worldnews', 'Durov old', '', t0);
  await c.collect(feed);
  fake.addLink('worldnews', 'Durov huge', 'x'.repeat(150_000), t0 + 10);
  const out = await c.collect(feed);
  assert.equal(out.error, undefined);
  assert.equal(out.enqueued, 0);
  assert.equal(refused(fake).filter((r) => param(fake, r.url, 'limit') === '1').length, 1);
  assert.equal(await h.errors('too_large'), refused(fake).length);
  fake.addLink('worldnews', 'Durov later', '', t0 + 20);
  h.now += MIN;
  assert.equal((await c.collect(feed)).enqueued, 1);
  await assertCollectedOnce(h, ['Durov later', 'Durov old']);
  assert.equal(await h.cursor(feed), String(t0 + 20));
});

function hackernews(o: Partial<HackerNewsOptions> = {}) {
  return suite.setup(
    new FakeHackerNews(),
    (fake) =>
      new HackerNewsSource({
        baseUrl: fake.url,
        queries: ['durov'],
        pollEveryMs: MIN,
        hitsPerPage: 100,
        maxPagesPerPoll: 20,
        initialLookbackMs: 24 * 3_600_000,
        http: { timeoutMs: 5_000, maxBytes: MAX_BYTES, userAgent: 't' },
        ...o,
      }),
  );
}

test('Hacker News: big hits make pages smaller; hits too large alone are skipped by position; each normal one arrives once', async () => {
  const { fake, h, c, feed } = await hackernews();
  const at = Math.floor(h.now / 1000) - 3_600;
  const expected: string[] = [];
  for (let i = 0; i < 150; i++) {
    // Some share a second: positions, not times, tell them apart.
    const t = at - Math.floor(i / 3);
    if (i === 40 || i === 41 || i === 97) fake.add('comment', `Durov huge ${i} ${'x'.repeat(150_000)}`, t);
    const big = i % 10 === 5;
    fake.add('comment', `Durov ${big ? 'big' : 'comment'} ${i}${big ? ` ${'y'.repeat(30_000)}` : ''}`, t);
    expected.push(`Durov ${big ? 'big' : 'comment'} ${i}`);
  }
  const out = await c.collect(feed);
  assert.equal(out.error, undefined);
  const texts = (await h.queuedTexts()).map((t) => /^Durov \w+ \d+/.exec(t)![0]);
  assert.deepEqual(texts, [...expected].sort());
  const alone = refused(fake).filter((r) => param(fake, r.url, 'hitsPerPage') === '1');
  assert.equal(alone.length, 3, 'each huge hit met alone once');
  assert.equal(h.skippedItems('too_large').length, 3, 'each reported, by window and position');
  assert.ok(refused(fake).length > alone.length);
  assert.equal(await h.errors('too_large'), refused(fake).length, 'each refused answer counted once');
  const cursor = Number(await h.cursor(feed));
  assert.ok(cursor > at, 'the cursor moved past them');
  fake.add('comment', 'Durov next', Math.floor(h.now / 1000) - 200);
  h.now += 5 * MIN;
  const before = fake.requests.length;
  assert.equal((await c.collect(feed)).enqueued, 1, 'the feed goes on');
  assert.equal(param(fake, fake.requests[before]!.url, 'hitsPerPage'), '100', 'full pages again');
});

test('Hacker News: a single hit larger than the limit on its own is skipped; the next poll reads on', async () => {
  const { fake, h, c, feed } = await hackernews();
  fake.add('comment', `Durov huge ${'x'.repeat(150_000)}`, Math.floor(h.now / 1000) - 3_600);
  const out = await c.collect(feed);
  assert.equal(out.error, undefined);
  assert.equal(out.enqueued, 0);
  assert.equal(refused(fake).filter((r) => param(fake, r.url, 'hitsPerPage') === '1').length, 1);
  assert.equal(await h.errors('too_large'), refused(fake).length);
  assert.ok(Number(await h.cursor(feed)) > Math.floor(h.now / 1000) - 3_600);
  fake.add('comment', 'Durov later', Math.floor(h.now / 1000) - 200);
  h.now += 5 * MIN;
  assert.equal((await c.collect(feed)).enqueued, 1);
  await assertCollectedOnce(h, ['Durov later']);
});

function bluesky(o: Partial<BlueskyOptions> = {}) {
  const fake = new FakeBluesky();
  return suite.setup(
    fake,
    () =>
      new BlueskySource({
        serviceUrl: fake.url,
        handle: fake.handle,
        appPassword: fake.password,
        queries: ['durov'],
        pollEveryMs: MIN,
        maxPagesPerPoll: 10,
        initialLookbackMs: 24 * 3_600_000,
        http: { timeoutMs: 5_000, maxBytes: MAX_BYTES, userAgent: 't' },
        ...o,
      }),
  );
}

const searches = (fake: FakeBluesky) => fake.requests.filter((r) => r.url.includes('searchPosts'));

test('Bluesky: big posts make pages smaller; posts too large alone are found by time and skipped; each normal one arrives once', async () => {
  const { fake, h, c, feed } = await bluesky();
  fake.clock = () => h.now;
  const at = (i: number, ms = 0) => new Date(h.now - 5 * MIN - i * 1_000 + ms);
  const expected: string[] = [];
  const huge: string[] = [];
  for (let i = 0; i < 150; i++) {
    const big = i % 10 === 5;
    fake.add(`Durov ${big ? 'big' : 'post'} ${i}${big ? ` ${'y'.repeat(30_000)}` : ''}`, at(i));
    expected.push(`Durov ${big ? 'big' : 'post'} ${i}`);
    // 40 and 97 have a millisecond of their own; 41 shares one with a normal post that comes before it.
    if (i === 40 || i === 97) huge.push(fake.add(`Durov huge ${i} ${'x'.repeat(150_000)}`, at(i, 300)).uri);
    if (i === 41) huge.push(fake.add(`Durov huge ${i} ${'x'.repeat(150_000)}`, at(i)).uri);
  }
  const out = await c.collect(feed);
  assert.equal(out.error, undefined);
  const texts = (await h.queuedTexts()).map((t) => /^Durov \w+ \d+/.exec(t)![0]);
  assert.deepEqual(texts, [...expected].sort());
  const skipped = h.skippedItems('too_large');
  assert.deepEqual(
    huge.map((uri) => skipped.filter((d) => d.includes(uri)).length),
    [1, 1, 1],
    'each huge post skipped and reported once, by uri',
  );
  assert.ok(
    refused(fake).some((r) => Number(param(fake, r.url, 'limit')) > 1),
    'pages were asked again smaller',
  );
  assert.equal(h.warnings.length, 3, 'only the skips are warnings; refusals are counted and logged as info');
  assert.ok((await h.errors('too_large')) > 3, 'the smaller retries are counted too');
  assert.equal(await h.cursor(feed), new Date(h.now - MIN).toISOString(), 'the cursor is the live edge');
  // The next poll re-reads the last 10 minutes (late indexing): the skipped posts are stepped over, not sought.
  const before = searches(fake).length;
  const counted = await h.errors('too_large');
  fake.add('Durov next', new Date(h.now - 30_000));
  h.now += 2 * MIN;
  assert.equal((await c.collect(feed)).enqueued, 1);
  const again = searches(fake).slice(before);
  assert.equal(param(fake, again[0]!.url, 'limit'), '100', 'full pages again');
  assert.ok(again.length < 20, `${again.length} requests: no search for the huge posts again`);
  assert.equal(h.skippedItems('too_large').length, 3, 'not reported again');
  assert.ok((await h.errors('too_large')) - counted < 10, 'only pages of big posts refused again');
});

test('Bluesky: a single post larger than the limit on its own is skipped; the next poll reads on', async () => {
  const { fake, h, c, feed } = await bluesky();
  fake.clock = () => h.now;
  fake.add(`Durov huge ${'x'.repeat(150_000)}`, new Date(h.now - 3 * 3_600_000));
  const out = await c.collect(feed);
  assert.equal(out.error, undefined);
  assert.equal(out.enqueued, 0);
  assert.equal(h.skippedItems('too_large').length, 1);
  assert.equal(await h.cursor(feed), new Date(h.now - MIN).toISOString());
  fake.add('Durov later', new Date(h.now - 30_000));
  h.now += 2 * MIN;
  assert.equal((await c.collect(feed)).enqueued, 1);
  await assertCollectedOnce(h, ['Durov later']);
});

function telegram() {
  return suite.setup(
    new FakeTelegram(),
    (fake) =>
      new TelegramSource({
        baseUrl: fake.url,
        channels: ['durov_news'],
        pollEveryMs: MIN,
        maxPagesPerPoll: 10,
        http: { timeoutMs: 5_000, maxBytes: MAX_BYTES, userAgent: 'Mozilla/5.0' },
      }),
  );
}

test('Telegram: a page over the limit is read as far as it is whole; messages too large alone are skipped by id', async () => {
  const { fake, h, c, feed } = await telegram();
  const t = new Date(h.now - 3_600_000);
  fake.add('durov_news', 'Дуров: до', t);
  await c.collect(feed);
  const expected = ['Дуров: до'];
  const huge: number[] = [];
  for (let i = 0; i < 45; i++) {
    if (i === 12 || i === 30) huge.push(fake.add('durov_news', `Durov huge ${i} ${'x'.repeat(150_000)}`, t).id);
    const big = i % 7 === 3; // four to a page make it too large, with t.me offering no smaller page
    fake.add('durov_news', `Durov ${big ? 'big' : 'message'} ${i}${big ? ` ${'y'.repeat(30_000)}` : ''}`, t);
    expected.push(`Durov ${big ? 'big' : 'message'} ${i}`);
  }
  await drain(h, () => c.collect(feed));
  const texts = (await h.queuedTexts()).map((x) => /^(Durov \w+ \d+|Дуров: до)/.exec(x)![0]);
  assert.deepEqual(texts, [...expected].sort());
  const skipped = h.skippedItems('too_large');
  assert.deepEqual(
    huge.map(
      (id) => skipped.filter((d) => d.endsWith(`durov_news/${id} is over ${MAX_BYTES} bytes on its own`)).length,
    ),
    [1, 1],
  );
  assert.equal(await h.errors('too_large'), refused(fake).length, 'each refused answer counted once');
  assert.equal(await h.cursor(feed), String(fake.channels.get('durov_news')!.at(-1)!.id));
  fake.add('durov_news', 'Durov next', new Date(h.now));
  h.now += MIN;
  assert.equal((await c.collect(feed)).enqueued, 1, 'the feed goes on');
});

test('Telegram: a single message larger than the limit on its own is skipped; the next poll reads on', async () => {
  const { fake, h, c, feed } = await telegram();
  fake.add('durov_news', 'Дуров: до', new Date(h.now - 60_000));
  await c.collect(feed);
  const big = fake.add('durov_news', `Durov huge ${'x'.repeat(150_000)}`, new Date(h.now));
  const out = await c.collect(feed);
  assert.equal(out.error, undefined);
  assert.equal(await h.cursor(feed), String(big.id));
  assert.equal(h.skippedItems('too_large').length, 1);
  assert.equal(await h.errors('too_large'), refused(fake).length);
  fake.add('durov_news', 'Durov later', new Date(h.now));
  assert.equal((await c.collect(feed)).enqueued, 1);
  await assertCollectedOnce(h, ['Durov later', 'Дуров: до']);
});

function rss() {
  return suite.setup(
    new FakeRss(),
    (fake) =>
      new RssSource({
        feeds: [`${fake.url}/rss`],
        pollEveryMs: 5 * MIN,
        http: { timeoutMs: 5_000, maxBytes: MAX_BYTES, userAgent: 't' },
      }),
  );
}

test('RSS: a feed over the limit cannot be paged: the items whole before the limit are read, the rest dropped and counted', async () => {
  const { fake, h, c, feed } = await rss();
  // Newest first, as feeds are: the long ones at the end are what does not fit.
  for (let i = 0; i < 10; i++) fake.add(`Durov news ${i}`, `Short ${i}`, new Date(h.now - i * MIN));
  for (let i = 10; i < 20; i++) fake.add(`Durov long ${i}`, 'z'.repeat(20_000), new Date(h.now - i * MIN));
  const out = await c.collect(feed);
  assert.equal(out.error, undefined);
  const texts = (await h.queuedTexts()).map((t) => /^Durov \w+ \d+/.exec(t)![0]);
  assert.ok(texts.length >= 10 && texts.length < 20, `${texts.length} read`);
  assert.deepEqual(
    texts.slice().sort(),
    Array.from({ length: texts.length }, (_, i) => `Durov ${i < 10 ? 'news' : 'long'} ${i}`).sort(),
    'the first items of the document, whole',
  );
  assert.equal(await h.errors('too_large'), 1);
  // The feed's document shrinks (its long summaries are cut): it is read whole again, dropped items included.
  for (const item of fake.items) item.descriptionHtml = 'Short';
  fake.add('Durov later', 'Short', new Date(h.now));
  h.now += 5 * MIN;
  assert.equal((await c.collect(feed)).enqueued, 1 + 20 - texts.length);
  assert.equal(await h.errors('too_large'), 1);
});

test('RSS: a feed with no whole item before the limit is refused and counted each poll, once a poll; it reads again once it fits', async () => {
  const { fake, h, c, feed } = await rss();
  fake.add('Durov huge', 'z'.repeat(150_000), new Date(h.now - MIN));
  for (let poll = 0; poll < 3; poll++) {
    assert.equal((await c.collect(feed)).error, 'too_large');
    h.now += 5 * MIN;
  }
  assert.equal(fake.requests.length, 3, 'one request a poll: nothing spins');
  assert.equal(await h.errors('too_large'), 3);
  fake.items.length = 0;
  fake.add('Durov later', 'Short', new Date(h.now));
  assert.equal((await c.collect(feed)).enqueued, 1);
});

test('a body over the limit is never read whole: refused, or only its first bytes kept when asked for', async () => {
  const sent = { bytes: 0 };
  const chunk = Buffer.alloc(64 * 1024, 'x');
  const server = createServer(async (req, res) => {
    const declared = req.url === '/declared';
    res.writeHead(200, { 'content-type': 'application/json', ...(declared ? { 'content-length': '1000000000' } : {}) });
    // 1 GB, written only as fast as the client reads it.
    for (let i = 0; i < 16_384 && !res.destroyed; i++) {
      sent.bytes += chunk.length;
      if (!res.write(chunk)) await new Promise((r) => res.once('drain', r).once('close', r));
    }
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const opts = { timeoutMs: 10_000, maxBytes: 100_000, userAgent: 't' };
  try {
    await assert.rejects(httpGet(`${url}/streamed`, opts), (err: HttpFailure) => err.reason === 'too_large');
    const kept = await httpGet(`${url}/streamed`, { ...opts, keepPrefixBytes: 4_096 });
    assert.equal(kept.truncated, true);
    assert.equal(kept.body.length, 4_096);
    const declared = await httpGet(`${url}/declared`, { ...opts, keepPrefixBytes: 4_096 });
    assert.equal(declared.truncated, true);
    assert.ok(declared.body.length <= 4_096);
    await assert.rejects(httpGet(`${url}/declared`, opts), /declares 1000000000 bytes/);
    await new Promise((r) => setTimeout(r, 200));
    assert.ok(sent.bytes < 50_000_000, `${sent.bytes} bytes sent of the 4 GB offered`);
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});
