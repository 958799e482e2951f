import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BodyCache } from '../../api/body-cache.ts';

const text = async (p: Promise<{ body: Buffer }>) => (await p).body.toString();

test('concurrent requests for one query and data version share one computation', async () => {
  const cache = new BodyCache();
  let runs = 0;
  const compute = async () => {
    runs++;
    await new Promise((r) => setTimeout(r, 20));
    return { n: runs };
  };
  const bodies = await Promise.all(Array.from({ length: 10 }, () => text(cache.get('q', '7', compute))));
  assert.equal(runs, 1);
  assert.ok(bodies.every((b) => b === '{"n":1}'));
  assert.equal(await text(cache.get('q', '8', compute)), '{"n":2}', 'a new data version computes again');
  assert.equal(await text(cache.get('other', '8', compute)), '{"n":3}', 'another query is its own entry');
  assert.equal(runs, 3);
});

test('a failed computation is not remembered, and the cache holds at most its limit', async () => {
  const cache = new BodyCache(2);
  await assert.rejects(
    cache.get('q', '1', async () => Promise.reject(new Error('redis down'))),
    /redis down/,
  );
  assert.equal(await text(cache.get('q', '1', async () => ({ ok: true }))), '{"ok":true}');
  let runs = 0;
  const compute = async () => ++runs;
  await cache.get('a', '1', compute);
  await cache.get('b', '1', compute);
  await cache.get('q', '1', compute); // evicted by a and b
  assert.equal(runs, 3);
  await cache.get('b', '1', compute);
  assert.equal(runs, 3, 'b is still held');
});

test('with a refresh floor, a newer version is computed once in the background while the old body is served', async () => {
  let clock = 0;
  const cache = new BodyCache(10, 1_000, () => clock);
  let runs = 0;
  let release: () => void = () => {};
  const compute = async () => {
    runs++;
    if (runs > 1) await new Promise<void>((r) => (release = r));
    return { n: runs };
  };
  assert.deepEqual(await cache.get('q', '1', compute), { version: '1', body: Buffer.from('{"n":1}') });
  // Within the floor: versions 2 and 3 get the body of version 1, and nothing is computed.
  clock = 500;
  assert.equal((await cache.get('q', '2', compute)).version, '1');
  assert.equal(runs, 1);
  // Past the floor: one refresh starts; requests meanwhile still get version 1 without waiting for it.
  clock = 1_000;
  const during = await Promise.all([cache.get('q', '3', compute), cache.get('q', '3', compute)]);
  assert.deepEqual(
    during.map((d) => d.version),
    ['1', '1'],
  );
  assert.equal(runs, 2, 'one refresh for both requests');
  release();
  await new Promise((r) => setImmediate(r));
  const after = await cache.get('q', '3', compute);
  assert.deepEqual(after, { version: '3', body: Buffer.from('{"n":2}') });
  assert.equal(runs, 2);
});

test('with a refresh floor, a failed refresh keeps the old body and is tried again after the floor', async () => {
  let clock = 0;
  const cache = new BodyCache(10, 1_000, () => clock);
  await cache.get('q', '1', async () => ({ v: 1 }));
  clock = 2_000;
  let fails = 0;
  const failing = async () => {
    fails++;
    throw new Error('redis down');
  };
  assert.equal((await cache.get('q', '2', failing)).version, '1');
  await new Promise((r) => setImmediate(r));
  assert.equal((await cache.get('q', '2', failing)).version, '1', 'still served after the failed refresh');
  assert.equal(fails, 2, 'the entry was not refreshed by the failure, so the next request past the floor retries');
  await new Promise((r) => setImmediate(r));
  assert.equal(await text(cache.get('q', '2', async () => ({ v: 2 }))), '{"v":1}');
  await new Promise((r) => setImmediate(r));
  assert.equal(await text(cache.get('q', '2', async () => ({ v: 3 }))), '{"v":2}');
});
