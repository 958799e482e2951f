import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeMastodon } from '../dev/fakes/fake-mastodon.ts';
import { MastodonSource, type MastodonOptions } from '../workers/collect/sources/mastodon/source.ts';
import { sourceSuite } from './helpers/source-suite.ts';

/**
 * Mastodon as it really behaves across federation: remote statuses get ids from their created_at and
 * arrive late (below the cursor), search answers the newest 40 after a time filter, and 4.5 instances can
 * require a token for hashtag feeds. Against the fake Mastodon, through the real collector.
 */
const suite = sourceSuite('mf');
const MIN = 60_000;

function setup(o: Partial<MastodonOptions> = {}) {
  const fake = new FakeMastodon();
  return suite.setup(
    fake,
    (f) =>
      new MastodonSource({
        instances: [f.url],
        tags: ['durov'],
        pollEveryMs: MIN,
        pageLimit: 40,
        maxPagesPerPoll: 5,
        initialPages: 1,
        http: { timeoutMs: 2_000, maxBytes: 2_000_000, userAgent: 't' },
        lateWindowMs: 15 * MIN,
        ...o,
      }),
  );
}

/** A small seeded generator, so the delays are the same on every run. */
function lcg(seed: number) {
  let x = seed;
  return () => (x = (x * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
}

async function federate(o: Partial<MastodonOptions>, seed: number) {
  const s = await setup(o);
  const { fake, h, c, feed } = s;
  fake.clock = () => h.now;
  const t0 = h.now;
  const rand = lcg(seed);
  const expected = new Set<string>();
  fake.post('durov', { content: '<p>Durov before we started</p>' });
  // 30 minutes of traffic: each minute two local posts, and three remote ones created then but delivered
  // 0 to 15 minutes later (ids from created_at: late ones sit below ids already read).
  for (let m = 0; m < 30; m++) {
    for (let k = 0; k < 3; k++) {
      const createdAt = t0 + m * MIN + k * 7_000;
      const delay = Math.floor(rand() * 15 * MIN);
      const st = fake.post(
        'durov',
        { content: `<p>Remote Durov post ${m}-${k} (late ${Math.round(delay / 1000)} s)</p>` },
        new Date(createdAt),
        { remote: true, deliverAt: createdAt + delay },
      );
      expected.add(st.uri);
    }
  }
  const outcomes = [];
  outcomes.push(await c.collect(feed)); // the first poll (newest page)
  for (let m = 0; m < 30 + 17; m++) {
    h.now += MIN;
    if (m < 30)
      for (let k = 0; k < 2; k++)
        expected.add(fake.post('durov', { content: `<p>Local Durov post ${m}-${k}</p>` }).uri);
    outcomes.push(await c.collect(feed));
  }
  const posts = await h.queuedPosts();
  const ids = posts.map((p) => p.id);
  return { posts, ids, expected, outcomes };
}

test('statuses federated in up to the late window late are all counted, exactly once', async () => {
  const { ids, expected, outcomes } = await federate({}, 42);
  assert.equal(expected.size, 30 * 5);
  assert.equal(new Set(ids).size, ids.length, 'none counted twice');
  const got = new Set(ids);
  const lost = [...expected].filter((uri) => !got.has(uri));
  assert.deepEqual(lost, [], 'none lost');
  assert.ok(
    outcomes.some((o) => o.duplicates > 0),
    'the overlap did re-read, and the seen markers dropped the repeats',
  );
  assert.ok(
    outcomes.every((o) => !o.error),
    JSON.stringify(outcomes.find((o) => o.error)),
  );
});

test('the fake reproduces the problem: without an overlap (late window 0), late posts are lost', async () => {
  const { ids, expected } = await federate({ lateWindowMs: 0, pollEveryMs: 1 }, 42);
  const got = new Set(ids);
  const lost = [...expected].filter((uri) => !got.has(uri));
  assert.ok(lost.length > 5, `${lost.length} lost`);
  assert.equal(new Set(ids).size, ids.length);
});

test('search: a burst of more than 40 between polls is read whole by paging back with max_id; late remote posts too', async () => {
  const { fake, h, source } = await setup({ accessToken: 'user-token', searchTerms: ['Durov'], tags: ['unused'] });
  fake.clock = () => h.now;
  fake.tokens.add('user-token');
  const c = h.collector(source);
  const search = source.feeds.find((f) => f.id.includes('-search-'))!.id;
  fake.post('untagged', { content: '<p>Durov first</p>' });
  assert.equal((await c.collect(search)).enqueued, 1);
  h.now += MIN;
  for (let i = 0; i < 130; i++) {
    h.now += 300;
    fake.post('untagged', { content: `<p>Durov burst ${i}</p>` });
  }
  // A remote post created five minutes ago, delivered now: below the cursor's time.
  fake.post('untagged', { content: '<p>Durov from afar</p>' }, new Date(h.now - 5 * MIN), { remote: true });
  h.now += 1_000;
  const out = await c.collect(search);
  assert.equal(out.enqueued, 131);
  const asked = fake.requests
    .filter((r) => r.url.includes('/api/v2/search'))
    .slice(1)
    .map((r) => new URL(r.url, fake.url).searchParams);
  assert.ok(
    asked.length >= 4 && asked.slice(1).every((p) => p.has('max_id') && p.has('min_id')),
    'paged back with max_id above the floor',
  );
  h.now += MIN;
  assert.equal((await c.collect(search)).enqueued, 0, 'nothing twice');
  assert.equal(new Set((await h.queuedPosts()).map((p) => p.id)).size, 132);
});

test('a 4.5 instance that requires login for hashtag feeds: 401 without the token, read with it', async () => {
  const anon = await setup();
  anon.fake.tagTimelinesAccess = 'authenticated';
  anon.fake.post('durov', { content: '<p>Durov</p>' });
  assert.equal((await anon.c.collect(anon.feed)).error, 'http_4xx');
  const withToken = await setup({ accessToken: 'tok' });
  withToken.fake.tagTimelinesAccess = 'authenticated';
  withToken.fake.tokens.add('tok');
  withToken.fake.post('durov', { content: '<p>Durov</p>' });
  assert.equal((await withToken.c.collect(withToken.feed)).enqueued, 1);
  assert.ok(withToken.fake.requests.every((r) => r.headers.authorization === 'Bearer tok'));
});
