import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseLinkHeader } from '../../workers/collect/sources/link-header.ts';
import { parseTimelinePage, statusToPost } from '../../workers/collect/sources/mastodon/parse.ts';
import { MalformedPage } from '../../workers/collect/sources/page-parsing.ts';

const status = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  created_at: '2024-08-25T10:00:00.000Z',
  uri: `https://a.social/users/x/statuses/${id}`,
  url: `https://a.social/@x/${id}`,
  content: '<p>Free <a href="#" class="mention hashtag">#<span>Durov</span></a></p>',
  spoiler_text: '',
  language: 'en',
  visibility: 'public',
  replies_count: 1,
  reblogs_count: 2,
  favourites_count: 3,
  reblog: null,
  account: { id: '9', username: 'x', acct: 'x', display_name: 'X', url: 'u' },
  ...extra,
});

test('Link header: next and prev URLs', () => {
  const links = parseLinkHeader(
    '<https://a.social/api/v1/timelines/tag/durov?max_id=113>; rel="next", <https://a.social/api/v1/timelines/tag/durov?min_id=114>; rel="prev"',
  );
  assert.equal(links.next, 'https://a.social/api/v1/timelines/tag/durov?max_id=113');
  assert.equal(links.prev, 'https://a.social/api/v1/timelines/tag/durov?min_id=114');
  assert.deepEqual(parseLinkHeader(null), {});
});

test('a page: good statuses kept, a bad item reported but still moves the cursor, ids compared as numbers', () => {
  const page = parseTimelinePage(
    JSON.stringify([
      status('1000000000000000010'),
      { id: '1000000000000000099', content: 42 },
      status('999999999999999999'),
    ]),
  );
  assert.equal(page.statuses.length, 2);
  assert.deepEqual(page.malformed, ['1000000000000000099']);
  assert.equal(page.newestId, '1000000000000000099');
  assert.equal(page.oldestId, '999999999999999999');
});

test('a page that is not a JSON array is refused whole', () => {
  assert.throws(() => parseTimelinePage('<html>502 Bad Gateway</html>'), MalformedPage);
  assert.throws(() => parseTimelinePage('{"error":"x"}'), MalformedPage);
});

test('a status becomes a Post: plain text, federated id, qualified pseudonymous author, counts', () => {
  const [s] = parseTimelinePage(JSON.stringify([status('5')])).statuses;
  const post = statusToPost(s!, 'a.social', 'key');
  assert.equal(post.text, 'Free #Durov');
  assert.equal(post.id, 'https://a.social/users/x/statuses/5');
  assert.equal(post.lang, 'en');
  assert.deepEqual(post.engagement, { likes: 3, reposts: 2, replies: 1 });
  const sameFromElsewhere = statusToPost(
    parseTimelinePage(JSON.stringify([status('77', { uri: s!.uri, account: { acct: 'x@a.social' } })])).statuses[0]!,
    'b.social',
    'key',
  );
  assert.equal(sameFromElsewhere.author, post.author, 'one author, whichever instance we read them from');
  assert.equal(sameFromElsewhere.id, post.id, 'one post, whichever instance we read it from');
});

test('a boost counts as the boosted status', () => {
  const boosted = status('6', {
    uri: 'https://b.social/users/y/statuses/1',
    content: '<p>Свободу Дурову</p>',
    language: 'ru',
  });
  const [s] = parseTimelinePage(JSON.stringify([status('7', { content: '', reblog: boosted })])).statuses;
  const post = statusToPost(s!, 'a.social', 'key');
  assert.equal(post.id, 'https://b.social/users/y/statuses/1');
  assert.equal(post.text, 'Свободу Дурову');
  assert.equal(post.lang, 'ru');
});
