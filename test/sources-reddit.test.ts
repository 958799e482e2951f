import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RedditSource, type RedditOptions } from '../workers/collect/sources/reddit/source.ts';
import { FakeReddit } from '../dev/fakes/fake-reddit.ts';
import { sourceSuite } from './helpers/source-suite.ts';

/** Reddit against a fake speaking its wire format (listings, OAuth, rate-limit headers), through the real collector. */
const suite = sourceSuite('rd');
const redis = () => suite.redis;

async function setup(o: Partial<RedditOptions> = {}) {
  const s = await suite.setup(
    new FakeReddit(),
    (fake) =>
      new RedditSource({
        publicUrl: fake.url,
        oauthUrl: fake.url,
        authUrl: fake.url,
        userAgent: 'server:stancewatch:0.1 (by /u/stancewatch)',
        queries: ['durov'],
        subreddits: ['Telegram'],
        pollEveryMs: 60_000,
        maxPagesPerPoll: 10,
        http: { timeoutMs: 2_000, maxBytes: 2_000_000 },
        spacingMs: 1,
        ...o,
      }),
  );
  return { ...s, search: s.source.feeds[0]!.id, comments: s.source.feeds[1]!.id };
}
const t0 = Math.floor(Date.now() / 1000) - 3_600;

test('without OAuth: the public .json endpoints, the User-Agent Reddit asks for, search and comments', async () => {
  const { fake, h, c, search, comments } = await setup();
  fake.addLink('worldnews', 'Telegram CEO Pavel Durov arrested in France', 'Thoughts?', t0);
  fake.addComment('Telegram', 'Durov should have cooperated, honestly', t0 + 10);
  fake.addComment('Telegram', 'Stickers are broken again', t0 + 20);
  assert.equal((await c.collect(search)).enqueued, 1);
  const out = await c.collect(comments);
  assert.deepEqual([out.read, out.enqueued], [2, 1]);
  assert.ok(fake.requests.every((r) => r.url.includes('.json') && r.url.includes('raw_json=1')));
  const posts = await h.queuedPosts();
  assert.ok(
    posts.some(
      (p) =>
        p.text === 'Telegram CEO Pavel Durov arrested in France\nThoughts?' &&
        p.url.startsWith('https://www.reddit.com/r/worldnews/'),
    ),
  );
});

test('later polls page back with after= until they meet what they read; the cursor resumes after a restart', async () => {
  const { fake, h, source, c, search } = await setup();
  fake.addLink('worldnews', 'Durov old', '', t0);
  await c.collect(search);
  for (let i = 0; i < 250; i++) fake.addLink('worldnews', `Durov news ${i}`, '', t0 + 100 + i);
  const out = await h.collector(source).collect(search); // a new collector: only Redis remembers
  assert.equal(out.enqueued, 250);
  assert.equal(out.pages, 3);
  assert.ok(fake.requests.some((r) => /after=t3_/.test(r.url)));
});

test('with OAuth: client credentials once, bearer token reused, a revoked token replaced', async () => {
  const { fake, c, search } = await setup({ clientId: 'cid', clientSecret: 'csecret' });
  fake.addLink('worldnews', 'Durov charged', '', t0);
  await c.collect(search);
  fake.addLink('worldnews', 'Durov on bail', '', t0 + 5);
  await c.collect(search);
  assert.equal(fake.tokensIssued, 1, 'the token is cached, not fetched per poll');
  assert.ok(
    fake.requests
      .filter((r) => r.method === 'GET')
      .every((r) => !r.url.includes('.json') && r.headers.authorization === 'Bearer tok-1'),
  );
  fake.revokeTokens();
  fake.addLink('worldnews', 'Durov leaves France', '', t0 + 9);
  assert.equal((await c.collect(search)).enqueued, 1);
  assert.equal(fake.tokensIssued, 2);
});

test('wrong client credentials are reported without the secret', async () => {
  const { h, c, search } = await setup({ clientId: 'cid', clientSecret: 'wrong-secret-123' });
  const out = await c.collect(search);
  assert.equal(out.error, 'http_4xx');
  assert.ok(!(await redis().hget(h.keys.sourceLastError, search))!.includes('wrong-secret'));
});

test('X-Ratelimit-Remaining near zero pauses the feed until the reset; 5xx and malformed listings keep the cursor', async () => {
  const { fake, h, c, search } = await setup();
  fake.remaining = 2;
  fake.addLink('worldnews', 'Durov 1', '', t0);
  await c.collect(search);
  assert.equal((await c.collect(search)).skipped, 'paused');
  h.now += 421_000;
  fake.remaining = 99;
  const cursor = await h.cursor(search);
  fake.failNext({ status: 500, body: '{"message":"Internal Server Error","error":500}' });
  assert.equal((await c.collect(search)).error, 'http_5xx');
  fake.failNext({ status: 200, body: '{"kind":"t3"}' });
  assert.equal((await c.collect(search)).error, 'malformed_page');
  assert.equal(await h.cursor(search), cursor);
});

test('two workers processes share one Reddit request budget', async () => {
  const { RedisRequestBudget } = await import('../shared/request-budget.ts');
  const fake = new FakeReddit();
  const budget = () => new RedisRequestBudget(redis(), 'rd-shared-budget', 600); // 10 a second, as two processes would see it
  const one = await suite.setup(
    fake,
    (f) =>
      new RedditSource({
        publicUrl: f.url,
        oauthUrl: f.url,
        authUrl: f.url,
        userAgent: 'server:stancewatch:0.1 (by /u/stancewatch)',
        queries: ['durov'],
        subreddits: [],
        pollEveryMs: 60_000,
        maxPagesPerPoll: 10,
        http: { timeoutMs: 2_000, maxBytes: 2_000_000 },
        budget: budget(),
      }),
  );
  const two = one.h.collector(
    new RedditSource({
      publicUrl: fake.url,
      oauthUrl: fake.url,
      authUrl: fake.url,
      userAgent: 'server:stancewatch:0.1 (by /u/stancewatch)',
      queries: ['durov'],
      subreddits: [],
      pollEveryMs: 60_000,
      maxPagesPerPoll: 10,
      http: { timeoutMs: 2_000, maxBytes: 2_000_000 },
      budget: budget(),
    }),
  );
  const requestsBefore = fake.requests.length;
  const t0 = Date.now();
  // 30 polls taking turns (one request each) at 10 requests a second with a burst of 10: at least ~2 s.
  for (let i = 0; i < 15; i++) {
    await one.c.collect(one.feed);
    await two.collect(one.feed);
  }
  assert.equal(fake.requests.length - requestsBefore, 30);
  assert.ok(Date.now() - t0 >= 1_800, `${Date.now() - t0} ms`);
});
