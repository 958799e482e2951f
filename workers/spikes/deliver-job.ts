import type { Job } from 'bullmq';
import { hostOf } from '../../shared/http.ts';
import type { AlertsConfig } from '../../shared/config.ts';
import type { Logger } from '../../shared/logger.ts';
import type { DeliveryResult } from '../../shared/lists.ts';
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
 * POSTs one alert to one webhook. Every attempt is counted by its result (stancewatch_alert_delivery_attempts_total).
 * A non-2xx answer, a timeout or a network error throws, and BullMQ retries with a short backoff
 * (ALERT_DELIVERY_ATTEMPTS, ALERT_DELIVERY_BACKOFF_MS); after the last attempt the failure is counted and
 * logged as an error, and the job stays in the failed set, so no alert is lost silently.
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
  // Webhook URLs are secrets (a Slack hook URL is a credential): only the host goes into messages.
  const host = hostOf(webhook.url);
  let result: DeliveryResult;
  let message: string;
  try {
    const res = await fetch(webhook.url, { method: 'POST', headers, body, signal: AbortSignal.timeout(timeoutMs) });
    await res.body?.cancel();
    if (res.ok) {
      deps.metrics.alertDeliveryAttempts.inc({ format: webhook.format, result: 'delivered' });
      deps.metrics.alertDeliveries.inc({ format: webhook.format, outcome: 'delivered' });
      return;
    }
    result = res.status < 500 ? 'http_4xx' : 'http_5xx';
    message = `webhook at ${host} answered ${res.status}`;
  } catch (err) {
    const name = (err as { name?: string }).name;
    if (name === 'TimeoutError' || name === 'AbortError') {
      result = 'timeout';
      message = `webhook at ${host} did not answer within ${timeoutMs} ms`;
    } else {
      result = 'network';
      message = `webhook at ${host} unreachable`;
    }
  }
  const attempt = job.attemptsMade + 1;
  const final = attempt >= (job.opts.attempts ?? 1);
  deps.metrics.alertDeliveryAttempts.inc({ format: webhook.format, result });
  deps.metrics.alertDeliveries.inc({ format: webhook.format, outcome: final ? 'failed' : 'retrying' });
  const fields = { alert: alert.id, format: webhook.format, result, attempt, of: job.opts.attempts ?? 1 };
  if (final) deps.log.error(fields, `alert delivery failed for good: ${message}`);
  else deps.log.warn(fields, `alert delivery failed; retrying: ${message}`);
  throw new Error(message);
}
