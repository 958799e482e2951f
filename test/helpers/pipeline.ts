import { setTimeout as sleep } from 'node:timers/promises';
import { appOptions, createApp, healthFromConfig } from '../../api/app.ts';
import { closeQueues, openQueues } from '../../shared/pipeline-queues.ts';
import { loadConfig, secretValues, type Config } from '../../shared/config.ts';
import { createKeys } from '../../shared/keys.ts';
import { createLogger } from '../../shared/logger.ts';
import { createRedactor } from '../../shared/redact.ts';
import type { DestinationStream } from 'pino';
import { createMetrics, type Metrics } from '../../shared/metrics.ts';
import { scrapeGauges } from '../../shared/scrape-gauges.ts';
import { createBoundedRedis, createRedis, whenReady } from '../../shared/redis.ts';
import { startWorkers, type RunningWorkers, type WorkerOverrides } from '../../workers/pipeline.ts';
import type { Redis } from 'ioredis';
import { serveApp } from '../../dev/serve-app.ts';

export interface TestStack {
  cfg: Config;
  redis: Redis;
  metrics: Metrics;
  workers: RunningWorkers;
  api: string;
  stop(): Promise<void>;
}

/** The real workers and the real API, in this process, against a given Redis and environment. */
export async function startStack(
  env: Record<string, string>,
  overrides: WorkerOverrides = {},
  logTo?: DestinationStream,
): Promise<TestStack> {
  const cfg = loadConfig({
    LOG_LEVEL: 'silent',
    REDIS_PREFIX: `t${Math.random().toString(36).slice(2, 8)}`,
    SOURCES: 'mastodon',
    ...env,
  });
  const log = createLogger(cfg.logLevel, 'test', logTo, createRedactor(secretValues(cfg)));
  const redis = createRedis(cfg.redis.url, 'test');
  const metrics = createMetrics();
  const workers = await startWorkers(cfg, redis, metrics, log, overrides);
  // As in api/main.ts: the API reads through a fail-fast connection of its own.
  const reads = createBoundedRedis(cfg.redis.url, 'test-reads', cfg.redis.commandTimeoutMs);
  reads.on('error', () => {});
  await whenReady(reads, 5_000);
  const keys = createKeys(cfg.redis.prefix);
  const apiQueues = openQueues(reads, keys, log);
  const app = createApp({
    redis: reads,
    keys,
    metrics,
    log,
    ...appOptions(cfg.api),
    metricsElsewhere: false,
    health: healthFromConfig(cfg),
    beforeScrape: scrapeGauges(metrics, reads, keys, apiQueues),
  });
  const served = await serveApp(app);
  return {
    cfg,
    redis,
    metrics,
    workers,
    api: served.base,
    async stop() {
      await served.close();
      await workers.close();
      await closeQueues(apiQueues);
      await Promise.all([redis.quit(), reads.quit()]);
    },
  };
}

/** Waits until the score and aggregate queues are empty (nothing waiting, active or delayed). */
export async function drain(stack: TestStack, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let busy = 0;
    for (const q of [stack.workers.queues.score, stack.workers.queues.aggregate]) {
      const c = await q.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
      busy += Object.values(c).reduce((a, b) => a + b, 0);
    }
    if (busy === 0) return;
    if (Date.now() > deadline) throw new Error(`pipeline did not drain within ${timeoutMs} ms (${busy} jobs left)`);
    await sleep(50);
  }
}

export async function getJson<T = unknown>(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: T; headers: Headers }> {
  const res = await fetch(url, { headers });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : null) as T };
}

/** Posts counted over the last week, as the summary endpoint reports them. */
export async function countedTotal(stack: TestStack): Promise<number> {
  return (await getJson<{ current: { total: number } }>(`${stack.api}/api/v1/summary?window=7d`)).body.current.total;
}

/** Waits until at least `expected` posts are counted (the pipeline is asynchronous), failing after `timeoutMs`. */
export async function waitForCounted(stack: TestStack, expected: number, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const total = await countedTotal(stack);
    if (total >= expected) return;
    if (Date.now() > deadline)
      throw new Error(`only ${total} of ${expected} posts were counted within ${timeoutMs} ms`);
    await sleep(100);
  }
}
