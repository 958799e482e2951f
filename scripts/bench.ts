import { spawnSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { cpus, loadavg } from 'node:os';
import { Redis } from 'ioredis';
import { cpuMs, Proc, type Cpu } from '../dev/bench/ipc.ts';
import { dropPrefix, startRedis } from '../dev/redis-server.ts';
import { createKeys } from '../shared/keys.ts';
import { TokenCounter } from '../workers/aggregate/token-counter.ts';
import { pollOffsetMs } from '../workers/collect/poll-offset.ts';

/**
 * `npm run bench [-- --quick] [-- --json]`: what the pipeline and the API cost, measured against a private
 * redis-server this script starts (so INFO commandstats and INFO cpu count only our work). Everything
 * measured runs in a process of its own and reports process.cpuUsage(): the workers, the API, the fake
 * Mastodon (a source, not measured), the fixed-rate load generator and the one-job-per-post baseline.
 * Wall-clock figures on a shared machine are noisy: compare ratios taken in the same run, and CPU per post
 * or per request. The whole run is bounded (--quick ≈ 1.5 min, full ≈ 5 min).
 */
const QUICK = process.argv.includes('--quick');
const JSON_OUT = process.argv.includes('--json');
/** --freshness: only the freshness run (a minute). */
const ONLY_FRESHNESS = process.argv.includes('--freshness');
/** --ingest-only: the ceilings, the baseline and the main ingest run, no scale-out, reads or freshness. */
const INGEST_ONLY = process.argv.includes('--ingest-only');
/** --cpu-prof DIR: the workers processes write V8 CPU profiles there (open them in Chrome DevTools). */
const CPU_PROF_DIR = process.argv.includes('--cpu-prof')
  ? process.argv[process.argv.indexOf('--cpu-prof') + 1]
  : undefined;
const S = QUICK
  ? {
      ingest: 10_000,
      shared: 50,
      dedupe: 500,
      scale: 5_000,
      baseline: 5_000,
      big: 100_000,
      mainSeconds: 5,
      shortSeconds: 3,
      fresh: 8,
    }
  : {
      ingest: 100_000,
      shared: 200,
      dedupe: 2_000,
      scale: 30_000,
      baseline: 20_000,
      big: 1_000_000,
      mainSeconds: 30,
      shortSeconds: 10,
      fresh: 20,
    };
/** The deployment settings the ingest runs use (printed with the figures): bigger batches mean fewer jobs per post. */
const PIPELINE_SETTINGS = {
  SCORE_BATCH_SIZE: process.env.SCORE_BATCH_SIZE ?? '200',
  SCORE_WORKER_CONCURRENCY: process.env.SCORE_WORKER_CONCURRENCY ?? '4',
};
/** The main ingest's posts were created over the last 23 hours, as on a first start's catch-up. */
const DAY_SPREAD_MS = 23 * 3_600_000;
const TAGS = Array.from({ length: 8 }, (_, i) => `durov${i}`);
const RATE = 1_000;
const say = (m: string) => process.stderr.write(`bench: ${m}\n`);
const figures: Record<string, unknown> = {
  machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version, loadAverage1m: loadavg()[0] },
  quick: QUICK,
  settings: PIPELINE_SETTINGS,
};

// A private Redis: the INFO figures then count nothing but this run.
const redisServer = await startRedis();
const { url, port } = redisServer;
const redis = new Redis(url, { maxRetriesPerRequest: null });
figures.redis = (await redis.info('server')).match(/redis_version:(\S+)/)?.[1];
const procs: Proc[] = [];
const start = async (name: string, file: string, env: Record<string, string> = {}) => {
  const profile =
    CPU_PROF_DIR && (file === 'workers.ts' || file === 'api.ts') ? ['--cpu-prof', '--cpu-prof-dir', CPU_PROF_DIR] : [];
  const p = await Proc.start(name, file, { REDIS_URL: url, LOG_LEVEL: 'warn', ...env }, profile);
  procs.push(p);
  return p;
};
const stop = async (p: Proc) => {
  await p.stop();
  procs.splice(procs.indexOf(p), 1);
};

async function redisStats() {
  const [stats, cpu, mem] = await Promise.all([redis.info('commandstats'), redis.info('cpu'), redis.info('memory')]);
  let calls = 0;
  const byCommand: Record<string, { calls: number; usec: number }> = {};
  for (const m of stats.matchAll(/^cmdstat_([\w|]+):calls=(\d+),usec=(\d+)/gm)) {
    calls += Number(m[2]);
    byCommand[m[1]!] = { calls: Number(m[2]), usec: Number(m[3]) };
  }
  const num = (text: string, name: string) => Number(new RegExp(`${name}:([\\d.]+)`).exec(text)?.[1] ?? 0);
  return {
    calls,
    byCommand,
    cpuS: num(cpu, 'used_cpu_user') + num(cpu, 'used_cpu_sys'),
    usedMemory: num(mem, 'used_memory'),
  };
}

try {
  const feed = await start('fake-mastodon', 'feed.ts');
  const feedUrl = await feed.call<string>('url');
  if (!ONLY_FRESHNESS) await throughputAndReads(feed, feedUrl);
  // 4. Freshness: a status posted at the source → visible through the API, with 5 s polls spread by offset.
  await stop(feed);
  if (!INGEST_ONLY) {
    // An instance of its own: the ingest runs used up the first one's rate-limit window (300 requests per
    // 5 minutes, like a real instance), which would pause these feeds for minutes.
    const freshFeed = await start('fake-mastodon-fresh', 'feed.ts');
    say(`freshness: ${S.fresh} live statuses, 5 s polls…`);
    figures.freshness = await freshness(freshFeed, await freshFeed.call<string>('url'));
    await stop(freshFeed);
  }
} finally {
  for (const p of [...procs]) await p.stop().catch(() => {});
  await redis.quit().catch(() => {});
  await redisServer.stop();
}

if (JSON_OUT) console.log(JSON.stringify(figures, null, 2));
else printTable(figures);

async function throughputAndReads(feed: Proc, feedUrl: string) {
  // 1. Ceilings in this run: raw Redis, and the one-job-per-post BullMQ design.
  say('raw Redis ceiling (redis-benchmark)…');
  const rb = spawnSync(
    'redis-benchmark',
    [
      '-h',
      '127.0.0.1',
      '-p',
      String(port),
      '-q',
      '--csv',
      '-n',
      QUICK ? '100000' : '300000',
      '-P',
      '32',
      '-t',
      'set,incr,hset,zadd',
    ],
    { encoding: 'utf8', timeout: 60_000 },
  );
  const ceiling: Record<string, number> = {};
  for (const m of (rb.stdout ?? '').matchAll(/^"([A-Z]+)[^"]*","([\d.]+)"/gm))
    ceiling[m[1]!] = Math.round(Number(m[2]));
  figures.redisCeilingCommandsPerSecond = ceiling;
  await redis.flushall();

  say(`one-job-per-post BullMQ baseline (${S.baseline} jobs, no-op processor, concurrency 50)…`);
  const baselineProc = await start('baseline', 'baseline.ts');
  const baseline = await baselineProc.call<{ jobsPerSecond: number; cpuUsPerJob: number }>('run', {
    url,
    prefix: 'bench-baseline',
    jobs: S.baseline,
  });
  await stop(baselineProc);
  figures.baseline = baseline;

  // The floor: the per-post work any design must do (parse, HTML to text, score, fingerprint, tokens),
  // with no Redis, queue or network, on pages from a fake instance of its own (the rate-limit window).
  say('per-post work floor (parse, HTML to text, score, fingerprint, tokens; no Redis or queues)…');
  const floorFeed = await start('fake-mastodon-floor', 'feed.ts');
  const floorPosts = QUICK ? 2_000 : 8_000;
  await floorFeed.call('load', { tags: ['floor'], posts: floorPosts, shared: 0, spreadMs: 3_600_000, prefix: 'f-' });
  const floorProc = await start('floor', 'floor.ts');
  const floor = await floorProc.call<{ cpuUsPerPost: number }>('run', {
    url: await floorFeed.call<string>('url'),
    tag: 'floor',
    posts: floorPosts,
  });
  await Promise.all([stop(floorProc), stop(floorFeed)]);
  figures.floor = {
    ...floor,
    // Both cores doing nothing but this work, no Redis, queue, network or source: no design on this machine goes faster.
    postsPerSecondOnAllCoresAtMost: Math.round((cpus().length * 1e6) / floor.cpuUsPerPost),
  };

  // 2. Ingest end to end: fake source → collect → score (built-in) → aggregate, in 1 workers process.
  let run = 0;
  /** `spreadMs`: how far back the posts' creation times reach (a day of history, or a live stream). */
  /** `model`: score with the fake Hugging Face endpoint instead of the built-in scorer, counting its calls. */
  async function ingest(
    workers: number,
    posts: number,
    shared: number,
    breakdown = false,
    spreadMs = DAY_SPREAD_MS,
    model?: { proc: Proc; url: string },
  ) {
    const prefix = `ing${++run}`;
    // Tags of its own per run: a run reads only its own statuses.
    const tags = TAGS.map((t) => `${t}r${run}`);
    const expected = await feed.call<number>('load', {
      tags,
      posts,
      shared,
      spreadMs,
      prefix: `r${run}-`,
    });
    const perTag = Math.ceil(expected / TAGS.length);
    const env = {
      REDIS_PREFIX: prefix,
      SOURCES: 'mastodon',
      MASTODON_INSTANCES: feedUrl,
      MASTODON_TAGS: tags.join(','),
      MASTODON_INITIAL_PAGES: String(Math.min(500, Math.ceil(perTag / 40) + 2)),
      MASTODON_MAX_PAGES_PER_POLL: '100',
      MASTODON_POLL_SECONDS: '5',
      HF_TOKEN: '',
      HF_ENDPOINT_URL: model?.url ?? '',
      TEI_URL: '',
      SCORER: model ? 'huggingface' : 'builtin',
      ...PIPELINE_SETTINGS,
    };
    const modelTexts0 = model ? await model.proc.call<number>('texts') : 0;
    const ws = await Promise.all(Array.from({ length: workers }, (_, i) => start(`workers-${i}`, 'workers.ts', env)));
    const before = await redisStats();
    const cpu0 = await Promise.all(ws.map((w) => w.call<Cpu>('cpu')));
    const feedCpu0 = await feed.call<Cpu>('cpu');
    const t0 = performance.now();
    await Promise.all(ws.map((w) => w.call('go')));
    type Stats = { aggregated: number; cpu: Cpu };
    let stats: Stats[] = [];
    const deadline = Date.now() + (QUICK ? 120_000 : 240_000);
    for (;;) {
      stats = await Promise.all(ws.map((w) => w.call<Stats>('stats')));
      const counted = stats.reduce((a, s) => a + s.aggregated, 0);
      if (counted >= expected) break;
      if (Date.now() > deadline) throw new Error(`ingest: ${counted} of ${expected} counted before the deadline`);
      await sleep(50);
    }
    const seconds = (performance.now() - t0) / 1000;
    const after = await redisStats();
    const feedCpuMs = cpuMs(feedCpu0, await feed.call<Cpu>('cpu'));
    const workerCpuMs = stats.reduce((a, s, i) => a + cpuMs(cpu0[i]!, s.cpu), 0);
    // Texts the model was asked to score: counted where they arrive, at the fake endpoint.
    const modelCalls = model ? (await model.proc.call<number>('texts')) - modelTexts0 : null;
    const out: Record<string, unknown> = {
      workersProcesses: workers,
      createdOverMinutes: Math.round(spreadMs / 60_000),
      posts: expected,
      seconds: Number(seconds.toFixed(2)),
      postsPerSecond: Math.round(expected / seconds),
      postsPerSecondPerProcess: Math.round(expected / seconds / workers),
      workersCpuUsPerPost: Math.round((workerCpuMs * 1000) / expected),
      redisCommandsPerPost: Number(((after.calls - before.calls) / expected).toFixed(1)),
      redisCpuUsPerPost: Number((((after.cpuS - before.cpuS) * 1e6) / expected).toFixed(1)),
      // The source is not ours to speed up, but it shares the two cores.
      fakeSourceCpuUsPerPost: Math.round((feedCpuMs * 1000) / expected),
      // Commands run inside scripts count here too: what Redis does per post, not what crosses the network.
      redisCommandsPerPostByCommand: Object.fromEntries(
        Object.entries(after.byCommand)
          .map(([c, v]) => [c, v.calls - (before.byCommand[c]?.calls ?? 0)] as const)
          .filter(([, n]) => n / expected >= 0.05)
          .sort((a, b) => b[1] - a[1])
          .map(([c, n]) => [c, Number((n / expected).toFixed(2))]),
      ),
      scorer: model ? 'huggingface (fake endpoint, out of process)' : 'builtin',
      ...(model && {
        sharedStatuses: shared,
        copiesPerSharedStatus: TAGS.length,
        modelCalls,
        uniqueTexts: posts + shared,
        extraModelCallsPerSharedStatus: shared ? Number(((modelCalls! - posts - shared) / shared).toFixed(3)) : null,
      }),
    };
    // Settle: let trailing jobs finish before the memory is read.
    await sleep(500);
    if (breakdown) {
      // Memory after the roll-up, which adds the hour hashes back.
      out.tokenRollUp = await rollUpAll(prefix, expected);
      out.memory = await memory(prefix, expected, before.usedMemory);
    }
    await Promise.all(ws.map(stop));
    return { prefix, out };
  }

  /**
   * The deferred half of the token counts: the hours the ingest wrote are rolled up from their 10-minute hashes
   * once quiet for 10 minutes (the detector does it every minute). Run here at once, as if that time had passed,
   * so its Redis cost is measured and can be added to the ingest's per post.
   */
  async function rollUpAll(prefix: string, posts: number) {
    const keys = createKeys(prefix);
    const before = await redisStats();
    const hours = await redis.zcard(keys.tokensPending);
    const t = performance.now();
    // No bound on the calls: it stops when no ready hour is left.
    const rolled = await new TokenCounter(redis, keys).rollUp(Date.now() + 11 * 60_000, Infinity);
    const after = await redisStats();
    return {
      pendingHourHashes: hours,
      rolledUp: rolled,
      seconds: Number(((performance.now() - t) / 1000).toFixed(2)),
      redisCommandsPerIngestedPost: Number(((after.calls - before.calls) / posts).toFixed(1)),
      redisCpuUsPerIngestedPost: Number((((after.cpuS - before.cpuS) * 1e6) / posts).toFixed(1)),
    };
  }

  async function memory(prefix: string, posts: number, usedBefore: number) {
    const families: Record<string, { keys: number; bytes: number }> = {};
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 2_000);
      cursor = next;
      const p = redis.pipeline();
      for (const k of keys) p.memory('USAGE', k);
      const sizes = (await p.exec()) ?? [];
      keys.forEach((k, i) => {
        const parts = k.slice(prefix.length + 1).split(':');
        const fam =
          parts[0] === 'b' ? `b:${parts[1]} (buckets)` : parts[0] === 'q' ? `q:${parts[1]} (BullMQ)` : parts[0]!;
        const f = (families[fam] ??= { keys: 0, bytes: 0 });
        f.keys++;
        f.bytes += Number(sizes[i]?.[1] ?? 0);
      });
    } while (cursor !== '0');
    const total = Object.values(families).reduce((a, f) => a + f.bytes, 0);
    const used = (await redisStats()).usedMemory;
    return {
      postsIngested: posts,
      usedMemoryGrowthBytesPerPost: Math.round((used - usedBefore) / posts),
      keyBytesPerPost: Math.round(total / posts),
      byFamily: Object.fromEntries(
        Object.entries(families)
          .sort((a, b) => b[1].bytes - a[1].bytes)
          .map(([k, f]) => [k, { keys: f.keys, bytesPerPost: Number((f.bytes / posts).toFixed(1)) }]),
      ),
    };
  }

  say(`ingest ${S.ingest} posts (+${S.shared} statuses shared by ${TAGS.length} feeds), 1 workers process…`);
  const main = await ingest(1, S.ingest, S.shared, true);
  figures.ingest = main.out;
  figures['ingest ratio to one-job-per-post baseline'] = Number(
    ((main.out.postsPerSecond as number) / baseline.jobsPerSecond).toFixed(2),
  );
  figures['ingest ratio to raw Redis ceiling (SET/s ÷ commands per post)'] = ceiling.SET
    ? Number(
        ((main.out.postsPerSecond as number) / (ceiling.SET / (main.out.redisCommandsPerPost as number))).toFixed(3),
      )
    : null;

  // Duplicates with a model: statuses that reach every feed at once must cost one model call each.
  say(`duplicates: ${S.dedupe} posts + ${S.shared} statuses in all ${TAGS.length} feeds, scored by a model…`);
  const modelProc = await start('fake-model', 'model.ts');
  const dedupe = await ingest(1, S.dedupe, S.shared, false, DAY_SPREAD_MS, {
    proc: modelProc,
    url: await modelProc.call<string>('url'),
  });
  figures.duplicatesWithAModel = dedupe.out;
  await stop(modelProc);
  await dropPrefix(redis, dedupe.prefix);

  // The same with posts created over the last 10 minutes: a live stream, where a batch's posts share their
  // buckets and tokens (the day-long spread above is what a first start's catch-up looks like).
  say(`ingest ${S.scale} posts created over the last 10 minutes, 1 workers process…`);
  const live = await ingest(1, S.scale, 0, false, 10 * 60_000);
  figures.ingestLive = live.out;
  figures['live ingest ratio to one-job-per-post baseline'] = Number(
    ((live.out.postsPerSecond as number) / baseline.jobsPerSecond).toFixed(2),
  );
  await dropPrefix(redis, live.prefix);
  if (INGEST_ONLY) return;
  const scale: unknown[] = [];
  for (const w of [1, 2, 4]) {
    say(`scale-out: ${w} workers process(es), ${S.scale} posts…`);
    const r = await ingest(w, S.scale, 0);
    scale.push(r.out);
    await dropPrefix(redis, r.prefix);
  }
  figures.scaleOut = scale;

  // 3. Reads: the API in its own process, a fixed-rate load from another, a live trickle of writes.
  const env = { REDIS_PREFIX: main.prefix };
  const api = await start('api', 'api.ts', env);
  const apiUrl = await api.call<string>('url');
  // Uncached costs come from an API that recomputes after every write (no refresh floor).
  const strictApi = await start('api-strict', 'api.ts', { ...env, API_REFRESH_FLOOR_MS: '0' });
  const strictUrl = await strictApi.call<string>('url');
  const load = await start('load', 'load.ts');
  const filler = await start('filler', 'filler.ts', env);
  /** Load as pollers send it: browsers and most HTTP clients accept gzip. */
  async function measure(path: string, seconds: number, headers: Record<string, string> = {}) {
    const a0 = await api.call<{ served: number; cpu: Cpu }>('stats');
    await api.call('loopDelay');
    const r = await load.call<Record<string, number>>('run', {
      url: apiUrl + path,
      rate: RATE,
      seconds,
      headers: { 'accept-encoding': 'gzip', ...headers },
    });
    const a1 = await api.call<{ served: number; cpu: Cpu }>('stats');
    return {
      ...r,
      apiEventLoopDelay: await api.call<{ p99Ms: number; maxMs: number }>('loopDelay'),
      apiCpuUsPerRequest: Math.round((cpuMs(a0.cpu, a1.cpu) * 1000) / Math.max(1, a1.served - a0.served)),
    };
  }
  /** One request computed from the buckets (the data version moved first), sequentially: the uncached cost. */
  async function uncached(path: string, n = QUICK ? 5 : 15) {
    const a0 = await strictApi.call<{ served: number; cpu: Cpu }>('stats');
    const t = performance.now();
    for (let i = 0; i < n; i++) {
      await redis.incr(`${main.prefix}:data-version`);
      await (await fetch(strictUrl + path)).arrayBuffer();
    }
    const a1 = await strictApi.call<{ served: number; cpu: Cpu }>('stats');
    return {
      ms: Number(((performance.now() - t) / n).toFixed(2)),
      apiCpuUsPerRequest: Math.round((cpuMs(a0.cpu, a1.cpu) * 1000) / n),
    };
  }
  async function reads(label: string, mainSeconds: number, shortSeconds: number) {
    const out: Record<string, unknown> = {
      'uncached trends 24h@1m': await uncached('/api/v1/trends?interval=1m'),
      'uncached summary 7d': await uncached('/api/v1/summary?window=7d'),
    };
    // The current version's ETag: a first request may be answered from the last body while it refreshes.
    await (await fetch(`${apiUrl}/api/v1/trends`)).arrayBuffer();
    await sleep(1_200);
    const etag = (await fetch(`${apiUrl}/api/v1/trends`)).headers.get('etag') ?? '';
    say(`${label}: 304 path…`);
    out['trends 24h@5m 304 (no writes)'] = await measure('/api/v1/trends', shortSeconds, { 'if-none-match': etag });
    await filler.call('live', { perSecond: 10 });
    say(`${label}: trends 24h@1m at ${RATE}/s for ${mainSeconds}s (10 writes/s meanwhile)…`);
    out['trends 24h@1m (1440 buckets)'] = await measure('/api/v1/trends?interval=1m', mainSeconds);
    out['trends 24h@1m, client without gzip'] = await measure('/api/v1/trends?interval=1m', shortSeconds, {
      'accept-encoding': 'identity',
    });
    say(`${label}: summary 7d…`);
    out['summary 7d'] = await measure('/api/v1/summary?window=7d', mainSeconds);
    out['posts limit=50'] = await measure('/api/v1/posts?limit=50', shortSeconds);
    // The same with the API on a core of its own and everything else (load generator, Redis, writer) on the
    // other: what the API does when it is not competing with its own load for the two cores.
    if (cpus().length >= 2) {
      const redisPid = Number(/process_id:(\d+)/.exec(await redis.info('server'))?.[1]);
      const others = [load.child.pid, filler.child.pid, strictApi.child.pid, redisPid, process.pid];
      pin([api.child.pid], '0');
      pin(others, '1');
      say(`${label}: the same, API on a core of its own…`);
      out['trends 24h@1m, API on a core of its own'] = await measure('/api/v1/trends?interval=1m', mainSeconds);
      out['summary 7d, API on a core of its own'] = await measure('/api/v1/summary?window=7d', mainSeconds);
      pin([api.child.pid, ...others], `0-${cpus().length - 1}`);
    }
    await filler.call('live', { perSecond: 0 });
    return out;
  }
  const readFigures: Record<string, unknown> = {};
  readFigures[`${S.ingest / 1000}k stored posts`] = await reads(`${S.ingest / 1000}k`, S.mainSeconds, S.shortSeconds);
  say(`growing the data to ${S.big / 1000}k posts (writer, 7 days)…`);
  readFigures.fill = await filler.call('fill', { posts: S.big - S.ingest, spreadMs: 7 * 86_400_000 });
  readFigures[`${S.big / 1000}k stored posts`] = await reads(`${S.big / 1000}k`, S.mainSeconds, S.shortSeconds);
  const small = readFigures[`${S.ingest / 1000}k stored posts`] as Record<string, { p99Ms: number }>;
  const big = readFigures[`${S.big / 1000}k stored posts`] as Record<string, { p99Ms: number }>;
  readFigures[`p99 ratio ${S.big / 1000}k / ${S.ingest / 1000}k`] = Object.fromEntries(
    [
      'trends 24h@1m (1440 buckets)',
      'summary 7d',
      'trends 24h@5m 304 (no writes)',
      'trends 24h@1m, API on a core of its own',
      'summary 7d, API on a core of its own',
    ]
      .filter((k) => big[k] && small[k])
      .map((k) => [k, Number((big[k]!.p99Ms / small[k]!.p99Ms).toFixed(2))]),
  );
  figures.reads = readFigures;
  await Promise.all([stop(api), stop(strictApi), stop(load), stop(filler)]);
}

/** Binds processes (all their threads) to the given CPUs (`taskset -a -cp`). */
function pin(pids: Array<number | undefined>, cpuList: string) {
  for (const pid of pids) {
    if (!pid) continue;
    const r = spawnSync('taskset', ['-a', '-cp', cpuList, String(pid)], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`taskset ${cpuList} ${pid}: ${r.stderr || r.error?.message}`);
  }
}

async function freshness(feed: Proc, feedUrl: string) {
  const tags = ['fresh0', 'fresh1', 'fresh2', 'fresh3'];
  const prefix = 'fresh';
  const env = {
    REDIS_PREFIX: prefix,
    SOURCES: 'mastodon',
    MASTODON_INSTANCES: feedUrl,
    MASTODON_TAGS: tags.join(','),
    MASTODON_POLL_SECONDS: '5',
    SCORER: 'builtin',
    HF_TOKEN: '',
    HF_ENDPOINT_URL: '',
    TEI_URL: '',
  };
  const w = await start('workers-fresh', 'workers.ts', env);
  const api = await start('api-fresh', 'api.ts', { REDIS_PREFIX: prefix });
  const apiUrl = await api.call<string>('url');
  try {
    await w.call('go');
    await sleep(1_000);
    const posted = new Map<string, number>();
    const seen = new Map<string, number>();
    const span = 12_000;
    const schedule = Array.from({ length: S.fresh }, (_, i) => ({
      at: Math.random() * span,
      tag: tags[i % tags.length]!,
      marker: `fresh-marker-${i}`,
    })).sort((a, b) => a.at - b.at);
    const t0 = Date.now();
    const poster = (async () => {
      for (const s of schedule) {
        await sleep(Math.max(0, t0 + s.at - Date.now()));
        posted.set(s.marker, await feed.call<number>('live', { tag: s.tag, marker: s.marker }));
      }
    })();
    let etag = '';
    const deadline = t0 + span + 20_000;
    while (seen.size < S.fresh && Date.now() < deadline) {
      const res = await fetch(`${apiUrl}/api/v1/posts?limit=50`, { headers: etag ? { 'if-none-match': etag } : {} });
      if (res.status === 200) {
        etag = res.headers.get('etag') ?? '';
        const body = (await res.json()) as { posts: Array<{ text: string }> };
        for (const p of body.posts) {
          const m = /fresh-marker-\d+/.exec(p.text)?.[0];
          if (m && !seen.has(m)) seen.set(m, Date.now());
        }
      } else await res.arrayBuffer();
      await sleep(100);
    }
    await poster;
    const lat = [...seen].map(([m, at]) => (at - posted.get(m)!) / 1000).sort((a, b) => a - b);
    const q = (p: number) => Number((lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] ?? NaN).toFixed(2));
    return {
      pollSeconds: 5,
      statuses: S.fresh,
      visible: lat.length,
      p50Seconds: q(0.5),
      p95Seconds: q(0.95),
      maxSeconds: q(1),
      note: 'visible = returned by /api/v1/posts; the same script call writes the trend buckets, so trends show it at the same moment',
      feedOffsetsMs: Object.fromEntries(
        tags.map((t) => [t, pollOffsetMs(`mastodon-${new URL(feedUrl).host}-${t}`, 5_000)]),
      ),
    };
  } finally {
    await stop(w);
    await stop(api);
  }
}

function printTable(f: Record<string, unknown>) {
  const lines: string[] = [];
  const walk = (o: unknown, path: string) => {
    if (o && typeof o === 'object' && !Array.isArray(o))
      for (const [k, v] of Object.entries(o)) walk(v, path ? `${path} › ${k}` : k);
    else if (Array.isArray(o)) o.forEach((v, i) => walk(v, `${path}[${i}]`));
    else lines.push(`${path.padEnd(90)} ${o}`);
  };
  walk(f, '');
  console.log(lines.join('\n'));
}
