import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { FakeMastodon } from '../dev/fakes/fake-mastodon.ts';
import { FakeHuggingFace } from '../dev/fakes/fake-huggingface.ts';
import { WebhookReceiver } from './fakes/webhook-receiver.ts';
import { startStack, type TestStack, waitForCounted } from './helpers/pipeline.ts';
import { startRedis, type TestRedis } from '../dev/redis-server.ts';

/**
 * The whole pipeline runs with canary secrets — tokens, a password, a user:password inside HF_ENDPOINT_URL,
 * a webhook URL and signing secret — while the upstreams echo them back in error bodies and headers. Every
 * log line (at trace level), /metrics, /readyz and every API answer is then searched for them: 0 hits.
 */
const CANARY = {
  hfToken: 'hf_CANARYtok0001',
  endpointUser: 'CANARYuser0002',
  endpointPassword: 'CANARYpass0003',
  mastodonToken: 'CANARYmasto0004',
  authorKey: 'CANARYauthor0005',
  hookSecret: 'CANARYhook0006',
  hookPath: 'CANARYslack0007',
};
const forms = (s: string) => [s, Buffer.from(s).toString('base64'), encodeURIComponent(s)];
const needles = [
  ...Object.values(CANARY).flatMap(forms),
  ...forms(`${CANARY.endpointUser}:${CANARY.endpointPassword}`),
];

let redis: TestRedis;
const mastodon = new FakeMastodon();
const hf = new FakeHuggingFace();
const hook = new WebhookReceiver();
let stack: TestStack;
const lines: string[] = [];

before(async () => {
  redis = await startRedis();
  await Promise.all([mastodon.start(), hf.start(), hook.start()]);
  mastodon.tokens.add(CANARY.mastodonToken);
  for (let i = 0; i < 6; i++)
    mastodon.post('durov', { content: `<p>Durov case post ${i}</p>` }, new Date(Date.now() - 600_000 + i * 1_000));
  // The instance's first answers echo what it was sent, in the body and in headers, as a badly-behaved proxy would.
  const echo = `invalid token "Bearer ${CANARY.mastodonToken}" for http://${CANARY.endpointUser}:${CANARY.endpointPassword}@127.0.0.1/ (hf ${CANARY.hfToken})`;
  mastodon.failNext({
    status: 401,
    body: JSON.stringify({ error: echo }),
    headers: { 'www-authenticate': `Bearer error="invalid_token", token="${CANARY.mastodonToken}"`, 'x-echo': echo },
  });
  mastodon.failNext({ status: 500, body: echo, headers: { 'x-echo': echo } });
  // The model's endpoint URL carries user:password: fetch refuses such a URL and its error message quotes it.
  const port = new URL(hf.url).port;
  stack = await startStack(
    {
      REDIS_URL: redis.url,
      LOG_LEVEL: 'trace',
      MASTODON_INSTANCES: mastodon.url,
      MASTODON_TAGS: 'durov',
      MASTODON_POLL_SECONDS: '5',
      MASTODON_ACCESS_TOKEN: CANARY.mastodonToken,
      MASTODON_SEARCH_TERMS: 'Durov',
      HF_TOKEN: CANARY.hfToken,
      HF_ENDPOINT_URL: `http://${CANARY.endpointUser}:${CANARY.endpointPassword}@127.0.0.1:${port}/`,
      HF_MAX_ATTEMPTS: '2',
      HF_BACKOFF_BASE_MS: '5',
      HF_BACKOFF_MAX_MS: '20',
      MODEL_BREAKER_FAILURES: '1',
      SCORER_FALLBACK: 'builtin',
      AUTHOR_HASH_KEY: CANARY.authorKey,
      ALERT_WEBHOOKS: `slack=${hook.url}/services/${CANARY.hookPath}`,
      ALERT_WEBHOOK_SECRET: CANARY.hookSecret,
    },
    {},
    { write: (s: string) => void lines.push(s) },
  );
});

after(async () => {
  await stack?.stop();
  await Promise.all([mastodon.stop(), hf.stop(), hook.stop()]);
  await redis?.stop();
});

test('canary secrets echoed by upstreams appear in no log line, metric, health answer or API body', async () => {
  await waitForCounted(stack, 6, 60_000).catch((err) => {
    console.log(lines.slice(-30).join('').slice(0, 6_000));
    throw err;
  });
  // Let the failing polls and the open breaker publish what they publish.
  for (let i = 0; i < 100 && !(await stack.redis.hlen(`${stack.cfg.redis.prefix}:source:last-error`)); i++)
    await sleep(50);
  const bodies: Record<string, string> = {};
  for (const path of [
    '/readyz',
    '/healthz',
    '/metrics',
    '/api/v1/posts?limit=200',
    '/api/v1/summary?window=24h',
    '/api/v1/trends',
    '/api/v1/alerts',
    '/api/v1/openapi.json',
  ]) {
    bodies[path] = await (await fetch(`${stack.api}${path}`)).text();
  }
  const readyz = JSON.parse(bodies['/readyz']!) as {
    model: { up: boolean; reason?: string; lastError?: unknown } | null;
    sources: Record<string, { lastError: { reason: string } | null }>;
  };
  // The checks had something to find: the upstream errors did happen and were reported by reason.
  assert.ok(
    Object.values(readyz.sources).some((s) => s.lastError?.reason === 'http_4xx' || s.lastError?.reason === 'http_5xx'),
    bodies['/readyz'],
  );
  assert.equal(readyz.model?.up, false);
  assert.match(readyz.model?.reason ?? '', /^(http_\d{3}|network|timeout|malformed|error)$/);
  assert.equal(readyz.model?.lastError, undefined);
  assert.ok(
    lines.some((l) => l.includes('poll stopped')),
    'the failed polls were logged',
  );
  assert.ok(
    lines.some((l) => l.includes('[redacted]')),
    'and something was redacted from them',
  );
  const haystacks = [...lines.map((l, i) => [`log line ${i}`, l] as const), ...Object.entries(bodies)];
  if (process.env.CANARY_DUMP) console.log(lines.join(''), bodies['/readyz']);
  const hits = haystacks.flatMap(([where, text]) =>
    needles.filter((n) => text.includes(n)).map((n) => `${where}: ${n}`),
  );
  const bytes = haystacks.reduce((a, [, t]) => a + t.length, 0);
  console.log(
    `canaries: ${needles.length} needles × ${lines.length} log lines + ${Object.keys(bodies).length} HTTP bodies (${bytes} characters): ${hits.length} hits`,
  );
  assert.deepEqual(hits, []);
});
