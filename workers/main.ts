import express from 'express';
import { metricsEndpoint } from '../shared/metrics-endpoint.ts';
import { boot, onShutdown } from '../shared/runtime.ts';
import { startWorkers } from './pipeline.ts';

/** A workers process: collect, score and aggregate. Scale by running more of them against the same Redis. */
const rt = await boot('workers');
const workers = await startWorkers(rt.cfg, rt.redis, rt.metrics, rt.log);
const app = express();
app.get('/metrics', metricsEndpoint(rt.metrics, rt.log));
app.get('/healthz', (_req, res) => {
  res.json({ status: 'ok' });
});
const server = app.listen(rt.cfg.workers.metricsPort, () =>
  rt.log.info({ port: rt.cfg.workers.metricsPort }, 'workers metrics listening'),
);
onShutdown(rt.log, async () => {
  await new Promise((resolve) => server.close(resolve));
  await workers.close();
  await rt.redis.quit();
});
