import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BodyCache } from '../../api/body-cache.ts';

test('concurrent requests for one query and data version share one computation', async () => {
  const cache = new BodyCache();
  let runs = 0;
  const compute = async () => {
    runs++;
    await new Promise((r) => setTimeout(r, 20));
    return { n: runs };
  };
  const bodies = await Promise.all(Array.from({ length: 10 }, () => cache.get('q', '7', compute)));
  assert.equal(runs, 1);
  assert.ok(bodies.every((b) => b.toString() === '{"n":1}'));
  assert.equal((await cache.get('q', '8', compute)).toString(), '{"n":2}', 'a new data version computes again');
  assert.equal((await cache.get('other', '8', compute)).toString(), '{"n":3}', 'another query is its own entry');
  assert.equal(runs, 3);
});

test('a failed computation is not remembered, and the cache holds at most its limit', async () => {
  const cache = new BodyCache(2);
  await assert.rejects(
    cache.get('q', '1', async () => Promise.reject(new Error('redis down'))),
    /redis down/,
  );
  assert.equal((await cache.get('q', '1', async () => ({ ok: true }))).toString(), '{"ok":true}');
  let runs = 0;
  const compute = async () => ++runs;
  await cache.get('a', '1', compute);
  await cache.get('b', '1', compute);
  await cache.get('q', '1', compute); // evicted by a and b
  assert.equal(runs, 3);
  await cache.get('b', '1', compute);
  assert.equal(runs, 3, 'b is still held');
});
