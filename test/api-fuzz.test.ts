import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type { Redis } from 'ioredis';
import { createApp } from '../api/app.ts';
import { listen } from '../api/server.ts';
import { closeFuzzAgent, fuzzApi, operations, seedForFuzz, send } from '../dev/api-fuzz.ts';
import { createKeys } from '../shared/keys.ts';
import { createLogger } from '../shared/logger.ts';
import { createMetrics } from '../shared/metrics.ts';
import { createRedis } from '../shared/redis.ts';
import { startRedis, type TestRedis } from '../dev/redis-server.ts';

/**
 * Property-based fuzzing of every operation in the OpenAPI document over real HTTP and real Redis: no 5xx,
 * every 4xx as problem+json. `npm run fuzz -- --runs 10000` is the long run.
 */
let server: TestRedis;
let redis: Redis;
let http: Server;
let base = '';

before(async () => {
  server = await startRedis();
  redis = createRedis(server.url);
  const keys = createKeys('fuzz');
  await seedForFuzz(redis, keys);
  const app = createApp({
    redis,
    keys,
    metrics: createMetrics(),
    log: createLogger('silent'),
    limits: { maxBuckets: 1_500 },
  });
  http = await listen(app, 0, '127.0.0.1');
  base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
});

after(async () => {
  closeFuzzAgent();
  http.closeAllConnections();
  await new Promise((r) => http.close(r));
  await redis.quit();
  await server.stop();
});

test('the fuzzer covers every operation the OpenAPI document lists', () => {
  const ops = operations().map((o) => `${o.method} ${o.path}`);
  assert.ok(ops.includes('GET /api/v1/posts') && ops.includes('GET /api/v1/alerts/{id}'));
  assert.ok(ops.length >= 9, `${ops.length} operations`);
});

test('the reported crashes are 4xx problem details now', async () => {
  for (const target of [
    '/api/v1/alerts/%E0%A4%A',
    '/api/v1/alerts/%zz',
    '/api/v1/posts?limit=1&limit=2',
    '/api/v1/trends?from=%E0%A4%A',
    `/api/v1/posts?cursor=${'A'.repeat(20_000)}`,
  ]) {
    const a = await send(base, { method: 'GET', target, headers: {}, operation: 'fixed' });
    assert.ok(a.status >= 400 && a.status < 500, `${target.slice(0, 60)} → ${a.status}`);
    assert.match(a.contentType, /^application\/problem\+json/, target.slice(0, 60));
    assert.equal(JSON.parse(a.body).status, a.status);
  }
});

test('fast-check: 600 generated requests over every operation, 0 answers 5xx, every 4xx problem+json', async () => {
  const f = await fuzzApi(base, 600);
  console.log(`fuzz: ${f.requests} requests in ${f.seconds.toFixed(1)} s; by status ${JSON.stringify(f.byStatus)}`);
  assert.deepEqual(f.violations, []);
  assert.equal(f.requests, 600);
  assert.equal(Object.keys(f.byOperation).length, operations().length, 'every operation was exercised');
  assert.ok(
    Object.keys(f.byStatus).some((s) => s.startsWith('4')) && f.byStatus['200']! > 0,
    'both accepted and rejected requests were generated',
  );
});
