import { closeQueues, openQueues } from '../shared/pipeline-queues.ts';
import { scrapeGauges } from '../shared/scrape-gauges.ts';
import { boot, onShutdown } from '../shared/runtime.ts';
import { createApp, healthFromConfig } from './app.ts';

/** The API process: serves trends, summary, posts, health and metrics. Stateless; run as many as you like. */
const rt = await boot('api');
// Everything the API reads goes through the fail-fast connection, so an outage is a quick 503, not a hang.
const reads = await rt.openReads();
const queues = openQueues(reads, rt.keys, rt.log);
const app = createApp({
  ...rt,
  redis: reads,
  limits: { maxBuckets: rt.cfg.api.maxBuckets },
  health: healthFromConfig(rt.cfg),
  beforeScrape: scrapeGauges(rt.metrics, reads, rt.keys, queues),
});
const server = app.listen(rt.cfg.api.port, () => rt.log.info({ port: rt.cfg.api.port }, 'API listening'));
onShutdown(rt.log, rt.cfg.shutdownGraceMs, {
  async graceful() {
    await new Promise((resolve) => server.close(resolve));
    await closeQueues(queues);
    await Promise.all([reads.quit(), rt.redis.quit()]);
  },
});
