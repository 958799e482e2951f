import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { createApp } from '../api/app.ts';
import { loadConfig } from '../shared/config.ts';
import { createKeys } from '../shared/keys.ts';
import { createLogger } from '../shared/logger.ts';
import { createMetrics } from '../shared/metrics.ts';
import { createRedis } from '../shared/redis.ts';
import { FakeMastodon } from '../dev/fakes/fake-mastodon.ts';
import { startWorkers } from '../workers/pipeline.ts';

/**
 * `npm run bench`: throughput of the whole pipeline with the built-in scorer, and the cost of the API
 * calls pollers make. Uses REDIS_URL (default local) under a prefix of its own, which it deletes after.
 *   POSTS=8000 npm run bench
 */
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const N = Number(process.env.POSTS ?? 8_000);
const texts = readFileSync(join(root, 'data', 'sample-corpus.jsonl'), 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l) as { text: string; label: string; lang: string })
  .filter((r) => r.label !== 'off-topic');

const mastodon = await new FakeMastodon().start();
const start = Date.now() - 23 * 3_600_000;
for (let i = 0; i < N; i++) {
  const r = texts[i % texts.length]!;
  mastodon.post(
    'durov',
    { content: `<p>${r.text} (${i})</p>`, language: r.lang },
    new Date(start + Math.floor((i / N) * 23 * 3_600_000)),
  );
}

const prefix = `bench${Date.now()}`;
const cfg = loadConfig({
  ...process.env,
  LOG_LEVEL: 'warn',
  REDIS_PREFIX: prefix,
  SOURCES: 'mastodon',
  MASTODON_INSTANCES: mastodon.url,
  MASTODON_TAGS: 'durov',
  MASTODON_INITIAL_PAGES: String(Math.ceil(N / 40) + 1),
  SCORE_BATCH_SIZE: process.env.SCORE_BATCH_SIZE ?? '50',
  HF_TOKEN: '',
  HF_ENDPOINT_URL: '',
});
const redis = createRedis(cfg.redis.url, 'bench');
const metrics = createMetrics();
const log = createLogger('warn', 'bench');
const rssBefore = process.memoryUsage().rss;

const t0 = performance.now();
const workers = await startWorkers(cfg, redis, metrics, log);
const counted = async () => (await metrics.postsAggregated.get()).values.reduce((a, v) => a + v.value, 0);
while ((await counted()) < N) await sleep(20);
const seconds = (performance.now() - t0) / 1000;
const rssAfter = process.memoryUsage().rss;

const app = createApp({ redis, keys: createKeys(prefix), metrics, log, limits: { maxBuckets: cfg.api.maxBuckets } });
const server = app.listen(0);
await new Promise((r) => server.once('listening', r));
const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;

async function timeRequests(path: string, headers: Record<string, string> = {}, n = 200): Promise<number> {
  const t = performance.now();
  for (let i = 0; i < n; i++) {
    const res = await fetch(base + path, { headers });
    await res.arrayBuffer();
  }
  return (performance.now() - t) / n;
}
const etag = (await fetch(`${base}/api/v1/trends`)).headers.get('etag') ?? '';
const trends5m = await timeRequests('/api/v1/trends');
const trends304 = await timeRequests('/api/v1/trends', { 'if-none-match': etag });
const trends1m = await timeRequests('/api/v1/trends?interval=1m', {}, 50);
const summary7d = await timeRequests('/api/v1/summary?window=7d');
const posts = await timeRequests('/api/v1/posts?limit=50');

const figures = {
  posts: N,
  pipelineSeconds: Number(seconds.toFixed(2)),
  postsPerSecond: Math.round(N / seconds),
  scorer: workers.scorer.model.id,
  rssGrowthMiB: Math.round((rssAfter - rssBefore) / 2 ** 20),
  apiMs: {
    'trends 24h@5m (288 buckets)': Number(trends5m.toFixed(2)),
    'trends 24h@5m, 304': Number(trends304.toFixed(2)),
    'trends 24h@1m (1440 buckets)': Number(trends1m.toFixed(2)),
    'summary 7d': Number(summary7d.toFixed(2)),
    'posts limit=50': Number(posts.toFixed(2)),
  },
  'ratio 200/304 for a poller': Number((trends5m / trends304).toFixed(1)),
};
console.log(JSON.stringify(figures, null, 2));

server.close();
await workers.close();
let cursor = '0';
do {
  const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1_000);
  if (keys.length) await redis.del(...keys);
  cursor = next;
} while (cursor !== '0');
await redis.quit();
await mastodon.stop();
