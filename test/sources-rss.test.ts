import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseFeed } from '../workers/collect/sources/rss/parse.ts';
import { RssSource } from '../workers/collect/sources/rss/source.ts';
import { FakeRss } from '../dev/fakes/fake-rss.ts';
import { sourceSuite } from './helpers/source-suite.ts';

/** RSS 2.0 and Atom news feeds against a fake aggregator, through the real collector, Redis and BullMQ. */
const suite = sourceSuite('rss');

function setup(path: '/rss' | '/atom', maxBytes = 500_000) {
  return suite.setup(
    new FakeRss(),
    (fake) =>
      new RssSource({
        feeds: [`${fake.url}${path}`],
        pollEveryMs: 60_000,
        http: { timeoutMs: 2_000, maxBytes, userAgent: 't' },
      }),
  );
}

test('RSS: title and escaped-HTML description as text, guid as id, repeated polls add only new items', async () => {
  const { fake, h, c, feed } = await setup('/rss');
  fake.add(
    'Telegram founder Pavel Durov arrested at Paris airport',
    '<a href="https://news.example.org/1">Telegram founder Pavel Durov arrested at Paris airport</a>',
    new Date(Date.now() - 3_600_000),
    'Reuters',
  );
  fake.add('Weather in Paris', '<b>Sunny</b>', new Date(Date.now() - 3_000_000));
  const first = await c.collect(feed);
  assert.deepEqual([first.read, first.relevant, first.enqueued], [2, 1, 1]);
  const [post] = await h.queuedPosts();
  assert.equal(post!.text, 'Telegram founder Pavel Durov arrested at Paris airport - Reuters');
  assert.equal(post!.url, 'https://news.example.org/articles/1');
  assert.equal(post!.lang, 'en');
  fake.add(
    'Durov released on bail of 5 million euros',
    'Durov must report to police twice a week',
    new Date(Date.now() - 600_000),
    'AFP',
  );
  const second = await c.collect(feed);
  assert.deepEqual([second.duplicates, second.enqueued], [1, 1]);
  assert.equal(await h.cursor(feed), new Date(fake.items[2]!.date.toUTCString()).toISOString());
});

test('Atom: entries with link@href, published and the feed language', async () => {
  const { fake, h, c, feed } = await setup('/atom');
  fake.add(
    "L'arrestation de Durov, une atteinte à la liberté d'expression ?",
    '<p>Tribune</p>',
    new Date(Date.now() - 3_600_000),
    'Le Monde',
  );
  assert.equal((await c.collect(feed)).enqueued, 1);
  const [post] = await h.queuedPosts();
  assert.equal(post!.lang, 'fr');
  assert.equal(post!.text, "L'arrestation de Durov, une atteinte à la liberté d'expression ?\nTribune");
});

test('a malformed document is refused, an item without a date is skipped alone, errors are counted', async () => {
  const { fake, h, c, feed } = await setup('/rss');
  fake.add('Durov charged', 'x', new Date(Date.now() - 100_000));
  fake.failNext({
    status: 200,
    headers: { 'content-type': 'application/xml' },
    body: '<rss><channel><item><title>Durov</title></chan',
  });
  assert.equal((await c.collect(feed)).error, 'malformed_page');
  fake.failNext({ status: 503, body: 'busy', headers: { 'content-type': 'text/plain' } });
  assert.equal((await c.collect(feed)).error, 'http_5xx');
  fake.failNext({ status: 429, headers: { 'retry-after': '60' }, body: '' });
  assert.equal((await c.collect(feed)).error, 'rate_limited');
  assert.deepEqual(
    [await h.errors('malformed_page'), await h.errors('http_5xx'), await h.errors('rate_limited')],
    [1, 1, 1],
  );
  const parsed = parseFeed(
    '<rss><channel><item><title>Durov</title><guid>a</guid></item><item><title>Durov 2</title><guid>b</guid><pubDate>Sat, 24 Aug 2024 18:00:00 GMT</pubDate></item></channel></rss>',
  );
  assert.deepEqual([parsed.items.length, parsed.malformed], [1, ['a']]);
});

test('a feed over the byte limit with no whole item before the limit is refused', async () => {
  const { fake, c, feed } = await setup('/rss', 1_000);
  for (let i = 0; i < 10; i++) fake.add(`Durov ${i}`, 'x'.repeat(200), new Date());
  assert.equal((await c.collect(feed)).error, 'too_large');
});

test('Google News search: relevance order and weeks-old items; default feeds ask when:1d; each article counted once at its pubDate', async () => {
  const { loadConfig } = await import('../shared/config.ts');
  assert.ok(
    loadConfig({}).sources.rss.feeds.every(
      (u) => u.startsWith('https://news.google.com/rss/search?') && /q=[^&]*when:1d/.test(u),
    ),
    'the default queries ask for the last day',
  );
  const fake = new FakeRss();
  const { h, c, feed } = await suite.setup(
    fake,
    (f) =>
      new RssSource({
        feeds: [`${f.url}/rss/search?q=Durov+when:1d`],
        pollEveryMs: 60_000,
        maxAgeMs: 48 * 3_600_000,
        http: { timeoutMs: 2_000, maxBytes: 500_000, userAgent: 't' },
      }),
  );
  fake.clock = () => h.now;
  const day = 86_400_000;
  for (let i = 0; i < 30; i++)
    fake.add(`Durov story ${i}`, 'x', new Date(h.now - (i % 3 === 0 ? 20 * day : 0) - i * 600_000)); // some weeks old
  const fresh = fake.items.filter((i) => i.date.getTime() >= h.now - day);
  const first = await c.collect(feed);
  assert.equal(first.enqueued, fresh.length, 'only the last day: weeks-old relevant items are not in a when:1d answer');
  const posts = await h.queuedPosts();
  assert.deepEqual(
    posts.map((p) => Date.parse(p.createdAt)).sort(),
    fresh.map((i) => Math.floor(i.date.getTime() / 1000) * 1000).sort(),
    'counted at their pubDate',
  );
  h.now += 3_600_000;
  assert.equal((await c.collect(feed)).enqueued, 0, 'a second read of the same relevance-ordered feed adds nothing');
  // Without when:1d the same search reaches weeks back; those items are still not counted (older than the max age).
  const wideSource = new RssSource({
    feeds: [`${fake.url}/rss/search?q=Durov`],
    pollEveryMs: 60_000,
    maxAgeMs: 48 * 3_600_000,
    http: { timeoutMs: 2_000, maxBytes: 500_000, userAgent: 't' },
  });
  const out = await h.collector(wideSource).collect(wideSource.feeds[0]!.id);
  assert.equal(out.read, fresh.length);
});
