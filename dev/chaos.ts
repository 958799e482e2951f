import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { ANY, countField } from '../shared/buckets.ts';
import { createKeys } from '../shared/keys.ts';
import type { Stance } from '../shared/post.ts';
import { QUEUES } from '../shared/queues.ts';
import { FakeHuggingFace } from './fakes/fake-huggingface.ts';
import { FakeTei } from './fakes/fake-tei.ts';
import { startRedis, type TestRedis } from './redis-server.ts';
import { FakeMastodon } from './fakes/fake-mastodon.ts';
import { seededRandom } from '../shared/spikes/simulate.ts';

/**
 * Crash-safety harness: the real workers process (workers/main.ts, a child process) runs against a private
 * redis-server, a fake Mastodon and a fake model that answer slowly, and is killed with SIGKILL at chosen and
 * random moments, then restarted. In each trial:
 *   kill 1  while a job is running (a score job with a model scorer, a collect job with the built-in one);
 *   kill 2  when that same job runs again, after BullMQ handed it back (two kills of one job);
 *   kill 3+ at random moments;
 * then one last process runs until the queues are empty. Every post must be counted exactly once: `lost` is
 * posts with no `counted` marker, `doubled` is the summary total minus the distinct posts counted. The
 * workers' stdout must be JSON lines only (nothing printed around the logger).
 */
export type ChaosScorer = 'builtin' | 'huggingface' | 'tei';
export const CHAOS_SCORERS: readonly ChaosScorer[] = ['builtin', 'huggingface', 'tei'];

export interface TrialResult {
  trial: number;
  scorer: ChaosScorer;
  posts: number;
  counted: number;
  lost: number;
  doubled: number;
  parkedJobs: number;
  kills: number;
  /** How many times the job killed first was handed back by BullMQ (its stall count); ≥ 2 proves the double kill. */
  sameJobStalls: number;
  nonJsonLogLines: number;
  /** Jobs still waiting, active or delayed when the trial gave up waiting (0 when everything drained). */
  unfinishedJobs: number;
  /** Set when the last workers process died by itself before the end (its exit code or signal). */
  lastProcessDied?: string;
  seconds: number;
}

export interface ChaosOptions {
  trials: number;
  postsPerTrial?: number;
  /** Random kills after the two aimed ones. */
  randomKills?: number;
  modelLatencyMs?: number;
  sourceLatencyMs?: number;
  seed?: number;
  onTrial?: (r: TrialResult) => void;
}

const STANCES: Stance[] = ['support', 'criticism', 'neutral'];
const judge = (text: string): Stance => STANCES.find((s) => text.includes(`[${s}]`)) ?? 'neutral';

export async function runChaos(opts: ChaosOptions): Promise<TrialResult[]> {
  const n = opts.postsPerTrial ?? 60;
  const random = seededRandom(opts.seed ?? Date.now());
  const redis = await startRedis();
  const hf = await new FakeHuggingFace().start();
  const tei = await new FakeTei().start();
  hf.judge = judge;
  tei.judge = judge;
  hf.latencyMs = opts.modelLatencyMs ?? 120;
  tei.latencyMs = opts.modelLatencyMs ?? 120;
  const client = new Redis(redis.url, { maxRetriesPerRequest: null });
  const logDir = mkdtempSync(join(tmpdir(), 'sw-chaos-'));
  const results: TrialResult[] = [];
  try {
    for (let trial = 1; trial <= opts.trials; trial++) {
      const scorer = CHAOS_SCORERS[(trial - 1) % CHAOS_SCORERS.length]!;
      // A fresh instance per trial: the fake counts X-RateLimit-Remaining down as the real one does, and a
      // collector that sees it run low pauses the feed for minutes, which a long run would otherwise reach.
      const mastodon = await new FakeMastodon().start();
      mastodon.latencyMs = opts.sourceLatencyMs ?? 150;
      const rig = { redis, mastodon, hf, tei, client, logDir };
      const r = await runTrial(trial, scorer, n, opts.randomKills ?? 2, random, rig).finally(() => mastodon.stop());
      results.push(r);
      opts.onTrial?.(r);
    }
  } finally {
    client.disconnect();
    await hf.stop();
    await tei.stop();
    await redis.stop();
    // The workers' logs of a failed run are kept for diagnosis.
    if (results.length === opts.trials && results.every((r) => r.lost === 0 && r.doubled === 0))
      rmSync(logDir, { recursive: true, force: true });
    else process.stderr.write(`chaos: workers logs kept in ${logDir}\n`);
  }
  return results;
}

interface Rig {
  redis: TestRedis;
  mastodon: FakeMastodon;
  hf: FakeHuggingFace;
  tei: FakeTei;
  client: Redis;
  logDir: string;
}

async function runTrial(
  trial: number,
  scorer: ChaosScorer,
  n: number,
  randomKills: number,
  random: () => number,
  rig: Rig,
): Promise<TrialResult> {
  const t0 = Date.now();
  const prefix = `chaos${trial}`;
  const tag = `chaos${trial}`;
  const base = Date.now() - 3_600_000;
  for (let i = 0; i < n; i++)
    rig.mastodon.post(
      tag,
      { content: `<p>Durov post ${trial}-${i} [${STANCES[i % 3]}]</p>` },
      new Date(base + i * 1000),
    );
  const env: Record<string, string> = {
    REDIS_URL: rig.redis.url,
    REDIS_PREFIX: prefix,
    SOURCES: 'mastodon',
    MASTODON_INSTANCES: rig.mastodon.url,
    MASTODON_TAGS: tag,
    MASTODON_PAGE_LIMIT: '5',
    MASTODON_INITIAL_PAGES: '100',
    MASTODON_MAX_PAGES_PER_POLL: '100',
    MASTODON_POLL_SECONDS: '5',
    MASTODON_SEARCH_TERMS: '',
    SCORE_BATCH_SIZE: '8',
    JOB_LOCK_SECONDS: '1',
    WORKERS_METRICS_PORT: '0',
    LOG_LEVEL: 'warn',
    HF_CONCURRENCY: '2',
    TEI_MAX_BATCH: '6',
    ...(scorer === 'huggingface' ? { SCORER: 'huggingface', HF_ENDPOINT_URL: `${rig.hf.url}/` } : {}),
    ...(scorer === 'tei' ? { SCORER: 'tei', TEI_URL: rig.tei.url } : {}),
    ...(scorer === 'builtin' ? { SCORER: 'builtin' } : {}),
  };
  const keys = createKeys(prefix);
  // Jobs that run long enough to be caught: scoring with a model, polling the slow source with the built-in scorer.
  const target = new Queue(scorer === 'builtin' ? QUEUES.collect : QUEUES.score, {
    connection: rig.client,
    prefix: keys.bullPrefix,
  });
  const logFile = join(rig.logDir, `trial-${trial}.log`);
  const out = createWriteStream(logFile, { flags: 'a' });
  let child: ChildProcess | undefined;
  const start = () => {
    child = spawn(process.execPath, ['--import', 'tsx', 'workers/main.ts'], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.pipe(out, { end: false });
    child.stderr!.pipe(out, { end: false });
  };
  let kills = 0;
  const debug = (m: string) =>
    process.env.CHAOS_DEBUG && process.stderr.write(`[${((Date.now() - t0) / 1000).toFixed(1)}s] ${m}\n`);
  const kill = async () => {
    debug(`kill ${kills + 1}`);
    const c = child!;
    c.kill('SIGKILL');
    if (c.exitCode === null && c.signalCode === null) await new Promise((r) => c.once('exit', r));
    kills++;
  };
  const activeIds = async () => (await target.getActive()).map((j) => j.id!);
  const waitFor = async <T>(probe: () => Promise<T | undefined>, ms: number): Promise<T | undefined> => {
    for (const deadline = Date.now() + ms; Date.now() < deadline; await sleep(15)) {
      const v = await probe();
      if (v !== undefined) return v;
    }
    return undefined;
  };

  try {
    // Kill 1: a job of the target queue is running.
    start();
    const first = await waitFor(async () => (await activeIds())[0], 60_000);
    debug(`first active job: ${first}`);
    await sleep(random() * 150);
    await kill();
    // Kill 2: the same job, once BullMQ has handed it back and the new process runs it.
    start();
    if (first) {
      // Still listed as active right after the kill: wait until BullMQ has handed it back (stall count 1) and it runs again.
      const again = await waitFor(async () => {
        const job = await target.getJob(first);
        return job && job.stalledCounter >= 1 && (await job.isActive()) ? true : undefined;
      }, 60_000);
      debug(`same job active again: ${again}`);
      await sleep(random() * 100);
    }
    await kill();
    // Random kills.
    for (let k = 0; k < randomKills; k++) {
      start();
      await sleep(300 + random() * 2_500);
      await kill();
    }
    // The last process runs until every post is counted and the queues are empty.
    start();
    const score = new Queue(QUEUES.score, { connection: rig.client, prefix: keys.bullPrefix });
    const aggregate = new Queue(QUEUES.aggregate, { connection: rig.client, prefix: keys.bullPrefix });
    const distinct = async () => countKeys(rig.client, `${prefix}:counted:*`);
    const busy = async () => {
      let jobs = 0;
      for (const q of [score, aggregate])
        jobs += Object.values(await q.getJobCounts('waiting', 'active', 'delayed', 'prioritized')).reduce(
          (a, b) => a + b,
          0,
        );
      return jobs;
    };
    await waitFor(async () => ((await distinct()) >= n && (await busy()) === 0 ? true : undefined), 60_000);
    debug('drained');
    const counted = await distinct();
    const unfinishedJobs = await busy();
    const last = child!;
    const lastProcessDied =
      last.exitCode !== null || last.signalCode !== null ? String(last.exitCode ?? last.signalCode) : undefined;
    const total = await summaryTotal(rig.client, keys);
    const parkedJobs = (await score.getFailedCount()) + (await aggregate.getFailedCount());
    const sameJobStalls = first ? Number((await target.getJob(first))?.stalledCounter ?? 0) : 0;
    await score.close();
    await aggregate.close();
    const c = child!;
    c.kill('SIGTERM');
    if (c.exitCode === null && c.signalCode === null) await new Promise((r) => c.once('exit', r));
    out.end();
    await new Promise<void>((r) => out.once('close', () => r()));
    const nonJsonLogLines = readFileSync(logFile, 'utf8')
      .split('\n')
      .filter((l) => l.trim() && !isJson(l)).length;
    return {
      trial,
      scorer,
      posts: n,
      counted,
      lost: n - counted,
      doubled: total - counted,
      parkedJobs,
      kills,
      sameJobStalls,
      nonJsonLogLines,
      unfinishedJobs,
      ...(lastProcessDied ? { lastProcessDied } : {}),
      seconds: Math.round((Date.now() - t0) / 100) / 10,
    };
  } finally {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await target.close();
  }
}

function isJson(line: string): boolean {
  try {
    JSON.parse(line);
    return true;
  } catch {
    return false;
  }
}

async function countKeys(redis: Redis, pattern: string): Promise<number> {
  let cursor = '0';
  let count = 0;
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1_000);
    count += found.length;
    cursor = next;
  } while (cursor !== '0');
  return count;
}

/** Posts counted into the day buckets: each stance's all-sources, all-languages count field, added up. */
async function summaryTotal(redis: Redis, keys: ReturnType<typeof createKeys>): Promise<number> {
  let cursor = '0';
  let total = 0;
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', keys.bucket('d', 0).replace(/0$/, '*'), 'COUNT', 1_000);
    for (const k of found) {
      const counts = await redis.hmget(k, ...STANCES.map((s) => countField(ANY, ANY, s)));
      total += counts.reduce((a, v) => a + Number(v ?? 0), 0);
    }
    cursor = next;
  } while (cursor !== '0');
  return total;
}
