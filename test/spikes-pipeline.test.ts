import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createKeys } from '../shared/keys.ts';
import { createLogger } from '../shared/logger.ts';
import type { ScoredPost, Stance } from '../shared/post.ts';
import { signature, type Alert } from '../shared/spikes/alert.ts';
import { TrendWriter } from '../workers/aggregate/trend-writer.ts';
import { detectSpikes, type SpikeDeps } from '../workers/spikes/detect-job.ts';
import { WebhookReceiver } from './fakes/webhook-receiver.ts';
import { getJson, startStack, type TestStack } from './helpers/pipeline.ts';
import { startRedis, type TestRedis } from './helpers/redis-server.ts';

/**
 * The spike detector over real Redis buckets, its alerts in the API, and their delivery through BullMQ to
 * three webhook formats, signed. Six hours of steady discussion, then five minutes of a support surge.
 */
let redis: TestRedis;
let stack: TestStack;
const hooks = new WebhookReceiver();
const SECRET = 'whsec_test';
const NOW = Math.floor(Date.now() / 60_000) * 60_000 + 5_000;
let deps: SpikeDeps;

function post(i: number, stance: Stance, at: number): ScoredPost {
  return {
    source: 'mastodon',
    id: `https://a.social/s/${i}`,
    url: `https://a.social/@x/${i}`,
    text: `${stance} post ${i} about Durov <script>`,
    lang: 'en',
    createdAt: new Date(at).toISOString(),
    author: 'h',
    engagement: { likes: 0, reposts: 0, replies: 0 },
    result: {
      stance,
      score: stance === 'support' ? 0.8 : stance === 'criticism' ? -0.8 : 0,
      confidence: 0.7,
      model: { id: 'builtin-lexicon-v1', kind: 'builtin' },
    },
    scoredAt: new Date(at).toISOString(),
  };
}

before(async () => {
  redis = await startRedis();
  await hooks.start();
  stack = await startStack(
    {
      REDIS_URL: redis.url,
      MASTODON_INSTANCES: 'http://127.0.0.1:9',
      ALERT_WEBHOOKS: `generic=${hooks.url}/generic,slack=${hooks.url}/slack,alertmanager=${hooks.url}/am`,
      ALERT_WEBHOOK_SECRET: SECRET,
    },
    { schedule: false },
  ); // this test runs the detector itself, at a fixed time; the scheduled run would race it
  const keys = createKeys(stack.cfg.redis.prefix);
  const writer = new TrendWriter(stack.redis, keys, {
    countedSeconds: 86_400,
    postsSeconds: 86_400,
    postsMax: 100_000,
    bucketsSeconds: { m: 86_400, h: 86_400, d: 86_400 },
  });
  const posts: ScoredPost[] = [];
  let i = 0;
  for (let m = 400; m >= 1; m--) {
    const at = NOW - 5_000 - m * 60_000 + 1_000;
    const surge = m <= 5;
    for (let k = 0; k < (surge ? 20 : 3); k++) posts.push(post(i++, 'support', at + k));
    for (let k = 0; k < 3; k++) posts.push(post(i++, 'criticism', at + 100 + k));
    for (let k = 0; k < 4; k++) posts.push(post(i++, 'neutral', at + 200 + k));
  }
  await writer.add(posts, NOW);
  deps = {
    redis: stack.redis,
    keys,
    metrics: stack.metrics,
    log: createLogger('silent'),
    spikes: stack.cfg.spikes,
    webhooks: stack.cfg.alerts.webhooks,
    deliveryQueue: stack.workers.queues.alertDelivery,
  };
});

after(async () => {
  await stack?.stop();
  await hooks.stop();
  await redis?.stop();
});

test('a support surge fires a volume alert with examples; criticism stays quiet', async () => {
  const { fired } = await detectSpikes(NOW, deps);
  assert.ok(fired.includes(`support-volume-5m-${Math.floor(NOW / 60_000)}`), fired.join());
  assert.ok(
    fired.every((id) => id.startsWith('support-')),
    'nothing fires for criticism',
  );
  const { body } = await getJson<{ alerts: Alert[] }>(`${stack.api}/api/v1/alerts?state=firing`);
  const alert = body.alerts.find((a) => a.kind === 'volume' && a.windowMinutes === 5)!;
  assert.equal(alert.observed, 100);
  assert.equal(alert.expected, 15);
  assert.ok(alert.pValue < 1e-12 && alert.z > 5);
  assert.equal(alert.examples.length, 5);
  assert.ok(alert.examples.every((e) => e.url.startsWith('https://a.social/') && e.excerpt.includes('support post')));
  assert.match(alert.summary, /support volume spike: 100 posts in 5 min against 15\.0 expected/);
  const one = await getJson<Alert>(`${stack.api}/api/v1/alerts/${alert.id}`);
  assert.equal(one.body.id, alert.id);
  assert.equal((await fetch(`${stack.api}/api/v1/alerts/support-volume-5m-0`)).status, 404);
  const again = await detectSpikes(NOW + 60_000, deps);
  assert.deepEqual(again.fired, [], 'one event, one alert: no re-fire while active');
});

test('each webhook gets its format, signed with the HMAC of timestamp and body', async () => {
  for (let i = 0; hooks.requests.length < 3 * 2 && i < 100; i++) await sleep(50); // 5m and 15m volume alerts at least
  const byPath = (p: string) => hooks.requests.filter((r) => r.url === p);
  for (const r of hooks.requests) {
    const ts = String(r.headers['x-stancewatch-timestamp']);
    assert.equal(r.headers['x-stancewatch-signature'], signature(SECRET, ts, r.body), 'signature verifies');
  }
  const generic = JSON.parse(byPath('/generic')[0]!.body) as { type: string; alert: Alert };
  assert.equal(generic.type, 'stancewatch.spike');
  const slack = JSON.parse(byPath('/slack')[0]!.body) as { text: string; blocks: Array<{ text: { text: string } }> };
  assert.match(slack.text, /\[FIRING\] stancewatch: support/);
  assert.ok(!JSON.stringify(slack.blocks).includes('<script>'), 'post text cannot inject Slack markup');
  const am = JSON.parse(byPath('/am')[0]!.body) as {
    version: string;
    status: string;
    alerts: Array<{ labels: Record<string, string>; startsAt: string; fingerprint: string }>;
  };
  assert.equal(am.version, '4');
  assert.equal(am.status, 'firing');
  assert.equal(am.alerts[0]!.labels.stance, 'support');
  assert.ok(am.alerts[0]!.fingerprint.length > 0);
});

test('the spike gauges show the active alert at scrape time', async () => {
  const text = await (await fetch(`${stack.api}/metrics`)).text();
  assert.match(text, /stancewatch_spike_active\{stance="support",kind="volume"\} 1/);
  assert.match(text, /stancewatch_spike_active\{stance="criticism",kind="volume"\} 0/);
  const z = Number(/stancewatch_spike_zscore\{stance="support"\} ([\d.]+)/.exec(text)?.[1]);
  assert.ok(z > 5, `z ${z}`);
  assert.match(text, /stancewatch_redis_up 1/);
});

test('the alert resolves when the window is ordinary again, and the resolution is delivered', async () => {
  let resolved: string[] = [];
  for (let m = 2; m < 30 && resolved.length === 0; m++)
    resolved = (await detectSpikes(NOW + m * 60_000, deps)).resolved;
  assert.ok(
    resolved.some((id) => id.startsWith('support-volume-5m-')),
    resolved.join(),
  );
  const { body } = await getJson<{ alerts: Alert[] }>(`${stack.api}/api/v1/alerts?state=resolved`);
  assert.ok(body.alerts.some((a) => a.state === 'resolved' && a.resolvedAt));
  for (
    let i = 0;
    !hooks.requests.some((r) => r.url === '/am' && r.body.includes('"status":"resolved"')) && i < 100;
    i++
  )
    await sleep(50);
  assert.ok(hooks.requests.some((r) => r.url === '/am' && r.body.includes('"status":"resolved"')));
});

test('a failing webhook is retried, then counted as failed, never silently dropped', async () => {
  const before = hooks.requests.length;
  hooks.failNext({ status: 500, body: '{}' });
  const job = await deps.deliveryQueue.add(
    'deliver',
    {
      webhook: { format: 'generic', url: `${hooks.url}/generic` },
      alert: JSON.parse(
        (await deps.redis.get(deps.keys.alert((await deps.redis.zrange(deps.keys.alerts, 0, 0))[0]!)))!,
      ) as Alert,
    },
    { attempts: 2, backoff: { type: 'fixed', delay: 50 } },
  );
  for (let i = 0; !(await job.isCompleted()) && i < 100; i++) await sleep(50);
  assert.ok(await job.isCompleted(), 'delivered on the second attempt');
  assert.equal(hooks.requests.length - before, 2);
  const dead = await deps.deliveryQueue.add(
    'deliver',
    { webhook: { format: 'generic', url: 'http://127.0.0.1:9/nobody' }, alert: { id: 'x' } as Alert },
    { attempts: 2, backoff: { type: 'fixed', delay: 50 } },
  );
  for (let i = 0; !(await dead.isFailed()) && i < 100; i++) await sleep(50);
  assert.ok(await dead.isFailed(), 'kept in the failed set');
  const failed = (await stack.metrics.alertDeliveries.get()).values.find((v) => v.labels.outcome === 'failed');
  assert.equal(failed?.value, 1);
});
