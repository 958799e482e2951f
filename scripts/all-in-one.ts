import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { appOptions, createApp, healthFromConfig, metricsApp } from '../api/app.ts';
import { listen } from '../api/server.ts';
import { closeQueues, openQueues } from '../shared/pipeline-queues.ts';
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
  const reads = await rt.openReads();
  const apiQueues = openQueues(reads, rt.keys, rt.log);
  const beforeScrape = scrapeGauges(rt.metrics, reads, rt.keys, apiQueues);
  const app = createApp({
    ...rt,
    redis: reads,
    ...appOptions(rt.cfg.api),
    health: healthFromConfig(rt.cfg),
    beforeScrape,
  });
  const server = await listen(app, rt.cfg.api.port);
  const { metricsPort } = rt.cfg.api;
  const metricsServer =
    metricsPort !== undefined ? await listen(metricsApp({ ...rt, beforeScrape }), metricsPort) : undefined;
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
    for (const s of [server, metricsServer]) {
      if (!s) continue;
      s.closeAllConnections();
      await new Promise((resolve) => s.close(resolve));
    }
    await workers.close();
    await closeQueues(apiQueues);
    await Promise.all([reads.quit(), rt.redis.quit()]);
  };
  onShutdown(rt.log, rt.cfg.shutdownGraceMs, { graceful: close, handBack: () => workers.handBack() });
  return { rt, baseUrl, close };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await runAllInOne();
