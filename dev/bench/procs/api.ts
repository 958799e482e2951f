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

serve(
  {
    url: () => `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    stats: () => ({ served, cpu: process.cpuUsage() }),
  },
  async () => {
    server.closeAllConnections();
    server.close();
    await redis.quit();
  },
);
