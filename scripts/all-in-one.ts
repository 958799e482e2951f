import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { createApp } from '../api/app.ts';
import { logBanner } from '../shared/banner.ts';
import { redactRedisUrl } from '../shared/redis.ts';
import { scrapeGauges } from '../shared/scrape-gauges.ts';
import { boot, onShutdown, type Runtime } from '../shared/runtime.ts';
import { startWorkers } from '../workers/pipeline.ts';

export interface AllInOne {
  rt: Runtime;
  baseUrl: string;
  close(): Promise<void>;
}

/** API and workers in one process, sharing one metrics registry: the quick start (`npm start`) and the demo. */
export async function runAllInOne(): Promise<AllInOne> {
  const rt = await boot('stancewatch');
  const workers = await startWorkers(rt.cfg, rt.redis, rt.metrics, rt.log);
  const app = createApp({
    ...rt,
    limits: { maxBuckets: rt.cfg.api.maxBuckets },
    beforeScrape: scrapeGauges(rt.metrics, rt.redis, rt.keys, workers.queues),
  });
  const server = await new Promise<ReturnType<typeof app.listen>>((resolve) => {
    const s = app.listen(rt.cfg.api.port, () => resolve(s));
  });
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  logBanner(
    rt.log,
    {
      api: baseUrl,
      dashboard: `${baseUrl}/`,
      metrics: `${baseUrl}/metrics`,
      scorer: workers.scorer.model.id,
      sources: [...new Set(workers.collector.allFeeds().map((f) => f.source))],
      redis: redactRedisUrl(rt.cfg.redis.url),
    },
    rt.prettyLogs,
  );
  const close = async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await workers.close();
    await rt.redis.quit();
  };
  onShutdown(rt.log, close);
  return { rt, baseUrl, close };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await runAllInOne();
