import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { createKeys } from '../shared/keys.ts';
import { QUEUES } from '../shared/queues.ts';
import { FakeMastodon } from '../dev/fakes/fake-mastodon.ts';
import { FakeHuggingFace } from '../dev/fakes/fake-huggingface.ts';
import { countedTotal, drain, startStack } from './helpers/pipeline.ts';
import { startRedis, type TestRedis } from '../dev/redis-server.ts';

/**
 * SIGTERM to a workers process (a separate process, as Docker stops it): it stops taking jobs, gives running
 * ones SHUTDOWN_GRACE_SECONDS, hands the rest back to the queue, releases its poll locks and exits — within
 * the grace period plus about a second, whether the model hangs or Redis is down. Nothing is lost: another
 * process counts every post exactly once. Its stdout stays JSON lines only.
 */
const GRACE_S = 2;
/** Hand-back (≤ 1 s) and process exit on a loaded machine. */
const EXIT_SLACK_MS = 3_000;
let redis: TestRedis;
let client: Redis;
const fakes: Array<{ stop(): Promise<void> }> = [];

before(async () => {
  redis = await startRedis({ aof: true });
  client = new Redis(redis.url, { maxRetriesPerRequest: null });
  client.on('error', () => {}); // this test kills Redis on purpose
});
after(async () => {
  for (const f of fakes) await f.stop();
  client.disconnect();
  await redis.stop();
});

interface Workers {
  child: ChildProcess;
  lines: string[];
}

function startWorkersProcess(env: Record<string, string>): Workers {
  const child = spawn(process.execPath, ['--import', 'tsx', 'workers/main.ts'], {
    env: {
      ...process.env,
      REDIS_URL: redis.url,
      SOURCES: 'mastodon',
      LOG_LEVEL: 'info',
      WORKERS_METRICS_PORT: '0',
      SHUTDOWN_GRACE_SECONDS: String(GRACE_S),
      JOB_LOCK_SECONDS: '30',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let rest = '';
  child.stdout!.on('data', (d: Buffer) => {
    const parts = (rest + d.toString('utf8')).split('\n');
    rest = parts.pop()!;
    lines.push(...parts.filter((l) => l.trim()));
  });
  child.stderr!.on('data', (d: Buffer) =>
    lines.push(
      ...d
        .toString('utf8')
        .split('\n')
        .filter((l) => l.trim()),
    ),
  );
  return { child, lines };
}

async function sigtermAndTime(w: Workers): Promise<number> {
  const t0 = performance.now();
  const exited = new Promise((r) => w.child.once('exit', r));
  w.child.kill('SIGTERM');
  await exited;
  return Math.round(performance.now() - t0);
}

async function until(what: string, probe: () => Promise<boolean> | boolean, ms = 60_000): Promise<void> {
  for (const deadline = Date.now() + ms; !(await probe()); await sleep(50)) assert.ok(Date.now() < deadline, what);
}

const nonJson = (lines: string[]) =>
  lines.filter((l) => {
    try {
      JSON.parse(l);
      return false;
    } catch {
      return true;
    }
  });

async function fakeSources(tag: string, n: number) {
  const mastodon = await new FakeMastodon().start();
  const hf = await new FakeHuggingFace().start();
  fakes.push(mastodon, hf);
  for (let i = 0; i < n; i++)
    mastodon.post(tag, { content: `<p>Free Durov ${tag} ${i}</p>` }, new Date(Date.now() - 600_000 + i * 1000));
  const env = {
    MASTODON_INSTANCES: mastodon.url,
    MASTODON_TAGS: tag,
    HF_ENDPOINT_URL: `${hf.url}/`,
    HF_CONCURRENCY: '1',
  };
  return { mastodon, hf, env };
}

test('SIGTERM during a slow model call: exit within the grace period, the job is handed back, nothing lost', async () => {
  const { hf, env } = await fakeSources('slowmodel', 6);
  const prefix = 'sd-model';
  hf.latencyMs = 60_000;
  const w = startWorkersProcess({ ...env, REDIS_PREFIX: prefix });
  await until('the worker never called the model', () => hf.requests.some((r) => r.method === 'POST'));
  const ms = await sigtermAndTime(w);
  assert.ok(ms < GRACE_S * 1000 + EXIT_SLACK_MS, `exited ${ms} ms after SIGTERM (grace ${GRACE_S} s)`);
  assert.ok(ms >= GRACE_S * 1000 - 100, `the running job got its grace period (${ms} ms)`);
  // Handed back: waiting again at once, not stuck as active until its 30-second lock lapses.
  const score = new Queue(QUEUES.score, { connection: client, prefix: createKeys(prefix).bullPrefix });
  const counts = await score.getJobCounts('waiting', 'active', 'failed');
  await score.close();
  assert.deepEqual(counts, { waiting: 1, active: 0, failed: 0 });
  assert.deepEqual(nonJson(w.lines), []);
  process.stderr.write(`shutdown, slow model: exited ${ms} ms after SIGTERM with ${GRACE_S} s grace\n`);

  hf.latencyMs = 0;
  const stack = await startStack({ REDIS_URL: redis.url, REDIS_PREFIX: prefix, ...env });
  try {
    for (let i = 0; (await countedTotal(stack)) < 6; i++) {
      assert.ok(i < 300, 'the handed-back posts were not counted');
      await sleep(100);
    }
    await drain(stack);
    assert.equal(await countedTotal(stack), 6);
  } finally {
    await stack.stop();
  }
});

test('SIGTERM during a slow poll: exit within the grace period and the poll lock is released', async () => {
  const { mastodon, env } = await fakeSources('slowpoll', 3);
  const prefix = 'sd-poll';
  mastodon.latencyMs = 60_000;
  const w = startWorkersProcess({ ...env, REDIS_PREFIX: prefix, SCORER: 'builtin' });
  const lock = `${prefix}:poll-lock:mastodon-${new URL(mastodon.url).host}-slowpoll`;
  await until('the poll never started', async () => (await client.exists(lock)) === 1);
  const ms = await sigtermAndTime(w);
  assert.ok(ms < GRACE_S * 1000 + EXIT_SLACK_MS, `exited ${ms} ms after SIGTERM`);
  assert.equal(await client.exists(lock), 0, 'the poll lock is released, not left to lapse');
});

test('SIGTERM with Redis down: the process still exits in time; after Redis returns every post is counted once', async () => {
  const { env } = await fakeSources('redisdown', 4);
  const prefix = 'sd-redis';
  const w = startWorkersProcess({ ...env, REDIS_PREFIX: prefix, SCORER: 'builtin', MASTODON_POLL_SECONDS: '5' });
  await until('the workers never started', async () => (await client.zcard(createKeys(prefix).workers)) > 0);
  await sleep(500);
  await redis.kill();
  await sleep(1_500); // connections notice, and complain
  const ms = await sigtermAndTime(w);
  assert.ok(ms < GRACE_S * 1000 + EXIT_SLACK_MS, `exited ${ms} ms after SIGTERM with Redis down`);
  const junk = nonJson(w.lines);
  assert.deepEqual(junk, [], 'everything printed during the outage went through the JSON logger');
  assert.ok(w.lines.length < 60, `${w.lines.length} log lines for a short outage`);
  process.stderr.write(`shutdown, Redis down: exited ${ms} ms after SIGTERM; ${w.lines.length} log lines, all JSON\n`);

  await redis.restart();
  const stack = await startStack({
    REDIS_URL: redis.url,
    REDIS_PREFIX: prefix,
    ...env,
    SCORER: 'builtin',
    JOB_LOCK_SECONDS: '2',
  });
  try {
    for (let i = 0; (await countedTotal(stack)) < 4; i++) {
      assert.ok(i < 400, `only ${await countedTotal(stack)} of 4 posts counted`);
      await sleep(100);
    }
    await drain(stack);
    await sleep(500);
    assert.equal(await countedTotal(stack), 4);
  } finally {
    await stack.stop();
  }
});
