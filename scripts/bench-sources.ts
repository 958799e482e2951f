import { createRedis } from '../shared/redis.ts';
import { BlueskySource } from '../workers/collect/sources/bluesky/source.ts';
import { HackerNewsSource } from '../workers/collect/sources/hackernews/source.ts';
import { MastodonSource } from '../workers/collect/sources/mastodon/source.ts';
import { RedditSource } from '../workers/collect/sources/reddit/source.ts';
import { RssSource } from '../workers/collect/sources/rss/source.ts';
import type { Source } from '../workers/collect/sources/source.ts';
import { TelegramSource } from '../workers/collect/sources/telegram/source.ts';
import { FakeBluesky } from '../dev/fakes/fake-bluesky.ts';
import { FakeHackerNews } from '../dev/fakes/fake-hackernews.ts';
import { FakeMastodon } from '../dev/fakes/fake-mastodon.ts';
import { FakeReddit } from '../dev/fakes/fake-reddit.ts';
import { FakeRss } from '../dev/fakes/fake-rss.ts';
import { FakeTelegram } from '../dev/fakes/fake-telegram.ts';
import { CollectorHarness } from '../dev/collector-harness.ts';

/**
 * `npm run bench:sources`: posts/s through the collector (fetch, parse, relevance, de-dup, enqueue in
 * batches) for each source against its local fake, N posts each (POSTS, default 2000). The fakes run in
 * this process and share its CPU, so the figures are a floor. Reddit is also shown at its real request
 * spacing (OAuth: 0.6 s a request), which bounds it whatever the machine.
 */
const N = Number(process.env.POSTS ?? 2_000);
const redis = createRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', 'bench-sources');
const http = { timeoutMs: 10_000, maxBytes: 50_000_000, userAgent: 'bench' };
const ago = (i: number) => new Date(Date.now() - 3_600_000 + Math.floor((i / N) * 3_000_000));
const text = (i: number) => `Durov case post ${i}: free speech or accountability for Telegram?`;
log('posts', N);

/** `startCursor`: a cursor to begin from, for sources whose first poll reads only the newest page. */
async function measure(
  name: string,
  source: Source,
  fakeStop: () => Promise<void>,
  expected = N,
  startCursor?: string,
): Promise<void> {
  const h = new CollectorHarness(redis, `bench-src-${name.replace(/\W+/g, '_')}-${Date.now()}`);
  if (startCursor) for (const feed of source.feeds) await redis.set(h.keys.cursor(feed.id), startCursor);
  const c = h.collector(source);
  const t0 = performance.now();
  let enqueued = 0;
  for (let round = 0; round < 50 && enqueued < expected; round++) {
    for (const feed of source.feeds) enqueued += (await c.collect(feed.id)).enqueued;
  }
  const s = (performance.now() - t0) / 1000;
  log(name, `${enqueued} posts in ${s.toFixed(2)} s = ${Math.round(enqueued / s)} posts/s`);
  await h.queue.obliterate({ force: true });
  await h.close();
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${h.keys.bullPrefix.split(':')[0]}:*`, 'COUNT', 1_000);
    if (keys.length) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
  await fakeStop();
}

function log(k: string, v: unknown) {
  console.log(`${k.padEnd(22)} ${v}`);
}

{
  const f = await new FakeMastodon().start();
  for (let i = 0; i < N; i++) f.post('durov', { content: `<p>${text(i)}</p>` }, ago(i));
  await measure(
    'mastodon',
    new MastodonSource({
      instances: [f.url],
      tags: ['durov'],
      pollEveryMs: 1,
      pageLimit: 40,
      maxPagesPerPoll: 100,
      initialPages: Math.ceil(N / 40) + 1,
      http,
    }),
    () => f.stop(),
  );
}
{
  const f = await new FakeBluesky().start();
  for (let i = 0; i < N; i++) f.add(text(i), ago(i));
  await measure(
    'bluesky',
    new BlueskySource({
      serviceUrl: f.url,
      handle: f.handle,
      appPassword: f.password,
      queries: ['durov'],
      pollEveryMs: 1,
      maxPagesPerPoll: 100,
      initialLookbackMs: 7_200_000,
      http,
    }),
    () => f.stop(),
  );
}
{
  const f = await new FakeHackerNews().start();
  for (let i = 0; i < N; i++) f.add('comment', text(i), Math.floor(ago(i).getTime() / 1000));
  await measure(
    'hackernews',
    new HackerNewsSource({
      baseUrl: f.url,
      queries: ['durov'],
      pollEveryMs: 1,
      hitsPerPage: 100,
      maxPagesPerPoll: 100,
      initialLookbackMs: 7_200_000,
      http,
    }),
    () => f.stop(),
  );
}
// Reddit listings end near 1,000 items.
for (const spacing of [1, undefined]) {
  const f = await new FakeReddit().start();
  for (let i = 0; i < 1_000; i++) f.addLink('worldnews', text(i), '', Math.floor(ago(i).getTime() / 1000));
  const source = new RedditSource({
    publicUrl: f.url,
    oauthUrl: f.url,
    authUrl: f.url,
    clientId: f.clientId,
    clientSecret: f.clientSecret,
    userAgent: 'server:stancewatch:0.1 (by /u/stancewatch)',
    queries: ['durov'],
    subreddits: [],
    pollEveryMs: 1,
    maxPagesPerPoll: 10,
    http,
    ...(spacing ? { spacingMs: spacing } : {}),
  });
  await measure(
    spacing ? 'reddit (no spacing)' : 'reddit (OAuth spacing)',
    source,
    () => f.stop(),
    1_000,
    String(Math.floor(ago(0).getTime() / 1000) - 1),
  );
}
{
  const f = await new FakeTelegram().start();
  for (let i = 0; i < N; i++) f.add('durov_news', text(i), ago(i));
  const source = new TelegramSource({
    baseUrl: f.url,
    channels: ['durov_news'],
    pollEveryMs: 1,
    maxPagesPerPoll: 1_000,
    http,
  });
  // The first poll reads only the newest page; walking forward from an early cursor reads the rest.
  await measure('telegram', source, () => f.stop(), N, '100');
}
{
  const f = await new FakeRss().start();
  for (let i = 0; i < N; i++) f.add(text(i), 'summary', ago(i));
  await measure('rss', new RssSource({ feeds: [`${f.url}/rss`], pollEveryMs: 1, http }), () => f.stop());
}
await redis.quit();
