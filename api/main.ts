import { openQueues } from '../shared/pipeline-queues.ts';
import { scrapeGauges } from '../shared/scrape-gauges.ts';
import { boot, onShutdown } from '../shared/runtime.ts';
import { appOptions, createApp, metricsApp } from './app.ts';
import { listen } from './server.ts';

/** The API process: serves trends, summary, posts, health and metrics. Stateless; run as many as you like. */
const rt = await boot('api');
const queues = openQueues(rt.redis, rt.keys);
const beforeScrape = scrapeGauges(rt.metrics, rt.redis, rt.keys, queues);
const { port, metricsPort } = rt.cfg.api;
const app = createApp({ ...rt, ...appOptions(rt.cfg.api), beforeScrape });
const server = await listen(app, port);
rt.log.info({ port }, 'API listening');
const metricsServer =
  metricsPort !== undefined ? await listen(metricsApp({ ...rt, beforeScrape }), metricsPort) : undefined;
if (metricsServer) rt.log.info({ port: metricsPort }, 'metrics listening on their own port');
onShutdown(rt.log, async () => {
  await Promise.all([server, metricsServer].map((s) => s && new Promise((resolve) => s.close(resolve))));
  await Promise.all(Object.values(queues).map((q) => q.close()));
  await rt.redis.quit();
});
