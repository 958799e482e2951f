import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BlueskySource, type BlueskyOptions } from '../workers/collect/sources/bluesky/source.ts';
import { FakeBluesky } from '../dev/fakes/fake-bluesky.ts';
import { sourceSuite } from './helpers/source-suite.ts';

/** Bluesky search against a fake PDS (sessions, searchPosts, offset cursors), through the real collector. */
const suite = sourceSuite('bs');
const redis = () => suite.redis;

function setup(o: Partial<BlueskyOptions> = {}) {
  const fake = new FakeBluesky();
  return suite.setup(
    fake,
    () =>
      new BlueskySource({
        serviceUrl: fake.url,
        handle: fake.handle,
        appPassword: fake.password,
        queries: ['durov'],
        pollEveryMs: 60_000,
        maxPagesPerPoll: 20,
        initialLookbackMs: 24 * 3_600_000,
        http: { timeoutMs: 2_000, maxBytes: 2_000_000, userAgent: 't' },
        ...o,
      }),
  );
}
const ago = (ms: number) => new Date(Date.now() - ms);

test('signs in once, reads record.text, langs and counts; later polls read only newer posts', async () => {
  const { fake, h, source, c, feed } = await setup({ queries: ['durov', 'дуров'] });
  fake.add('Free Durov! Encryption is not a crime', ago(3_600_000));
  fake.add('Дуров задержан во Франции', ago(1_800_000), ['ru']);
  fake.add('Durov from last week', ago(8 * 86_400_000));
  assert.equal((await c.collect(feed)).enqueued, 1);
  assert.equal((await c.collect(source.feeds[1]!.id)).enqueued, 1, 'Cyrillic queries find what Latin ones do not');
  h.now += 120_000; // the live edge trails now by a minute: a post indexed since then is read next time
  fake.add('Durov released on bail', ago(10_000));
  assert.equal((await c.collect(feed)).enqueued, 1);
  assert.equal(fake.sessionsCreated, 1, 'the session is kept, not created per poll');
  const posts = await h.queuedPosts();
  const ru = posts.find((p) => p.lang === 'ru')!;
  assert.match(ru.url, /^https:\/\/bsky\.app\/profile\/user\d\.bsky\.social\/post\/3l/);
  assert.deepEqual(ru.engagement, { likes: 3, reposts: 2, replies: 1 });
  const searches = fake.requests.filter((r) => r.url.includes('searchPosts'));
  assert.ok(searches.every((r) => r.url.includes('sort=latest') && r.url.includes('since=')));
});

test('an expired access token is refreshed with refreshSession, not a new session', async () => {
  const { fake, h, c, feed } = await setup();
  fake.add('Durov 1', ago(600_000));
  await c.collect(feed);
  fake.expireAccessTokens();
  h.now += 120_000;
  fake.add('Durov 2', ago(10_000));
  assert.equal((await c.collect(feed)).enqueued, 1);
  assert.equal(fake.sessionsCreated, 1);
  assert.ok(fake.requests.some((r) => r.url.endsWith('refreshSession')));
});

test('paging by cursor; a window that would pass the offset limit is split, so nothing is skipped; a restart resumes', async () => {
  const { fake, h, source, feed } = await setup({ cursorLimit: 200 });
  fake.cursorBreaksAt = 300;
  for (let i = 0; i < 450; i++) fake.add(`Durov post ${i}`, ago(3_000_000 - i * 1000));
  // A poll has a page budget; a dense burst may take a few polls, but every post arrives and the cursor only moves forward.
  let enqueued = 0;
  let polls = 0;
  for (; polls < 5 && enqueued < 450; polls++) enqueued += (await h.collector(source).collect(feed)).enqueued;
  assert.equal(enqueued, 450);
  assert.ok(polls <= 3, `${polls} polls`);
  assert.ok(fake.requests.filter((r) => r.url.includes('searchPosts')).every((r) => r.url.includes('until=')));
  assert.ok(!fake.requests.some((r) => /cursor=(3\d\d|[4-9]\d\d)/.test(r.url)), 'never asked past the limit');
  h.now += 120_000;
  fake.add('Durov after restart', ago(10_000));
  assert.equal((await h.collector(source).collect(feed)).enqueued, 1);
});

test('wrong credentials are reported without the password; 5xx and malformed pages keep the cursor', async () => {
  const bad = await setup({ appPassword: 'wrong-pass-999' });
  const out = await bad.c.collect(bad.feed);
  assert.equal(out.error, 'http_4xx');
  assert.ok(!(await redis().hget(bad.h.keys.sourceLastError, bad.feed))!.includes('wrong-pass'));

  const { fake, h, c, feed } = await setup();
  fake.add('Durov 1', ago(600_000));
  await c.collect(feed);
  const cursor = await h.cursor(feed);
  h.now += 120_000;
  fake.add('Durov 2', ago(10_000));
  fake.failNext({ status: 503, body: '{"error":"InternalServerError"}' });
  assert.equal((await c.collect(feed)).error, 'http_5xx');
  fake.failNext({ status: 200, body: '{"posts": 3}' });
  assert.equal((await c.collect(feed)).error, 'malformed_page');
  fake.failNext({
    status: 429,
    headers: { 'ratelimit-reset': String(Math.floor(Date.now() / 1000) + 60) },
    body: '{"error":"RateLimitExceeded"}',
  });
  assert.equal((await c.collect(feed)).error, 'rate_limited');
  assert.equal(await h.cursor(feed), cursor);
});
