import type { Job } from 'bullmq';
import { hostOf } from '../../shared/http.ts';
import type { AlertsConfig } from '../../shared/config.ts';
import type { Logger } from '../../shared/logger.ts';
import type { Metrics } from '../../shared/metrics.ts';
import type { AlertDeliveryJob } from '../../shared/queues.ts';
import { signature, webhookBody } from '../../shared/spikes/alert.ts';
import type { HandlerFactory } from '../stage.ts';

export interface DeliveryDeps {
  metrics: Metrics;
  log: Logger;
  alerts: Pick<AlertsConfig, 'secret' | 'baseUrl' | 'timeoutMs'>;
}

export const deliverJob: HandlerFactory<'alertDelivery'> =
  ({ metrics, log, cfg }) =>
  (job) =>
    deliverAlert(job, { metrics, log, alerts: cfg.alerts });

/**
 * POSTs one alert to one webhook. A non-2xx answer or a network error throws, and BullMQ retries with
 * backoff; after the last attempt the failure is counted and logged as an error, and the job stays in the
 * failed set, so no alert is lost silently.
 */
export async function deliverAlert(job: Job<AlertDeliveryJob>, deps: DeliveryDeps): Promise<void> {
  const { webhook, alert } = job.data;
  const { secret, baseUrl, timeoutMs } = deps.alerts;
  const body = JSON.stringify(webhookBody(webhook.format, alert, baseUrl));
  const timestamp = String(Math.floor(Date.now() / 1000));
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'stancewatch-alerts/0.1',
  };
  if (secret) {
    headers['x-stancewatch-timestamp'] = timestamp;
    headers['x-stancewatch-signature'] = signature(secret, timestamp, body);
  }
  try {
    const res = await fetch(webhook.url, { method: 'POST', headers, body, signal: AbortSignal.timeout(timeoutMs) });
    await res.body?.cancel();
    if (!res.ok) throw new Error(`webhook at ${hostOf(webhook.url)} answered ${res.status}`);
    deps.metrics.alertDeliveries.inc({ format: webhook.format, outcome: 'delivered' });
  } catch (err) {
    const final = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    // Webhook URLs are secrets (a Slack hook URL is a credential): only the host is logged.
    const message =
      err instanceof Error && err.message.startsWith('webhook at')
        ? err.message
        : `webhook at ${hostOf(webhook.url)} unreachable`;
    deps.metrics.alertDeliveries.inc({ format: webhook.format, outcome: final ? 'failed' : 'retrying' });
    if (final)
      deps.log.error({ alert: alert.id, format: webhook.format }, `alert delivery failed for good: ${message}`);
    throw new Error(message);
  }
}
