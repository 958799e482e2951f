import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Job } from 'bullmq';
import { loadConfig } from '../shared/config.ts';
import { deliveryGiveUpBoundMs, deliveryJobOptions, type AlertDeliveryJob } from '../shared/queues.ts';
import type { Alert } from '../shared/spikes/alert.ts';
import { startStack, type TestStack } from './helpers/pipeline.ts';
import { startRedis, type TestRedis } from '../dev/redis-server.ts';
import { WebhookReceiver } from './fakes/webhook-receiver.ts';

/**
 * Webhook delivery through the real alert-delivery worker: every attempt is counted by its result, a timeout
 * is reported as a timeout (not "unreachable"), and a webhook that keeps failing is counted as failed within
 * the documented bound, not hours later.
 */
let redis: TestRedis;
let stack: TestStack;
const hooks = new WebhookReceiver();
const ATTEMPTS = 3;
const BACKOFF = 50;
const TIMEOUT = 300;

before(async () => {
  redis = await startRedis();
  await hooks.start();
  stack = await startStack(
    {
      REDIS_URL: redis.url,
      MASTODON_INSTANCES: 'http://127.0.0.1:9',
      HTTP_TIMEOUT_MS: String(TIMEOUT),
      ALERT_DELIVERY_ATTEMPTS: String(ATTEMPTS),
      ALERT_DELIVERY_BACKOFF_MS: String(BACKOFF),
    },
    { schedule: false },
  );
});
after(async () => {
  await stack?.stop();
  await hooks.stop();
  await redis?.stop();
});

const alert = {
  id: 'support-volume-5m-1',
  kind: 'volume',
  stance: 'support',
  windowMinutes: 5,
  state: 'firing',
  summary: 's',
  examples: [],
} as unknown as Alert;
const attempts = async (result: string) =>
  (await stack.metrics.alertDeliveryAttempts.get()).values
    .filter((v) => v.labels.result === result)
    .reduce((a, v) => a + v.value, 0);
const failedForGood = async () =>
  (await stack.metrics.alertDeliveries.get()).values
    .filter((v) => v.labels.outcome === 'failed')
    .reduce((a, v) => a + v.value, 0);

async function deliverUntilFailed(url: string, id: string): Promise<{ job: Job<AlertDeliveryJob>; ms: number }> {
  const t0 = Date.now();
  const job = await stack.workers.queues.alertDelivery.add(
    'deliver',
    { webhook: { format: 'generic', url }, alert },
    { ...deliveryJobOptions(ATTEMPTS, BACKOFF), jobId: id },
  );
  for (let i = 0; !(await job.isFailed()); i++) {
    assert.ok(i < 400, 'the delivery was never given up');
    await sleep(25);
  }
  return { job, ms: Date.now() - t0 };
}

test('the default retry schedule gives a failing webhook up within 10 minutes', () => {
  const cfg = loadConfig({});
  const bound = deliveryGiveUpBoundMs(
    cfg.alerts.delivery.attempts,
    cfg.alerts.delivery.backoffMs,
    cfg.alerts.timeoutMs,
  );
  assert.ok(bound <= 10 * 60_000, `${bound} ms`);
  assert.equal(bound, 5_000 * 31 + 6 * 10_000); // as the README states: 155 s + 60 s
});

test('a webhook answering 500 is counted per attempt, then failed once, within the bound', async () => {
  hooks.failNext({ status: 500, body: '{}' }, ATTEMPTS);
  const { ms } = await deliverUntilFailed(`${hooks.url}/hook`, 'd-500');
  assert.equal(await attempts('http_5xx'), ATTEMPTS);
  assert.equal(await failedForGood(), 1);
  const bound = deliveryGiveUpBoundMs(ATTEMPTS, BACKOFF, TIMEOUT);
  assert.ok(ms <= bound + 2_000, `given up after ${ms} ms; bound ${bound} ms (+ queue latency)`);
});

test('a webhook that does not answer in time is reported as a timeout', async () => {
  hooks.failNext({ status: 200, body: '{}', delayMs: 3_000 }, ATTEMPTS);
  const { job } = await deliverUntilFailed(`${hooks.url}/slow`, 'd-slow');
  assert.equal(await attempts('timeout'), ATTEMPTS);
  assert.match(
    job.failedReason ?? (await stack.workers.queues.alertDelivery.getJob('d-slow'))!.failedReason,
    /did not answer within 300 ms/,
  );
  assert.equal(await attempts('network'), 0);
  assert.equal(await failedForGood(), 2);
});

test('an unreachable webhook is reported as network, and a good one as delivered', async () => {
  const { job } = await deliverUntilFailed('http://127.0.0.1:9/closed', 'd-closed');
  assert.equal(await attempts('network'), ATTEMPTS);
  assert.match((await stack.workers.queues.alertDelivery.getJob(job.id!))!.failedReason, /unreachable/);
  const ok = await stack.workers.queues.alertDelivery.add(
    'deliver',
    { webhook: { format: 'generic', url: `${hooks.url}/ok` }, alert },
    { ...deliveryJobOptions(ATTEMPTS, BACKOFF), jobId: 'd-ok' },
  );
  for (let i = 0; !(await ok.isCompleted()); i++) {
    assert.ok(i < 200, 'not delivered');
    await sleep(25);
  }
  assert.equal(await attempts('delivered'), 1);
});
