import type { AddressInfo } from 'node:net';
import { closeQueues, openQueues } from '../shared/pipeline-queues.ts';
import { logBanner } from '../shared/banner.ts';
import { redactRedisUrl } from '../shared/redis.ts';
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
const metricsServer =
  metricsPort !== undefined ? await listen(metricsApp({ ...rt, beforeScrape }), metricsPort) : undefined;
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const metricsUrl = metricsPort !== undefined ? `http://127.0.0.1:${metricsPort}/metrics` : `${base}/metrics`;
logBanner(
  rt.log,
  { api: base, dashboard: `${base}/`, metrics: metricsUrl, redis: redactRedisUrl(rt.cfg.redis.url) },
  rt.prettyLogs,
);
onShutdown(rt.log, rt.cfg.shutdownGraceMs, {
  async graceful() {
    await Promise.all([server, metricsServer].map((s) => s && new Promise((resolve) => s.close(resolve))));
    await closeQueues(queues);
    await Promise.all([reads.quit(), rt.redis.quit()]);
  },
});
