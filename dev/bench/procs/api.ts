import { monitorEventLoopDelay } from 'node:perf_hooks';
import { appOptions, createApp } from '../../../api/app.ts';
import { loadConfig } from '../../../shared/config.ts';
import { createKeys } from '../../../shared/keys.ts';
import { createLogger } from '../../../shared/logger.ts';
import { createMetrics } from '../../../shared/metrics.ts';
import { createRedis } from '../../../shared/redis.ts';
import { serve } from '../ipc.ts';

/** The measured API process: the real app with the settings' options, as api/main.ts builds it. */
const cfg = loadConfig(process.env);
const redis = createRedis(cfg.redis.url, 'bench-api');
const app = createApp({
  redis,
  keys: createKeys(cfg.redis.prefix),
  metrics: createMetrics(),
  log: createLogger(cfg.logLevel, 'bench-api'),
  ...appOptions(cfg.api),
});
const server = app.listen(0, '127.0.0.1');
await new Promise((r) => server.once('listening', r));
let served = 0;
server.on('request', () => served++);
// How long callbacks waited for the event loop: a latency tail with no tail here comes from outside the API.
const loopDelay = monitorEventLoopDelay({ resolution: 1 });
loopDelay.enable();
const ms = (ns: number) => Number((ns / 1e6).toFixed(2));

serve(
  {
    url: () => `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    stats: () => ({ served, cpu: process.cpuUsage() }),
    /** Event-loop delay since the last call (which resets it). */
    loopDelay: () => {
      const out = { p99Ms: ms(loopDelay.percentile(99)), maxMs: ms(loopDelay.max) };
      loopDelay.reset();
      return out;
    },
  },
  async () => {
    server.closeAllConnections();
    server.close();
    await redis.quit();
  },
);
