import { loadConfig } from '../../../shared/config.ts';
import { createLogger } from '../../../shared/logger.ts';
import { createMetrics } from '../../../shared/metrics.ts';
import { createRedis } from '../../../shared/redis.ts';
import { startWorkers, type RunningWorkers } from '../../../workers/pipeline.ts';
import { serve } from '../ipc.ts';

/** One measured workers process: the real pipeline (startWorkers), configured by the environment. Starts on `go`. */
const cfg = loadConfig(process.env);
const redis = createRedis(cfg.redis.url, 'bench-workers');
const metrics = createMetrics();
const log = createLogger(cfg.logLevel, 'bench-workers');
let workers: RunningWorkers | undefined;
const sum = async (c: { get(): Promise<{ values: Array<{ value: number }> }> }) =>
  (await c.get()).values.reduce((a, v) => a + v.value, 0);

serve(
  {
    go: async () => {
      workers = await startWorkers(cfg, redis, metrics, log);
      return true;
    },
    stats: async () => ({
      aggregated: await sum(metrics.postsAggregated),
      cpu: process.cpuUsage(),
    }),
  },
  async () => {
    await workers?.close();
    await redis.quit();
  },
);
