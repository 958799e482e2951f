import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pageSizeAt } from '../../workers/collect/sources/hackernews/source.ts';
import { OversizedStatuses, oversizedStatusId } from '../../workers/collect/sources/mastodon/source.ts';
import { PageSize, prefixField } from '../../workers/collect/sources/oversized.ts';

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
