import express, { type Express } from 'express';
import type { Redis } from 'ioredis';
import type { Config } from '../shared/config.ts';
import type { Keys } from '../shared/keys.ts';
import type { Logger } from '../shared/logger.ts';
import { metricsEndpoint } from '../shared/metrics-endpoint.ts';
import type { Metrics } from '../shared/metrics.ts';
import { healthRoutes } from './health.ts';
import { openapi } from './openapi.ts';
import { errorHandler, notFound } from './problem.ts';
import { apiRoutes, type ApiLimits } from './routes.ts';

export interface AppDeps {
  /** A bounded connection (createBoundedRedis): requests and health checks must fail fast while Redis is down. */
  redis: Redis;
  keys: Keys;
  metrics: Metrics;
  log: Logger;
  limits: ApiLimits;
  beforeScrape?: () => Promise<void>;
  /** /readyz: the workers' heartbeat period and how long it may take to answer. */
  health: { heartbeatSeconds: number; timeoutMs: number };
  now?: () => number;
}

/** /readyz settings from the configuration: it answers within two Redis command timeouts. */
export function healthFromConfig(cfg: Pick<Config, 'workers' | 'redis'>): AppDeps['health'] {
  return { heartbeatSeconds: cfg.workers.heartbeatSeconds, timeoutMs: cfg.redis.commandTimeoutMs * 2 };
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
  app.use(healthRoutes(deps.redis, deps.keys, { ...deps.health, ...(deps.now ? { now: deps.now } : {}) }));
  app.get('/metrics', metricsEndpoint(deps.metrics, deps.log, deps.beforeScrape, deps.health.timeoutMs));
  app.get('/api/v1/openapi.json', (_req, res) => {
    res.json(openapi);
  });
  app.use(apiRoutes(deps.redis, deps.keys, deps.limits, deps.now));
  app.use(notFound);
  app.use(errorHandler((err) => deps.log.error({ err }, 'unexpected error answering a request')));
  return app;
}
