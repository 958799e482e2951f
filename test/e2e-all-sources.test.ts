import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { FakeBluesky } from '../dev/fakes/fake-bluesky.ts';
import { FakeHackerNews } from '../dev/fakes/fake-hackernews.ts';
import { FakeMastodon } from '../dev/fakes/fake-mastodon.ts';
import { FakeReddit } from '../dev/fakes/fake-reddit.ts';
import { FakeRss } from '../dev/fakes/fake-rss.ts';
import { FakeTelegram } from '../dev/fakes/fake-telegram.ts';
import { drain, getJson, startStack, type TestStack, waitForCounted } from './helpers/pipeline.ts';
import { startRedis, type TestRedis } from '../dev/redis-server.ts';

/**
 * All six sources in one workers process, each against a fake speaking its wire format. The trends API
 * must show exactly the per-source volumes the fakes imply, and a text cross-posted to two platforms is
 * counted for both but scored once.
 */
let redis: TestRedis;
let stack: TestStack;
const mastodon = new FakeMastodon();
const bluesky = new FakeBluesky();
const hn = new FakeHackerNews();
const reddit = new FakeReddit();
const telegram = new FakeTelegram();
const rss = new FakeRss();
const CROSS_POST = 'Free Durov: encryption is not a crime';
const EXPECTED = { mastodon: 3, bluesky: 2, hackernews: 2, reddit: 2, telegram: 3, rss: 2 };

before(async () => {
  redis = await startRedis();
  await Promise.all([mastodon, bluesky, hn, reddit, telegram, rss].map((f) => f.start()));
  const ago = (min: number) => new Date(Date.now() - min * 60_000);
  // Mastodon: 3 about the case (one of them the cross-post), 1 not.
  mastodon.post('durov', { content: `<p>${CROSS_POST}</p>` }, ago(30));
  mastodon.post('durov', { content: '<p>Telegram must be held accountable, Durov knew</p>' }, ago(29));
  mastodon.post('durov', { content: '<p>Свободу Дурову!</p>', language: 'ru' }, ago(28));
  mastodon.post('durov', { content: '<p>My cat is asleep</p>' }, ago(27));
  // Bluesky: 2 (the search is for "durov").
  bluesky.add('Durov arrested at Le Bourget, reports say', ago(40));
  bluesky.add('I stand with Durov', ago(35));
  // Hacker News: a story and a comment.
  hn.add('story', 'Discussion thread', Math.floor(ago(50).getTime() / 1000));
  hn.add('comment', 'Durov refused to cooperate with police for years', Math.floor(ago(45).getTime() / 1000));
  // Reddit: a post found by search and a comment in r/Telegram; one off-topic comment.
  reddit.addLink(
    'worldnews',
    'Telegram founder Pavel Durov detained in France',
    '',
    Math.floor(ago(20).getTime() / 1000),
  );
  reddit.addComment('Telegram', 'Durov did nothing wrong', Math.floor(ago(19).getTime() / 1000));
  reddit.addComment('Telegram', 'How do I change my sticker pack?', Math.floor(ago(18).getTime() / 1000));
  // Telegram: 3 messages about the case (one is the cross-post), 1 service message.
  telegram.add('durov_news', 'Павел Дуров задержан во Франции', ago(25));
  telegram.add('durov_news', CROSS_POST, ago(24));
  telegram.add('durov_news', 'Pinned message', ago(23), { service: true });
  telegram.add('durov_news', 'Адвокат Дурова прокомментировал обвинения', ago(22));
  // RSS: 2 news items about the case, 1 not.
  rss.add('Durov placed under formal investigation', 'Paris judge', ago(60), 'Le Monde');
  rss.add('Durov released on bail', 'Five million euros', ago(55), 'AFP');
  rss.add('Stock markets close higher', 'Markets', ago(50), 'Reuters');

  stack = await startStack({
    REDIS_URL: redis.url,
    SOURCES: 'mastodon,bluesky,hackernews,reddit,telegram,rss',
    MASTODON_INSTANCES: mastodon.url,
    MASTODON_TAGS: 'durov',
    BLUESKY_SERVICE_URL: bluesky.url,
    BLUESKY_HANDLE: bluesky.handle,
    BLUESKY_APP_PASSWORD: bluesky.password,
    BLUESKY_QUERIES: 'durov',
    HN_BASE_URL: hn.url,
    REDDIT_PUBLIC_URL: reddit.url,
    REDDIT_OAUTH_URL: reddit.url,
    REDDIT_AUTH_URL: reddit.url,
    REDDIT_CLIENT_ID: reddit.clientId,
    REDDIT_CLIENT_SECRET: reddit.clientSecret,
    TELEGRAM_BASE_URL: telegram.url,
    TELEGRAM_CHANNELS: 'durov_news',
    RSS_FEEDS: `${rss.url}/rss`,
  });
});

after(async () => {
  await stack?.stop();
  await Promise.all([mastodon, bluesky, hn, reddit, telegram, rss].map((f) => f.stop()));
  await redis?.stop();
});

test('six sources, one workers process: the trends show exactly the per-source volumes the fakes imply', async () => {
  const total = Object.values(EXPECTED).reduce((a, b) => a + b, 0);
  await waitForCounted(stack, total);
  await drain(stack);
  for (const [source, expected] of Object.entries(EXPECTED)) {
    const { body } = await getJson<{ buckets: Array<{ total: number }> }>(
      `${stack.api}/api/v1/trends?interval=1h&source=${source}`,
    );
    assert.equal(
      body.buckets.reduce((a, b) => a + b.total, 0),
      expected,
      source,
    );
  }
  const all = await getJson<{ current: { total: number } }>(`${stack.api}/api/v1/summary?window=24h`);
  assert.equal(all.body.current.total, total);
});

test('the cross-post counts for both sources; the built-in scorer scores it again rather than look it up', async () => {
  // The score cache is for model scorers (test/score-cache.test.ts); an in-process scorer never touches it.
  assert.deepEqual(
    (await stack.metrics.scoreCache.get()).values.map((v) => [v.labels.result, v.value]),
    [
      ['hit', 0],
      ['miss', 0],
    ],
  );
  const { body } = await getJson<{ posts: Array<{ source: string; text: string }> }>(
    `${stack.api}/api/v1/posts?limit=50`,
  );
  assert.deepEqual(
    body.posts
      .filter((p) => p.text === CROSS_POST)
      .map((p) => p.source)
      .sort(),
    ['mastodon', 'telegram'],
  );
});

test('/readyz shows every feed healthy', async () => {
  const { status, body } = await getJson<{
    sources: Record<string, { lastSuccess: string | null; lastError: unknown }>;
  }>(`${stack.api}/readyz`);
  assert.equal(status, 200);
  const feeds = Object.keys(body.sources);
  for (const s of ['mastodon', 'bluesky', 'hackernews', 'reddit-search', 'reddit-comments', 'telegram', 'rss'])
    assert.ok(
      feeds.some((f) => f.startsWith(s)),
      `${s} reports`,
    );
  assert.ok(
    Object.values(body.sources).every((s) => s.lastSuccess !== null),
    JSON.stringify(body.sources),
  );
  const text = await (await fetch(`${stack.api}/metrics`)).text();
  for (const s of Object.keys(EXPECTED))
    assert.match(text, new RegExp(`stancewatch_source_last_success_timestamp_seconds\\{source="${s}"\\} \\d`));
});
