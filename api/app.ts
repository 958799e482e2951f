import express, { type Express } from 'express';
import type { Redis } from 'ioredis';
import type { Keys } from '../shared/keys.ts';
import type { Logger } from '../shared/logger.ts';
import { metricsEndpoint } from '../shared/metrics-endpoint.ts';
import type { Metrics } from '../shared/metrics.ts';
import { healthRoutes } from './health.ts';
import { openapi } from './openapi.ts';
import { errorHandler, notFound } from './problem.ts';
import { apiRoutes, type ApiLimits } from './routes.ts';
import { dashboardRoutes } from './dashboard.ts';
import { exportRoutes } from './export/routes.ts';
import { driversRoutes } from './drivers.ts';

export interface AppDeps {
  redis: Redis;
  keys: Keys;
  metrics: Metrics;
  log: Logger;
  limits: ApiLimits;
  beforeScrape?: () => Promise<void>;
  now?: () => number;
}

export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false); // ETags come from the data version (api/etag.ts), not from hashing each body
  app.set('query parser', 'simple'); // flat key=value: no nested objects from a crafted query string
  app.use((req, res, next) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    const stop = deps.metrics.httpRequestDuration.startTimer({ method: req.method });
    res.on('finish', () => stop({ route: req.route?.path ?? 'unmatched', status: String(res.statusCode) }));
    next();
  });
  app.use(healthRoutes(deps.redis, deps.keys, deps.now));
  app.get('/metrics', metricsEndpoint(deps.metrics, deps.log, deps.beforeScrape));
  app.get('/api/v1/openapi.json', (_req, res) => {
    res.json(openapi);
  });
  app.use(apiRoutes(deps.redis, deps.keys, deps.limits, deps.now));
  app.use(exportRoutes(deps.redis, deps.keys, deps.now));
  app.use(driversRoutes(deps.redis, deps.keys, deps.now));
  app.use(dashboardRoutes());
  app.use(notFound);
  app.use(errorHandler((err) => deps.log.error({ err }, 'unexpected error answering a request')));
  return app;
}
