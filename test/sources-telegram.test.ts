import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseViews } from '../workers/collect/sources/telegram/parse.ts';
import { TelegramSource } from '../workers/collect/sources/telegram/source.ts';
import { FakeTelegram } from '../dev/fakes/fake-telegram.ts';
import { sourceSuite } from './helpers/source-suite.ts';

/** Telegram public channel previews against a fake t.me, through the real collector, Redis and BullMQ. */
const suite = sourceSuite('tg');
const redis = () => suite.redis;

function setup(channels = ['durov_news']) {
  return suite.setup(
    new FakeTelegram(),
    (fake) =>
      new TelegramSource({
        baseUrl: fake.url,
        channels,
        pollEveryMs: 60_000,
        maxPagesPerPoll: 10,
        http: { timeoutMs: 2_000, maxBytes: 500_000, userAgent: 'Mozilla/5.0' },
      }),
  );
}

test('views like "2.1K" and "3.4M" are numbers', () => {
  assert.deepEqual(['987', '2.1K', '3.4M', '1,5K', 'n/a', undefined].map(parseViews), [
    987,
    2100,
    3_400_000,
    1500,
    null,
    null,
  ]);
});

test('first poll reads the newest page; Russian text, views and forwards are read; service and media-only posts are skipped', async () => {
  const { fake, h, c, feed } = await setup();
  const t = Date.now() - 3_600_000;
  fake.add('durov_news', 'Старое сообщение про Дурова', new Date(t));
  fake.add(
    'durov_news',
    'Павел Дуров задержан во Франции.<br/>Подробности <a href="https://x">по ссылке</a>',
    new Date(t + 60_000),
    { views: '2.1K' },
  );
  fake.add('durov_news', null, new Date(t + 120_000));
  fake.add('durov_news', 'Channel photo updated', new Date(t + 180_000), { service: true });
  fake.add('durov_news', 'Свободу Дурову! &amp; всё', new Date(t + 240_000), { forwardedFrom: 'free_speech_ru' });
  const out = await c.collect(feed);
  assert.equal(out.read, 3);
  assert.equal(out.enqueued, 3);
  const posts = await h.queuedPosts();
  const arrested = posts.find((p) => p.text.startsWith('Павел'))!;
  assert.equal(arrested.text, 'Павел Дуров задержан во Франции.\nПодробности по ссылке');
  assert.equal(arrested.lang, 'ru');
  assert.equal(arrested.engagement.views, 2100);
  assert.equal(arrested.url, 'https://t.me/durov_news/102');
  assert.equal(await h.cursor(feed), '105');
  assert.ok(posts.some((p) => p.text === 'Свободу Дурову! & всё'));
  const ua = fake.requests[0]!.headers['user-agent'];
  assert.equal(ua, 'Mozilla/5.0');
});

test('incremental polls walk forward with after= across pages; a quiet channel adds nothing', async () => {
  const { fake, h, c, feed } = await setup();
  fake.add('durov_news', 'Дуров 0', new Date(Date.now() - 7_200_000));
  await c.collect(feed);
  for (let i = 1; i <= 45; i++)
    fake.add('durov_news', `Дуров и Telegram ${i}`, new Date(Date.now() - 3_600_000 + i * 1000));
  const out = await c.collect(feed);
  assert.equal(out.pages, 3);
  assert.equal(out.enqueued, 45);
  assert.ok(fake.requests.slice(1).every((r) => /after=\d+/.test(r.url)));
  assert.equal(
    (await c.collect(feed)).enqueued,
    0,
    'after= beyond the newest returns the newest page again: nothing is new',
  );
  assert.equal((await h.queuedPosts()).length, 46);
});

test('a restart resumes from the cursor; 429, 5xx and a non-channel page keep it', async () => {
  const { fake, h, source, feed } = await setup();
  fake.add('durov_news', 'Дуров 1', new Date(Date.now() - 600_000));
  await h.collector(source).collect(feed);
  fake.add('durov_news', 'Дуров 2', new Date(Date.now() - 500_000));
  const c = h.collector(source);
  fake.failNext({ status: 429, headers: { 'retry-after': '5' }, body: 'Too Many Requests' });
  assert.equal((await c.collect(feed)).error, 'rate_limited');
  h.now += 6_000;
  fake.failNext({ status: 502, body: '<html>Bad gateway</html>' });
  assert.equal((await c.collect(feed)).error, 'http_5xx');
  fake.failNext({
    status: 200,
    headers: { 'content-type': 'text/html' },
    body: '<html><body>Something else entirely</body></html>',
  });
  assert.equal((await c.collect(feed)).error, 'malformed_page');
  assert.equal(await h.cursor(feed), '101');
  assert.equal((await c.collect(feed)).enqueued, 1);
});

test('a channel without a public preview is reported clearly', async () => {
  const { fake, h, c, feed } = await setup(['private_chan']);
  fake.noPreview.add('private_chan');
  assert.equal((await c.collect(feed)).error, 'http_4xx');
  const lastError = JSON.parse((await redis().hget(h.keys.sourceLastError, feed))!);
  assert.equal(lastError.reason, 'http_4xx');
});

test('backfill walks back with before=, over a missing "more" link and a hole of deleted messages', async () => {
  const { fake, h, source } = await setup();
  for (let i = 1; i <= 70; i++)
    fake.add('durov_news', `Дуров старое ${i}`, new Date(Date.now() - 86_400_000 + i * 1000));
  const list = fake.channels.get('durov_news')!;
  list.splice(20, 25); // ids 121..145 deleted
  fake.dropMoreLink = true;
  const seen: string[] = [];
  const range = { sinceMs: Date.now() - 86_400_000 + 10_500, untilMs: Date.now() - 86_400_000 + 60_500 }; // messages 11..60
  for await (const page of source.backfill(source.feeds[0]!, range, {
    authorKey: 'k',
    now: () => h.now,
    reportItemError: () => {},
    reportRefusal: () => {},
  }))
    seen.push(...page.posts.map((p) => p.id));
  // 11..60 minus the deleted 21..45 (ids 121..145): 25 messages.
  assert.equal(seen.length, 25);
  assert.equal(new Set(seen).size, 25);
  assert.ok(fake.requests.some((r) => /before=\d+/.test(r.url)));
});
