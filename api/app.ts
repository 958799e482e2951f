import express, { type Express } from 'express';
import type { Redis } from 'ioredis';
import type { ApiConfig, Config } from '../shared/config.ts';
import type { Keys } from '../shared/keys.ts';
import type { Logger } from '../shared/logger.ts';
import { metricsEndpoint } from '../shared/metrics-endpoint.ts';
import type { Metrics } from '../shared/metrics.ts';
import { OPEN_ACCESS, corsFor, requireApiKey, securityHeaders, type AccessOptions } from './access.ts';
import { healthRoutes } from './health.ts';
import { openapi } from './openapi.ts';
import { errorHandler, notFound } from './problem.ts';
import { apiRoutes, type ApiLimits } from './routes.ts';
import { dashboardRoutes } from './dashboard.ts';
import { exportRoutes } from './export/routes.ts';
import { driversRoutes } from './drivers.ts';

export interface AppDeps {
  /** A bounded connection (createBoundedRedis): requests and health checks must fail fast while Redis is down. */
  redis: Redis;
  keys: Keys;
  metrics: Metrics;
  log: Logger;
  limits: ApiLimits;
  /** API keys, rate limit and CORS; open when absent. */
  access?: AccessOptions;
  /** /metrics is served by metricsApp on its own port instead (API_METRICS_PORT). */
  metricsElsewhere?: boolean;
  beforeScrape?: () => Promise<void>;
  /** /readyz: the workers' heartbeat period and how long it may take to answer (defaults: the settings' defaults). */
  health?: { heartbeatSeconds: number; timeoutMs: number };
  now?: () => number;
}

/** /readyz settings from the configuration: it answers within two Redis command timeouts. */
export function healthFromConfig(cfg: Pick<Config, 'workers' | 'redis'>): AppDeps['health'] {
  return { heartbeatSeconds: cfg.workers.heartbeatSeconds, timeoutMs: cfg.redis.commandTimeoutMs * 2 };
}

/** The settings' defaults: WORKER_HEARTBEAT_SECONDS 10, twice REDIS_COMMAND_TIMEOUT_MS 2,000. */
const DEFAULT_HEALTH = { heartbeatSeconds: 10, timeoutMs: 4_000 };

export function createApp(deps: AppDeps): Express {
  const access = deps.access ?? OPEN_ACCESS;
  const health = deps.health ?? DEFAULT_HEALTH;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false); // ETags come from the data version (api/etag.ts), not from hashing each body
  app.set('query parser', 'simple'); // flat key=value: no nested objects from a crafted query string
  app.use(securityHeaders());
  const corsHandler = corsFor(access.corsOrigins);
  if (corsHandler) app.use(corsHandler);
  app.use((req, res, next) => {
    const stop = deps.metrics.httpRequestDuration.startTimer({ method: req.method });
    res.on('finish', () => stop({ route: req.route?.path ?? 'unmatched', status: String(res.statusCode) }));
    next();
  });
  app.use(healthRoutes(deps.redis, deps.keys, { ...health, ...(deps.now ? { now: deps.now } : {}) }));
  if (!deps.metricsElsewhere) {
    app.get('/metrics', metricsEndpoint(deps.metrics, deps.log, deps.beforeScrape, health.timeoutMs));
  }
  app.get('/api/v1/openapi.json', (_req, res) => {
    res.json(openapi);
  });
  const keyCheck = requireApiKey(deps.redis, deps.keys, access);
  if (keyCheck) app.use('/api/v1', keyCheck);
  app.use(apiRoutes(deps.redis, deps.keys, deps.limits, deps.now));
  app.use(exportRoutes(deps.redis, deps.keys, deps.now));
  app.use(driversRoutes(deps.redis, deps.keys, deps.now));
  app.use(dashboardRoutes());
  app.use(notFound);
  app.use(errorHandler((err) => deps.log.error({ err }, 'unexpected error answering a request')));
  return app;
}

/** /metrics alone, for API_METRICS_PORT: scrapes stay off the public port. */
export function metricsApp(deps: Pick<AppDeps, 'metrics' | 'log' | 'beforeScrape'>): Express {
  const app = express();
  app.disable('x-powered-by');
  app.get('/metrics', metricsEndpoint(deps.metrics, deps.log, deps.beforeScrape));
  app.use(notFound);
  app.use(errorHandler((err) => deps.log.error({ err }, 'unexpected error answering a metrics request')));
  return app;
}

/** The app's limits and access rules from the API's settings: one mapping for every process that serves the API. */
export function appOptions(api: ApiConfig): Pick<AppDeps, 'limits' | 'access' | 'metricsElsewhere'> {
  return {
    limits: {
      maxBuckets: api.maxBuckets,
      maxPostChars: api.maxPostChars,
      maxResponseBytes: api.maxResponseBytes,
      refreshFloorMs: api.refreshFloorMs,
    },
    access: api.access,
    metricsElsewhere: api.metricsPort !== undefined,
  };
}
