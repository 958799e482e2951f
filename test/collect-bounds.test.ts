import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeMastodon } from '../dev/fakes/fake-mastodon.ts';
import { DEFAULT_POST_MAX_CHARS } from '../shared/text/bounds.ts';
import { MastodonSource } from '../workers/collect/sources/mastodon/source.ts';
import { sourceSuite } from './helpers/source-suite.ts';

/** The real collector over a fake Mastodon: long posts are cut, unsafe links dropped, hidden characters seen through. */
const suite = sourceSuite('bounds');

test('a 400,000-character post is kept to POST_MAX_CHARS; javascript: and foreign-host links are dropped; "Du\u200Brov" is relevant', async () => {
  const { fake, h, c, feed } = await suite.setup(
    new FakeMastodon(),
    (f) =>
      new MastodonSource({
        instances: [f.url],
        tags: ['durov'],
        pollEveryMs: 60_000,
        pageLimit: 40,
        maxPagesPerPoll: 5,
        initialPages: 1,
        http: { timeoutMs: 5_000, maxBytes: 2_000_000, userAgent: 'stancewatch-test' },
      }),
  );
  const host = new URL(fake.url).host;
  fake.post('durov', { content: `<p>Durov ${'long '.repeat(80_000)}</p>` });
  fake.post('durov', { content: '<p>Durov javascript link</p>', url: 'javascript:alert(document.cookie)' });
  fake.post('durov', { content: '<p>Durov phishing link</p>', url: 'https://phish.example/@someone/1' });
  fake.post('durov', { content: '<p>Durov slack injection</p>', url: `https://${host}/@x/1|<!channel>` });
  fake.post('durov', { content: '<p>Free Du\u200Brov, says \u202Eeveryone</p>' });
  const out = await c.collect(feed);
  assert.equal(out.read, 5);
  assert.equal(out.enqueued, 5, 'every post is kept: only links are dropped, never posts');
  const posts = await h.queuedPosts();
  const long = posts.find((p) => p.text.startsWith('Durov long'))!;
  assert.equal(long.text.length, DEFAULT_POST_MAX_CHARS);
  assert.ok(long.text.endsWith('…'));
  assert.equal(posts.find((p) => p.text.includes('javascript'))!.url, '');
  assert.equal(posts.find((p) => p.text.includes('phishing'))!.url, '');
  assert.equal(
    posts.find((p) => p.text.includes('slack'))!.url,
    `https://${host}/@x/1%7C%3C!channel%3E`,
    'kept on its host, with | and < encoded',
  );
  assert.ok(posts.find((p) => p.text.startsWith('Free'))!.url.startsWith(`https://${host}/@someone/`));
  assert.equal(await h.errors('unsafe_url'), 2);
  assert.ok(await h.cursor(feed), 'the cursor moved');
});
