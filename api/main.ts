import { openQueues } from '../shared/pipeline-queues.ts';
import { scrapeGauges } from '../shared/scrape-gauges.ts';
import { boot, onShutdown } from '../shared/runtime.ts';
import { createApp } from './app.ts';

/** The API process: serves trends, summary, posts, health and metrics. Stateless; run as many as you like. */
const rt = await boot('api');
const queues = openQueues(rt.redis, rt.keys);
const app = createApp({
  ...rt,
  limits: { maxBuckets: rt.cfg.api.maxBuckets },
  beforeScrape: scrapeGauges(rt.metrics, rt.redis, rt.keys, queues),
});
const server = app.listen(rt.cfg.api.port, () => rt.log.info({ port: rt.cfg.api.port }, 'API listening'));
onShutdown(rt.log, async () => {
  await new Promise((resolve) => server.close(resolve));
  await Promise.all(Object.values(queues).map((q) => q.close()));
  await rt.redis.quit();
});
