import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type { Redis } from 'ioredis';
import { createApp, metricsApp } from '../api/app.ts';
import { listen } from '../api/server.ts';
import { loadConfig } from '../shared/config.ts';
import { createKeys } from '../shared/keys.ts';
import { createLogger } from '../shared/logger.ts';
import { createMetrics } from '../shared/metrics.ts';
import type { ScoredPost } from '../shared/post.ts';
import { createRedis } from '../shared/redis.ts';
import { TrendWriter } from '../workers/aggregate/trend-writer.ts';
import { startRedis, type TestRedis } from '../dev/redis-server.ts';

/** API keys (hashed, constant-time), per-key rate limits in Redis, helmet, CORS, /metrics on its own port, bounded bodies. */
let server: TestRedis;
let redis: Redis;
const servers: Server[] = [];
let keyed = '';
let open = '';
let metricsPort = '';
const keys = createKeys('acc');
const sha = (k: string) => createHash('sha256').update(k).digest('hex');
const NOW = Date.parse('2026-11-29T12:00:00Z');

async function serve(app: Parameters<typeof listen>[0]): Promise<string> {
  const s = await listen(app, 0, '127.0.0.1');
  servers.push(s);
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
}

before(async () => {
  server = await startRedis();
  redis = createRedis(server.url);
  const metrics = createMetrics();
  const log = createLogger('silent');
  keyed = await serve(
    createApp({
      redis,
      keys,
      metrics,
      log,
      limits: { maxBuckets: 500, maxPostChars: 1_000, maxResponseBytes: 100_000 },
      metricsElsewhere: true,
      now: () => NOW,
      access: { keySha256: [sha('key-one'), sha('key-two')], ratePerMinute: 3, corsOrigins: ['https://dash.example'] },
    }),
  );
  open = await serve(
    createApp({
      redis,
      keys,
      metrics,
      log,
      limits: { maxBuckets: 500, maxPostChars: 1_000, maxResponseBytes: 100_000 },
      now: () => NOW,
    }),
  );
  metricsPort = await serve(metricsApp({ metrics, log }));
  // 120 posts of 1 MB each, one with a javascript: URL, stored as an older version would have stored them.
  const writer = new TrendWriter(redis, keys, {
    countedSeconds: 86_400,
    postsSeconds: 86_400,
    postsMax: 1_000,
    bucketsSeconds: { m: 86_400, h: 86_400, d: 86_400 },
  });
  const posts: ScoredPost[] = Array.from({ length: 120 }, (_, i) => ({
    source: 'mastodon',
    id: `https://a.social/s/${i}`,
    url: i === 0 ? 'javascript:alert(document.cookie)' : `https://a.social/@x/${i}`,
    text: `Durov ${i} ${'x'.repeat(1_000_000)}`,
    lang: 'en',
    createdAt: new Date(NOW - i * 1_000).toISOString(),
    author: 'h',
    engagement: { likes: 0, reposts: 0, replies: 0 },
    result: { stance: 'support', score: 0.5, confidence: 0.5, model: { id: 'builtin-lexicon-v1', kind: 'builtin' } },
    scoredAt: new Date(NOW).toISOString(),
  }));
  await writer.add(posts, NOW);
});

after(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
  await redis.quit();
  await server.stop();
});

async function problem(res: Response, status: number): Promise<{ status: number; title: string; detail: string }> {
  assert.equal(res.status, status);
  assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
  const body = (await res.json()) as { status: number; title: string; detail: string };
  assert.equal(body.status, status);
  return body;
}

test('with keys configured: 401 without or with a wrong key, 200 with one (Bearer or X-API-Key); health and the contract stay public', async () => {
  const none = await fetch(`${keyed}/api/v1/summary`);
  await problem(none, 401);
  assert.match(none.headers.get('www-authenticate') ?? '', /^Bearer/);
  await problem(await fetch(`${keyed}/api/v1/summary`, { headers: { authorization: 'Bearer key-three' } }), 401);
  await problem(await fetch(`${keyed}/api/v1/summary`, { headers: { 'x-api-key': sha('key-one') } }), 401); // the digest is not the key
  assert.equal((await fetch(`${keyed}/api/v1/summary`, { headers: { authorization: 'Bearer key-one' } })).status, 200);
  assert.equal((await fetch(`${keyed}/api/v1/trends`, { headers: { 'x-api-key': 'key-one' } })).status, 200);
  assert.equal((await fetch(`${keyed}/healthz`)).status, 200);
  assert.equal((await fetch(`${keyed}/api/v1/openapi.json`)).status, 200);
  assert.equal((await fetch(`${open}/api/v1/summary`)).status, 200, 'no keys configured: open');
});

test('each key has its own per-minute budget in Redis; over it, 429 problem+json with Retry-After', async () => {
  const get = (k: string) => fetch(`${keyed}/api/v1/alerts`, { headers: { authorization: `Bearer ${k}` } });
  for (let i = 0; i < 3; i++) assert.equal((await get('key-two')).status, 200);
  const over = await get('key-two');
  const p = await problem(over, 429);
  assert.match(p.detail, /3 requests per minute/);
  assert.ok(Number(over.headers.get('retry-after')) >= 1 && Number(over.headers.get('retry-after')) <= 60);
  const stored = await redis.keys(`${keys.apiRateLimit}*`);
  assert.ok(
    stored.some((k) => k.endsWith(sha('key-two').slice(0, 16))),
    'the counter lives in Redis under the key id, not the key',
  );
  assert.ok(!stored.some((k) => k.includes('key-two')));
  // key-one used 2 of its 3 in the test before: one left, then 429.
  assert.equal((await get('key-one')).status, 200);
  await problem(await get('key-one'), 429);
});

test('security headers from helmet: a strict CSP, nosniff, no framing', async () => {
  const res = await fetch(`${open}/api/v1/summary`);
  const csp = res.headers.get('content-security-policy') ?? '';
  for (const d of [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "object-src 'none'",
    "frame-ancestors 'none'",
  ])
    assert.ok(csp.includes(d), `${d} in ${csp}`);
  assert.ok(!csp.includes('unsafe-inline') && !csp.includes('unsafe-eval'));
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
  assert.equal(res.headers.get('x-frame-options'), 'SAMEORIGIN');
  assert.ok(res.headers.get('strict-transport-security'));
  assert.equal(res.headers.get('x-powered-by'), null);
});

test('CORS only for the configured origins', async () => {
  const ok = await fetch(`${keyed}/healthz`, { headers: { origin: 'https://dash.example' } });
  assert.equal(ok.headers.get('access-control-allow-origin'), 'https://dash.example');
  assert.match(ok.headers.get('access-control-expose-headers') ?? '', /ETag/);
  const other = await fetch(`${keyed}/healthz`, { headers: { origin: 'https://evil.example' } });
  assert.equal(other.headers.get('access-control-allow-origin'), null);
  const preflight = await fetch(`${keyed}/api/v1/summary`, {
    method: 'OPTIONS',
    headers: {
      origin: 'https://dash.example',
      'access-control-request-method': 'GET',
      'access-control-request-headers': 'authorization',
    },
  });
  assert.equal(preflight.status, 204);
  assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /Authorization/);
  assert.equal(
    (await fetch(`${open}/healthz`, { headers: { origin: 'https://dash.example' } })).headers.get(
      'access-control-allow-origin',
    ),
    null,
    'none configured: no CORS',
  );
});

test('API_METRICS_PORT: /metrics answers on its own port and not on the public one', async () => {
  await problem(await fetch(`${keyed}/metrics`), 404);
  const m = await fetch(`${metricsPort}/metrics`);
  assert.equal(m.status, 200);
  assert.match(await m.text(), /stancewatch_http_request_duration_seconds/);
  assert.equal((await fetch(`${open}/metrics`)).status, 200, 'unset: on the API port as before');
});

test('bounded answers: 1 MB posts are cut to the cap, a page stops before the byte limit, the cursor walks all of them, javascript: never served', async () => {
  const seen = new Set<string>();
  let cursor: string | null = null;
  let pages = 0;
  let largest = 0;
  do {
    const res: Response = await fetch(`${open}/api/v1/posts?limit=200${cursor ? `&cursor=${cursor}` : ''}`);
    assert.equal(res.status, 200);
    const text = await res.text();
    largest = Math.max(largest, Buffer.byteLength(text));
    const body = JSON.parse(text) as { posts: ScoredPost[]; nextCursor: string | null };
    for (const p of body.posts) {
      assert.ok(p.text.length <= 1_000, `${p.text.length} characters`);
      assert.ok(p.url === '' || p.url.startsWith('https://a.social/'), p.url);
      assert.ok(!seen.has(p.id), 'no post twice');
      seen.add(p.id);
    }
    cursor = body.nextCursor;
    pages++;
  } while (cursor && pages < 50);
  console.log(
    `posts: 120 stored posts of 1 MB served in ${pages} pages, largest answer ${largest} bytes (limit 100000)`,
  );
  assert.equal(seen.size, 120);
  assert.ok(largest <= 100_000, `${largest} bytes`);
  assert.ok(pages > 1);
});

test('access settings: key digests must be hex SHA-256; origins are normalised; the metrics port is optional', () => {
  assert.throws(() => loadConfig({ API_KEYS_SHA256: 'my-plain-key' }), /API_KEYS_SHA256/);
  const cfg = loadConfig({
    API_KEYS_SHA256: sha('a').toUpperCase(),
    API_CORS_ORIGINS: 'https://dash.example/,*',
    API_METRICS_PORT: '9464',
  });
  assert.deepEqual(cfg.api.access.keySha256, [sha('a')]);
  assert.deepEqual(cfg.api.access.corsOrigins, ['https://dash.example', '*']);
  assert.equal(cfg.api.metricsPort, 9464);
  assert.equal(loadConfig({}).api.metricsPort, undefined);
  assert.throws(() => loadConfig({ API_CORS_ORIGINS: 'javascript:alert(1)' }), /API_CORS_ORIGINS/);
});
