import type { Request, Response } from 'express';
import type { Logger } from './logger.ts';
import type { Metrics } from './metrics.ts';

/** GET /metrics in the Prometheus text format, refreshing scrape-time gauges first. */
export function metricsEndpoint(metrics: Metrics, log: Logger, beforeScrape: () => Promise<void> = async () => {}) {
  return async (_req: Request, res: Response) => {
    try {
      await beforeScrape();
    } catch (err) {
      // Stale gauges are better than no metrics at all: the scrape still answers.
      log.warn({ err: (err as Error).message }, 'could not refresh scrape-time gauges');
    }
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  };
}
