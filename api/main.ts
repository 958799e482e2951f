import { closeQueues, openQueues } from '../shared/pipeline-queues.ts';
import { scrapeGauges } from '../shared/scrape-gauges.ts';
import { boot, onShutdown } from '../shared/runtime.ts';
import { appOptions, createApp, healthFromConfig, metricsApp } from './app.ts';
import { listen } from './server.ts';

/** The API process: serves trends, summary, posts, health and metrics. Stateless; run as many as you like. */
const rt = await boot('api');
// Everything the API reads goes through the fail-fast connection, so an outage is a quick 503, not a hang.
const reads = await rt.openReads();
const queues = openQueues(reads, rt.keys, rt.log);
const beforeScrape = scrapeGauges(rt.metrics, reads, rt.keys, queues);
const { port, metricsPort } = rt.cfg.api;
const app = createApp({
  ...rt,
  redis: reads,
  ...appOptions(rt.cfg.api),
  health: healthFromConfig(rt.cfg),
  beforeScrape,
});
const server = await listen(app, port);
rt.log.info({ port }, 'API listening');
const metricsServer =
  metricsPort !== undefined ? await listen(metricsApp({ ...rt, beforeScrape }), metricsPort) : undefined;
if (metricsServer) rt.log.info({ port: metricsPort }, 'metrics listening on their own port');
onShutdown(rt.log, rt.cfg.shutdownGraceMs, {
  async graceful() {
    await Promise.all([server, metricsServer].map((s) => s && new Promise((resolve) => s.close(resolve))));
    await closeQueues(queues);
    await Promise.all([reads.quit(), rt.redis.quit()]);
  },
});
