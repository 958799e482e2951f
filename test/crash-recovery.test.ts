import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Stance } from '../shared/post.ts';
import { FakeHuggingFace } from './fakes/fake-huggingface.ts';
import { FakeMastodon } from '../dev/fakes/fake-mastodon.ts';
import { drain, getJson, startStack, type TestStack, waitForCounted } from './helpers/pipeline.ts';
import { startRedis, type TestRedis } from './helpers/redis-server.ts';

/**
 * A workers process is SIGKILLed while it holds a score job (the model is slow). Another process takes
 * over: the job's lock lapses, BullMQ hands the job out again, and every post is counted exactly once.
 */
let redis: TestRedis;
const mastodon = new FakeMastodon();
const hf = new FakeHuggingFace();
let stack: TestStack | undefined;
const N = 9;

before(async () => {
  redis = await startRedis();
  await mastodon.start();
  await hf.start();
  const stances: Stance[] = ['support', 'criticism', 'neutral'];
  for (let i = 0; i < N; i++)
    mastodon.post(
      'durov',
      { content: `<p>Durov post ${i} ${stances[i % 3]}</p>` },
      new Date(Date.now() - 3_600_000 + i * 1000),
    );
  hf.judge = (text) => stances.find((s) => text.endsWith(s)) ?? 'neutral';
});

after(async () => {
  await stack?.stop();
  await mastodon.stop();
  await hf.stop();
  await redis?.stop();
});

test('a worker killed mid-job loses no post and counts none twice', async () => {
  const env = {
    REDIS_URL: redis.url,
    REDIS_PREFIX: 'crash',
    SOURCES: 'mastodon',
    LOG_LEVEL: 'silent',
    MASTODON_INSTANCES: mastodon.url,
    MASTODON_TAGS: 'durov',
    HF_ENDPOINT_URL: `${hf.url}/`,
    HF_CONCURRENCY: '1',
    JOB_LOCK_SECONDS: '2',
    SCORE_BATCH_SIZE: '100',
    WORKERS_METRICS_PORT: '0',
  };
  // The first process: the model answers its first requests slowly, so it is killed while scoring.
  hf.failNext({ status: 200, delayMs: 60_000, body: '[]' });
  const child = spawn(process.execPath, ['--import', 'tsx', 'workers/main.ts'], {
    env: { ...process.env, ...env },
    stdio: 'ignore',
  });
  for (let i = 0; hf.requests.filter((r) => r.method === 'POST').length === 0; i++) {
    assert.ok(i < 200, 'the first worker never called the model');
    await sleep(50);
  }
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));

  // The second process finds the job stalled once its 2-second lock lapses, and finishes it.
  stack = await startStack(env);
  const active = await stack.workers.queues.score.getJobCounts('active', 'waiting');
  assert.equal((active.active ?? 0) + (active.waiting ?? 0), 1, "the killed worker's job is still there, not lost");
  await waitForCounted(stack, N);
  await drain(stack);
  await sleep(300);
  const { body } = await getJson<{ current: { support: number; criticism: number; neutral: number; total: number } }>(
    `${stack.api}/api/v1/summary?window=24h`,
  );
  assert.deepEqual(body.current, { ...body.current, support: 3, criticism: 3, neutral: 3, total: N });
});
