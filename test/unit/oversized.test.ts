import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pageSizeAt } from '../../workers/collect/sources/hackernews/source.ts';
import { OversizedStatuses, oversizedStatusId } from '../../workers/collect/sources/mastodon/source.ts';
import { PageSize, prefixField } from '../../workers/collect/sources/oversized.ts';
import { closeCutFeed, parseFeed } from '../../workers/collect/sources/rss/parse.ts';
import { parseChannelPage, wholePart } from '../../workers/collect/sources/telegram/parse.ts';

/** The pure parts of stepping past oversized pages and items. */

test('page size: halved down to one, doubled back up to the normal size; budgets are spent in normal pages', () => {
  const size = new PageSize(40);
  const seen = [size.current];
  for (let i = 0; i < 6; i++) {
    size.shrink();
    seen.push(size.current);
  }
  assert.deepEqual(seen, [40, 20, 10, 5, 2, 1, 1]);
  size.shrink(25);
  assert.equal(size.current, 12, 'halves the size actually asked for');
  for (let i = 0; i < 3; i++) size.grow();
  assert.equal(size.current, 40);
  assert.equal(size.cost(10), 0.25);
});

test('a field at the start of a cut JSON body: its string value, null, or not there', () => {
  const cut =
    '{"kind": "Listing", "data": {"after": "t3_1abc", "dist": 1, "children": [{"kind": "t3", "data": {"selftext": "xxxx';
  assert.equal(prefixField(cut, 'after'), 't3_1abc');
  assert.equal(prefixField('{"data": {"after": null, "children": [', 'after'), null);
  assert.equal(prefixField(cut, 'name'), undefined);
  assert.equal(prefixField('{"after": "t3_', 'after'), undefined, 'a value cut in half is not a value');
});

test('Hacker News pages start where the last one ended: the largest size that divides the position', () => {
  assert.deepEqual(
    [pageSizeAt(0, 100), pageSizeAt(25, 50), pageSizeAt(36, 50), pageSizeAt(91, 6), pageSizeAt(7, 1)],
    [100, 25, 36, 1, 1],
  );
});

test('Mastodon: the oversized status is named by the Link header, or by the first bytes (search: after "statuses")', () => {
  const link = new Headers({
    link: '<https://a.social/api/v1/timelines/tag/durov?limit=1&max_id=113>; rel="next", <https://a.social/api/v1/timelines/tag/durov?limit=1&min_id=113>; rel="prev"',
  });
  assert.equal(oversizedStatusId({ headers: link, body: '' }, false), '113');
  assert.equal(oversizedStatusId({ headers: new Headers(), body: '[{"id":"114","created_at":"2024-' }, false), '114');
  const search = '{"accounts":[{"id":"9","username":"x"}],"statuses":[{"id":"115","created_at":"2024-08-25T';
  assert.equal(oversizedStatusId({ headers: new Headers(), body: search }, true), '115', 'not the account id');
  assert.equal(oversizedStatusId({ headers: new Headers(), body: '[{"content":"<p>xxx' }, false), undefined);
});

test('Mastodon: remembered oversized statuses bound the next requests from above and below', () => {
  const known = new OversizedStatuses();
  for (const id of ['300', '100', '200']) known.add('feed', id);
  assert.equal(known.above('feed', '150'), '200');
  assert.equal(known.above('feed', '300'), undefined);
  assert.equal(known.below('feed', '250', undefined), '200');
  assert.equal(known.below('feed', undefined, undefined), '300');
  assert.equal(known.below('feed', '250', '200'), undefined, 'the floor is exclusive');
  assert.equal(known.above('other', '0'), undefined, 'per feed');
});

test('RSS: a document cut at the limit is closed after its last whole item, and parses', () => {
  const items = (n: number) =>
    Array.from(
      { length: n },
      (_, i) =>
        `<item><title>Durov ${i}</title><guid>g${i}</guid><pubDate>Sat, 24 Aug 2024 18:00:00 GMT</pubDate></item>`,
    ).join('');
  const rss = `<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>${items(3)}<item><title>Durov cut`;
  assert.deepEqual(
    parseFeed(closeCutFeed(rss)!).items.map((i) => i.title),
    ['Durov 0', 'Durov 1', 'Durov 2'],
  );
  const atom =
    '<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>a</id><title>Durov</title><published>2024-08-24T18:00:00Z</published></entry><entry><id>b</id><title>Du';
  assert.equal(parseFeed(closeCutFeed(atom)!).items.length, 1);
  assert.equal(closeCutFeed('<rss><channel><item><title>only a start'), null);
});

test('Telegram: of a page cut at the limit, the messages before the last one started are whole', () => {
  const message = (id: number, text: string) =>
    `<div class="tgme_widget_message_wrap js-widget_message_wrap"><div class="tgme_widget_message js-widget_message" data-post="durov/${id}"><div class="tgme_widget_message_text">${text}</div><a class="tgme_widget_message_date" href="x"><time datetime="2024-08-25T10:00:00+00:00"></time></a></div></div>`;
  const html = `<html><body><div class="tgme_channel_info"></div><section class="tgme_channel_history">${message(5, 'Durov a')}${message(6, 'Durov b')}${message(7, 'Durov c')}`;
  const cut = html + message(8, 'Durov d').slice(0, 150);
  const { page, cutAt } = wholePart(parseChannelPage(cut, 'durov'), cut, 'durov');
  assert.equal(cutAt, 8);
  assert.deepEqual(
    page.messages.map((m) => m.id),
    [5, 6, 7],
  );
  assert.deepEqual([page.minId, page.maxId], [5, 7]);
  const alone = `<html><body><div class="tgme_channel_info"></div>${message(9, 'x'.repeat(500)).slice(0, 200)}`;
  const only = wholePart(parseChannelPage(alone, 'durov'), alone, 'durov');
  assert.deepEqual([only.cutAt, only.page.maxId, only.page.messages.length], [9, null, 0]);
});
