import type { Request, Response } from 'express';
import type { Logger } from './logger.ts';
import type { Metrics } from './metrics.ts';

/**
 * GET /metrics in the Prometheus text format, refreshing scrape-time gauges first. The refresh gets at most
 * `refreshTimeoutMs`: a scrape answers (with the gauges as they are) even while Redis hangs.
 */
export function metricsEndpoint(
  metrics: Metrics,
  log: Logger,
  beforeScrape: () => Promise<void> = async () => {},
  refreshTimeoutMs = 2_000,
) {
  return async (_req: Request, res: Response) => {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        beforeScrape(),
        new Promise((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`scrape-time gauges not refreshed within ${refreshTimeoutMs} ms`)),
            refreshTimeoutMs,
          );
        }),
      ]);
    } catch (err) {
      // Stale gauges are better than no metrics at all: the scrape still answers.
      log.warn({ err: (err as Error).message }, 'could not refresh scrape-time gauges');
    } finally {
      clearTimeout(timer);
    }
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  };
}
