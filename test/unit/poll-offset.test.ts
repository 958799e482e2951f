import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pollOffsetMs } from '../../workers/collect/poll-offset.ts';

test('feeds with one period are spread over it, each at a fixed offset', () => {
  const every = 60_000;
  const ids = Array.from({ length: 40 }, (_, i) => `mastodon:https://m${i}.example:durov`);
  const offsets = ids.map((id) => pollOffsetMs(id, every));
  assert.deepEqual(
    offsets,
    ids.map((id) => pollOffsetMs(id, every)),
    'deterministic: the same in every replica',
  );
  assert.ok(offsets.every((o) => o >= 1 && o < every));
  // Forty feeds in six 10-second slices: with a uniform spread each slice holds some, none holds most.
  const slices = new Array(6).fill(0);
  for (const o of offsets) slices[Math.floor(o / 10_000)]++;
  assert.ok(
    slices.every((n) => n >= 1 && n <= 20),
    JSON.stringify(slices),
  );
  assert.equal(new Set(offsets).size, offsets.length, 'no two feeds at the same instant');
});
