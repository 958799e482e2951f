import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Job } from 'bullmq';
import { createLogger } from '../shared/logger.ts';
import { createMetrics } from '../shared/metrics.ts';
import type { AlertDeliveryJob } from '../shared/queues.ts';
import type { Alert } from '../shared/spikes/alert.ts';
import { deliverAlert } from '../workers/spikes/deliver-job.ts';
import { WebhookReceiver } from './fakes/webhook-receiver.ts';
import { freePort } from '../dev/redis-server.ts';

/**
 * Spike alerts delivered to a REAL Alertmanager (Debian's prometheus-alertmanager) through the workers'
 * delivery code: the `alertmanager` format is what its ingest API accepts (an array of postable alerts),
 * the alert can be read back from `GET /api/v2/alerts`, and the resolution (endsAt) resolves it, which
 * Alertmanager then notifies to its own webhook receiver. That notification is also the reference for our
 * `alertmanager-webhook` format (same top-level and per-alert fields).
 */
const BIN = '/usr/bin/prometheus-alertmanager';
const installed = spawnSync(BIN, ['--version']).status === 0;
const skip =
  installed || process.env.CI ? false : 'prometheus-alertmanager is not installed (bash .ci/run installs it)';

let am: ChildProcess | undefined;
let amUrl = '';
let dir = '';
const receiver = new WebhookReceiver();

before(async () => {
  if (skip) return;
  await receiver.start();
  dir = mkdtempSync(join(tmpdir(), 'sw-am-'));
  // Minimal config: every alert goes to one webhook receiver, notified at once, resolutions included.
  writeFileSync(
    join(dir, 'am.yml'),
    [
      'route:',
      '  receiver: hook',
      '  group_by: [alert_id]',
      '  group_wait: 0s',
      '  group_interval: 1s',
      '  repeat_interval: 1h',
      'receivers:',
      '  - name: hook',
      '    webhook_configs:',
      `      - url: ${receiver.url}/am`,
      '        send_resolved: true',
      '',
    ].join('\n'),
  );
  const port = await freePort();
  amUrl = `http://127.0.0.1:${port}`;
  am = spawn(
    BIN,
    [
      `--config.file=${join(dir, 'am.yml')}`,
      `--storage.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=',
      '--log.level=warn',
    ],
    { stdio: 'ignore' },
  );
  for (let i = 0; i < 100; i++) {
    const ok = await fetch(`${amUrl}/-/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await sleep(100);
  }
  throw new Error('Alertmanager did not become ready');
});

after(async () => {
  if (am) {
    am.kill('SIGKILL');
    await new Promise((r) => am!.once('exit', r));
  }
  await receiver.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const startedAt = new Date(Date.now() - 120_000).toISOString();
const alert: Alert = {
  id: `support-volume-5m-${Math.floor(Date.now() / 60_000)}`,
  kind: 'volume',
  stance: 'support',
  windowMinutes: 5,
  state: 'firing',
  observed: 100,
  expected: 15,
  pValue: 1e-13,
  z: 7.2,
  startedAt,
  resolvedAt: null,
  summary: 'support volume spike: 100 posts in 5 min against 15.0 expected',
  examples: [{ excerpt: 'Free Durov', url: 'https://a.social/@x/1', source: 'mastodon', createdAt: startedAt }],
};

async function deliver(format: AlertDeliveryJob['webhook']['format'], url: string, a: Alert) {
  const metrics = createMetrics();
  const job = {
    data: { webhook: { format, url }, alert: a },
    attemptsMade: 0,
    opts: { attempts: 1 },
  } as unknown as Job<AlertDeliveryJob>;
  await deliverAlert(job, {
    metrics,
    log: createLogger('silent'),
    alerts: { baseUrl: 'http://127.0.0.1:8080', timeoutMs: 5_000 },
  });
}

interface AmAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  status: { state: string };
  startsAt: string;
  endsAt: string;
  generatorURL: string;
}

test('the old v4 notification object is refused by the ingest API (the bug this format fixes)', { skip }, async () => {
  await assert.rejects(deliver('alertmanager-webhook', `${amUrl}/api/v2/alerts`, alert), /answered 400/);
});

test('alertmanager format: posted, read back from GET /api/v2/alerts, then resolved by endsAt', { skip }, async () => {
  await deliver('alertmanager', `${amUrl}/api/v2/alerts`, alert);
  const active = (await (
    await fetch(`${amUrl}/api/v2/alerts?filter=alert_id%3D%22${alert.id}%22`)
  ).json()) as AmAlert[];
  assert.equal(active.length, 1);
  assert.equal(active[0]!.status.state, 'active');
  assert.equal(active[0]!.labels.alertname, 'StancewatchSpike');
  assert.equal(active[0]!.labels.stance, 'support');
  assert.equal(active[0]!.annotations.summary, alert.summary);
  assert.equal(active[0]!.generatorURL, `http://127.0.0.1:8080/api/v1/alerts/${alert.id}`);
  assert.equal(Date.parse(active[0]!.startsAt), Date.parse(startedAt));
  assert.ok(Date.parse(active[0]!.endsAt) > Date.now(), 'a firing alert ends in the future');

  for (let i = 0; i < 100 && !receiver.requests.some((r) => r.body.includes('"status":"firing"')); i++) await sleep(50);
  const firing = receiver.requests.find((r) => r.body.includes('"status":"firing"'));
  assert.ok(firing, 'Alertmanager notified its receiver of the firing alert');

  const resolvedAt = new Date(Date.now() - 1_000).toISOString();
  await deliver('alertmanager', `${amUrl}/api/v2/alerts`, { ...alert, state: 'resolved', resolvedAt });
  // The real API leaves resolved alerts out of GET /api/v2/alerts (and out of active=true).
  const after = (await (await fetch(`${amUrl}/api/v2/alerts?filter=alert_id%3D%22${alert.id}%22`)).json()) as AmAlert[];
  assert.deepEqual(after, []);
  for (let i = 0; i < 100 && !receiver.requests.some((r) => r.body.includes('"status":"resolved"')); i++)
    await sleep(50);
  const resolved = receiver.requests.find((r) => r.body.includes('"status":"resolved"'));
  assert.ok(resolved, 'Alertmanager notified its receiver of the resolution');
  const note = JSON.parse(resolved.body) as { alerts: Array<{ endsAt: string; labels: Record<string, string> }> };
  assert.equal(Date.parse(note.alerts[0]!.endsAt), Date.parse(resolvedAt));
  assert.equal(note.alerts[0]!.labels.alert_id, alert.id);

  // Our alertmanager-webhook body carries every field Alertmanager's own notification carries.
  const real = JSON.parse(firing.body) as Record<string, unknown> & { alerts: Array<Record<string, unknown>> };
  const { webhookBody } = await import('../shared/spikes/alert.ts');
  const ours = webhookBody('alertmanager-webhook', alert, 'http://127.0.0.1:8080') as Record<string, unknown> & {
    alerts: Array<Record<string, unknown>>;
  };
  assert.deepEqual(Object.keys(ours).sort(), Object.keys(real).sort());
  assert.deepEqual(Object.keys(ours.alerts[0]!).sort(), Object.keys(real.alerts[0]!).sort());
  assert.equal(ours.version, real.version);
});
