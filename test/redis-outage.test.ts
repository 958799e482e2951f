import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { FakeMastodon } from '../dev/fakes/fake-mastodon.ts';
import { countedTotal, drain, getJson, startStack, type TestStack } from './helpers/pipeline.ts';
import { startRedis, type TestRedis } from '../dev/redis-server.ts';

/**
 * A real redis-server (AOF, fsync always) is killed under a running API and workers, then started again.
 * While it is down: /readyz answers 503 within its timeout, /metrics answers with stancewatch_redis_up 0, the
 * API answers 503. Afterwards both recover by themselves and every post is counted exactly once, including
 * the ones published during the outage.
 */
let redis: TestRedis;
let stack: TestStack;
const mastodon = new FakeMastodon();
const COMMAND_TIMEOUT = 500;

before(async () => {
  redis = await startRedis({ aof: true });
  await mastodon.start();
  for (let i = 0; i < 5; i++)
    mastodon.post('durov', { content: `<p>Free Durov, before ${i}</p>` }, new Date(Date.now() - 600_000 + i * 1000));
  stack = await startStack({
    REDIS_URL: redis.url,
    MASTODON_INSTANCES: mastodon.url,
    MASTODON_TAGS: 'durov',
    MASTODON_POLL_SECONDS: '5',
    JOB_LOCK_SECONDS: '2',
    WORKER_HEARTBEAT_SECONDS: '1',
    REDIS_COMMAND_TIMEOUT_MS: String(COMMAND_TIMEOUT),
  });
});
after(async () => {
  await redis?.restart().catch(() => {}); // stop() needs Redis for a clean close
  await stack?.stop();
  await mastodon.stop();
  await redis?.stop();
});

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const t0 = performance.now();
  const value = await fn();
  return { value, ms: Math.round(performance.now() - t0) };
}

test('Redis down: 503 and redis_up 0 within the timeout; back up: recovery by itself, counts exact', async () => {
  for (let i = 0; (await countedTotal(stack)) < 5; i++) {
    assert.ok(i < 300, 'the first posts were not counted');
    await sleep(100);
  }
  await drain(stack);

  await redis.kill();
  const figures: Record<string, number> = {};
  for (let probe = 0; probe < 5; probe++) {
    const ready = await timed(() => getJson<{ status: string; redis: string }>(`${stack.api}/readyz`));
    assert.equal(ready.value.status, 503);
    assert.equal(ready.value.body.redis, 'unreachable');
    assert.ok(ready.ms < COMMAND_TIMEOUT * 2 + 1_000, `/readyz took ${ready.ms} ms`);
    const metrics = await timed(async () => (await fetch(`${stack.api}/metrics`)).text());
    assert.match(metrics.value, /^stancewatch_redis_up 0$/m);
    assert.ok(metrics.ms < COMMAND_TIMEOUT * 2 + 1_000, `/metrics took ${metrics.ms} ms`);
    const api = await timed(() => fetch(`${stack.api}/api/v1/summary?window=24h`));
    assert.equal(api.value.status, 503);
    assert.equal(api.value.headers.get('retry-after'), '5');
    figures.readyzMaxMs = Math.max(figures.readyzMaxMs ?? 0, ready.ms);
    figures.metricsMaxMs = Math.max(figures.metricsMaxMs ?? 0, metrics.ms);
    figures.apiMaxMs = Math.max(figures.apiMaxMs ?? 0, api.ms);
  }
  process.stderr.write(
    `redis down: slowest of 5 probes: /readyz ${figures.readyzMaxMs} ms, /metrics ${figures.metricsMaxMs} ms, API ${figures.apiMaxMs} ms (command timeout ${COMMAND_TIMEOUT} ms)\n`,
  );

  // Posts published while Redis is down are collected once it is back.
  for (let i = 0; i < 4; i++)
    mastodon.post('durov', { content: `<p>Free Durov, during ${i}</p>` }, new Date(Date.now() - 30_000 + i * 1000));
  await sleep(3_000);
  const t0 = Date.now();
  await redis.restart();
  for (let i = 0; (await getJson(`${stack.api}/readyz`)).status !== 200; i++) {
    assert.ok(i < 300, 'the API and workers did not recover by themselves');
    await sleep(100);
  }
  const readyAfter = Date.now() - t0;
  for (let i = 0; (await countedTotal(stack)) < 9; i++) {
    assert.ok(i < 400, `only ${await countedTotal(stack)} of 9 posts counted after Redis came back`);
    await sleep(100);
  }
  await drain(stack);
  await sleep(1_000);
  assert.equal(await countedTotal(stack), 9, 'every post exactly once');
  assert.match(await (await fetch(`${stack.api}/metrics`)).text(), /^stancewatch_redis_up 1$/m);
  process.stderr.write(
    `redis back: /readyz 200 after ${readyAfter} ms, all 9 posts counted after ${Date.now() - t0} ms\n`,
  );
});
