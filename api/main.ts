import type { AddressInfo } from 'node:net';
import { logBanner } from '../shared/banner.ts';
import { redactRedisUrl } from '../shared/redis.ts';
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
const server = app.listen(rt.cfg.api.port, () => {
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  logBanner(
    rt.log,
    { api: base, dashboard: `${base}/`, metrics: `${base}/metrics`, redis: redactRedisUrl(rt.cfg.redis.url) },
    rt.prettyLogs,
  );
});
onShutdown(rt.log, async () => {
  await new Promise((resolve) => server.close(resolve));
  await Promise.all(Object.values(queues).map((q) => q.close()));
  await rt.redis.quit();
});
