import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createApp } from '../api/app.ts';
import { createKeys } from '../shared/keys.ts';
import { createLogger } from '../shared/logger.ts';
import { createMetrics } from '../shared/metrics.ts';
import { loadConfig } from '../shared/config.ts';
import { STANCES } from '../shared/lists.ts';
import { postKey, type ScoredPost } from '../shared/post.ts';
import { createRedis } from '../shared/redis.ts';
import { dropPrefix } from '../dev/redis-server.ts';
import { serveApp } from '../dev/serve-app.ts';
import { TrendWriter } from '../workers/aggregate/trend-writer.ts';

/**
 * `npm run bench:export [-- --posts 100000] [--json]`: stores N posts under a prefix of its own, streams them back through GET /api/v1/export/posts (CSV and NDJSON), checks every record
 * arrived, and prints how much the process's memory grew while it streamed: peak RSS, and peak live heap (sampled
 * after a forced GC every 250 ms). Removes its keys afterwards.
 */
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : fallback;
};
const N = Number(arg('posts', '100000'));
const json = process.argv.includes('--json');
const redisUrl = loadConfig().redis.url;
const prefix = `stancewatch-exportmem-${process.pid}`;
const keys = createKeys(prefix);
const redis = createRedis(redisUrl, 'export-memory');
const MB = 1024 * 1024;
const LANGS = ['en', 'ru', 'fr', 'uk'];
const start = Date.parse('2026-01-01T00:00:00Z');

function post(i: number): ScoredPost {
  const stance = STANCES[i % STANCES.length]!;
  // Every row carries what CSV must escape: quotes, commas, a line break, and text that looks like a formula.
  const text =
    i % 10 === 0
      ? `=HYPERLINK("http://evil.example","click") #${i}`
      : `Post ${i} about "Durov", privacy and the courts,\nsecond line ${'x'.repeat(i % 120)}`;
  return {
    source: i % 2 ? 'mastodon' : 'reddit',
    id: `export-${i}`,
    url: `https://example.social/@u${i % 500}/${i}`,
    text,
    lang: LANGS[i % 4]!,
    createdAt: new Date(start + i * 1_000).toISOString(),
    author: `pseudonym${i % 997}`,
    engagement: { likes: 0, reposts: 0, replies: 0 },
    result: {
      stance,
      score: stance === 'support' ? 0.7 : stance === 'criticism' ? -0.7 : 0,
      confidence: 0.8,
      model: { id: 'builtin-lexicon-v1', kind: 'builtin' },
    },
    scoredAt: new Date(start).toISOString(),
  };
}

/** Counts CSV records (line breaks outside quotes) and NDJSON lines without keeping the body. */
async function consume(
  url: string,
): Promise<{ status: number; records: number; bytes: number; first: string; last: string }> {
  const res = await fetch(url);
  const decoder = new TextDecoder();
  let records = 0,
    bytes = 0,
    quoted = false,
    first = '',
    current = '',
    last = '';
  const keep = (piece: string) => {
    if (current.length < 400) current += piece.slice(0, 400 - current.length);
  };
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    bytes += chunk.length;
    const s = decoder.decode(chunk, { stream: true });
    let i = 0,
      segment = 0;
    for (;;) {
      const q = s.indexOf('"', i);
      const n = s.indexOf('\n', i);
      if (q !== -1 && (n === -1 || q < n)) {
        quoted = !quoted;
        i = q + 1;
        continue;
      }
      if (n === -1) break;
      i = n + 1;
      if (quoted) continue;
      keep(s.slice(segment, n));
      segment = i;
      records++;
      if (records <= 2) first += current;
      last = current;
      current = '';
    }
    keep(s.slice(segment));
  }
  return { status: res.status, records, bytes, first, last };
}

interface Peak {
  rss: number;
  heap: number;
}
async function measured<T>(
  f: () => Promise<T>,
): Promise<{ result: T; rssGrowthMB: number; heapGrowthMB: number; seconds: number }> {
  gc();
  const base = process.memoryUsage();
  const peak: Peak = { rss: base.rss, heap: base.heapUsed };
  // The heap is measured after a forced collection: what the export holds on to, not garbage awaiting the GC.
  const timer = setInterval(() => {
    gc();
    const m = process.memoryUsage();
    peak.rss = Math.max(peak.rss, m.rss);
    peak.heap = Math.max(peak.heap, m.heapUsed);
  }, 250);
  const t0 = performance.now();
  const result = await f();
  const seconds = (performance.now() - t0) / 1000;
  clearInterval(timer);
  const r = (x: number) => Math.round((x / MB) * 10) / 10;
  return {
    result,
    rssGrowthMB: r(peak.rss - base.rss),
    heapGrowthMB: r(peak.heap - base.heapUsed),
    seconds: Math.round(seconds * 100) / 100,
  };
}

try {
  const t0 = performance.now();
  const nowMs = start + N * 1_000 + 60_000;
  // A sample goes through the real writer, so the layout below is checked against it; the rest is written the
  // way the writer stores posts (document and indexes) but pipelined, because the writer's per-post script
  // also fills every time bucket and takes ~0.5 ms a post, minutes for 100,000.
  const writer = new TrendWriter(redis, keys, {
    countedSeconds: 86_400,
    postsSeconds: 365 * 86_400,
    postsMax: N + 10,
    bucketsSeconds: { m: 86_400, h: 86_400, d: 86_400 },
  });
  const SAMPLE = Math.min(N, 1_000);
  await writer.add(
    Array.from({ length: SAMPLE }, (_, i) => post(i)),
    nowMs,
  );
  // The export measured here is unfiltered, so only the "all" index is needed: one MSET and one ZADD per 5,000 posts.
  for (let i = SAMPLE; i < N; i += 5_000) {
    const docs: string[] = [];
    const index: Array<string | number> = [];
    for (let j = i; j < Math.min(N, i + 5_000); j++) {
      const x = post(j);
      const k = postKey(x);
      docs.push(keys.post(k), JSON.stringify(x));
      index.push(Date.parse(x.createdAt), k);
    }
    await redis.mset(...docs);
    await redis.zadd(keys.recent('all'), ...index);
  }
  const seedSeconds = Math.round((performance.now() - t0) / 10) / 100;

  const app = createApp({
    redis,
    keys,
    metrics: createMetrics(),
    log: createLogger('silent'),
    limits: { maxBuckets: 1_500 },
    now: () => nowMs,
  });
  const served = await serveApp(app);
  const base = served.base;
  // For people: the same export over a tenth of the posts, to show the growth does not follow the size. Tests skip it.
  const small = json
    ? undefined
    : await measured(() =>
        consume(`${base}/api/v1/export/posts?format=csv&to=${Math.floor((start + (N / 10) * 1_000) / 1000)}`),
      );
  const csv = await measured(() => consume(`${base}/api/v1/export/posts?format=csv`));
  // The test (--json) streams the CSV only: the NDJSON path shares every line of code but the serialiser.
  const ndjson = json ? undefined : await measured(() => consume(`${base}/api/v1/export/posts?format=ndjson`));
  await served.close();

  const report = {
    posts: N,
    seedSeconds,
    csv: {
      records: csv.result.records - 1,
      bytes: csv.result.bytes,
      seconds: csv.seconds,
      rssGrowthMB: csv.rssGrowthMB,
      heapGrowthMB: csv.heapGrowthMB,
      firstRows: csv.result.first,
      lastRow: csv.result.last,
    },
  };
  if (json) process.stdout.write(`${JSON.stringify(report)}\n`);
  else {
    process.stdout.write(
      [
        `Stored ${N} posts in ${seedSeconds} s.`,
        `Export of ${small!.result.records - 1} posts (CSV): peak RSS +${small!.rssGrowthMB} MB, live heap +${small!.heapGrowthMB} MB.`,
        `Export of ${report.csv.records} posts (CSV, ${(csv.result.bytes / MB).toFixed(1)} MB) in ${csv.seconds} s: peak RSS +${csv.rssGrowthMB} MB, live heap +${csv.heapGrowthMB} MB.`,
        `Export of ${ndjson!.result.records} posts (NDJSON, ${(ndjson!.result.bytes / MB).toFixed(1)} MB) in ${ndjson!.seconds} s: peak RSS +${ndjson!.rssGrowthMB} MB, live heap +${ndjson!.heapGrowthMB} MB.`,
        '',
      ].join('\n'),
    );
  }
} finally {
  await dropPrefix(redis, prefix);
  await redis.quit();
}
