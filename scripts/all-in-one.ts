import { createApp } from '../api/app.ts';
import { refreshQueueDepth } from '../shared/pipeline-queues.ts';
import { boot, onShutdown } from '../shared/runtime.ts';
import { startWorkers } from '../workers/pipeline.ts';

/** API and workers in one process, sharing one metrics registry: the quick start (`npm start`). */
const rt = await boot('stancewatch');
const workers = await startWorkers(rt.cfg, rt.redis, rt.metrics, rt.log);
const app = createApp({ ...rt, limits: { maxBuckets: rt.cfg.TRENDS_MAX_BUCKETS }, beforeScrape: () => refreshQueueDepth(rt.metrics, workers.queues) });
const server = app.listen(rt.cfg.PORT, () => {
  rt.log.info({ port: rt.cfg.PORT }, `API listening: http://127.0.0.1:${rt.cfg.PORT}/api/v1/trends`);
});
onShutdown(rt.log, async () => {
  await new Promise((resolve) => server.close(resolve));
  await workers.close();
  await rt.redis.quit();
});
