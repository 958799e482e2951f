import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { createApp, healthFromConfig } from '../api/app.ts';
import { closeQueues, openQueues } from '../shared/pipeline-queues.ts';
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
  const app = createApp({
    ...rt,
    redis: reads,
    limits: { maxBuckets: rt.cfg.api.maxBuckets },
    health: healthFromConfig(rt.cfg),
    beforeScrape: scrapeGauges(rt.metrics, reads, rt.keys, apiQueues),
  });
  const server = await new Promise<ReturnType<typeof app.listen>>((resolve) => {
    const s = app.listen(rt.cfg.api.port, () => resolve(s));
  });
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  rt.log.info(
    { trends: `${baseUrl}/api/v1/trends`, summary: `${baseUrl}/api/v1/summary`, metrics: `${baseUrl}/metrics` },
    'stancewatch is running',
  );
  const close = async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await workers.close();
    await closeQueues(apiQueues);
    await Promise.all([reads.quit(), rt.redis.quit()]);
  };
  onShutdown(rt.log, rt.cfg.shutdownGraceMs, { graceful: close, handBack: () => workers.handBack() });
  return { rt, baseUrl, close };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await runAllInOne();
