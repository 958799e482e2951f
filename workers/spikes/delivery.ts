import type { Job } from 'bullmq';
import { hostOf } from '../../shared/http.ts';
import type { Logger } from '../../shared/logger.ts';
import type { Metrics } from '../../shared/metrics.ts';
import type { AlertDeliveryJob } from '../../shared/queues.ts';
import { signature, webhookBody } from '../../shared/spikes/alert.ts';

export interface DeliveryDeps {
  metrics: Metrics;
  log: Logger;
  secret?: string;
  baseUrl: string;
  timeoutMs: number;
}

/**
 * POSTs one alert to one webhook. A non-2xx answer or a network error throws, and BullMQ retries with
 * backoff; after the last attempt the failure is counted and logged as an error, and the job stays in the
 * failed set, so no alert is lost silently.
 */
export async function deliverAlert(job: Job<AlertDeliveryJob>, deps: DeliveryDeps): Promise<void> {
  const { webhook, alert } = job.data;
  const body = JSON.stringify(webhookBody(webhook.format, alert, deps.baseUrl));
  const timestamp = String(Math.floor(Date.now() / 1000));
  const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'stancewatch-alerts/0.1' };
  if (deps.secret) {
    headers['x-stancewatch-timestamp'] = timestamp;
    headers['x-stancewatch-signature'] = signature(deps.secret, timestamp, body);
  }
  try {
    const res = await fetch(webhook.url, { method: 'POST', headers, body, signal: AbortSignal.timeout(deps.timeoutMs) });
    await res.body?.cancel();
    if (!res.ok) throw new Error(`webhook at ${hostOf(webhook.url)} answered ${res.status}`);
    deps.metrics.alertDeliveries.inc({ format: webhook.format, outcome: 'delivered' });
  } catch (err) {
    const final = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    // Webhook URLs are secrets (a Slack hook URL is a credential): only the host is logged.
    const message = err instanceof Error && err.message.startsWith('webhook at') ? err.message : `webhook at ${hostOf(webhook.url)} unreachable`;
    deps.metrics.alertDeliveries.inc({ format: webhook.format, outcome: final ? 'failed' : 'retrying' });
    if (final) deps.log.error({ alert: alert.id, format: webhook.format }, `alert delivery failed for good: ${message}`);
    throw new Error(message);
  }
}
