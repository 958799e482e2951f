import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { FakeMastodon } from '../dev/fakes/fake-mastodon.ts';
import { BuiltinScorer } from '../workers/score/builtin/scorer.ts';
import type { Scorer } from '../workers/score/scorer.ts';
import { countedTotal, drain, startStack, type TestStack } from './helpers/pipeline.ts';
import { startRedis, type TestRedis } from '../dev/redis-server.ts';

/**
 * A score job that runs out of attempts is parked, not lost: it stays in the failed set, the parked counter
 * and the queue gauge (read by StancewatchJobsParked) show it, and `npm run redrive` sends it round again,
 * after which its posts are counted exactly once.
 */
let redis: TestRedis;
let stack: TestStack;
const mastodon = new FakeMastodon();
let broken = true;
const builtin = new BuiltinScorer();
const flaky: Scorer = {
  model: builtin.model,
  score: (texts) => (broken ? Promise.reject(new Error('scorer bug')) : builtin.score(texts)),
};

before(async () => {
  redis = await startRedis();
  await mastodon.start();
  for (let i = 0; i < 5; i++)
    mastodon.post('durov', { content: `<p>Free Durov ${i}</p>` }, new Date(Date.now() - 600_000 + i * 1000));
  stack = await startStack(
    { REDIS_URL: redis.url, REDIS_PREFIX: 'redrive', MASTODON_INSTANCES: mastodon.url, MASTODON_TAGS: 'durov' },
    { scorer: flaky },
  );
});
after(async () => {
  await stack?.stop();
  await mastodon.stop();
  await redis?.stop();
});

/** The command as an operator runs it (asynchronously: a blocked event loop would stall this test's own API). */
async function redrive(...args: string[]): Promise<{ stdout: string }> {
  return promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/redrive.ts', ...args], {
    env: { ...process.env, REDIS_URL: redis.url, REDIS_PREFIX: 'redrive', LOG_LEVEL: 'silent' },
    encoding: 'utf8',
  });
}

test('a parked job is visible and `npm run redrive` gets its posts counted', async () => {
  // Out of attempts at once: the job's remaining retries are spent, as after hours of failures.
  for (let i = 0; (await stack.workers.queues.score.getJobCounts('waiting', 'delayed', 'active')).delayed === 0; i++) {
    assert.ok(i < 300, 'the score job never failed once');
    await sleep(50);
  }
  const [job] = await stack.workers.queues.score.getDelayed();
  // BullMQ's attempts-made field, set to one short of the 12 allowed, then the retry is run now.
  await stack.redis.hset(`${stack.cfg.redis.prefix}:q:score:${job!.id}`, 'atm', '11');
  await job!.promote();
  for (let i = 0; (await stack.workers.queues.score.getFailedCount()) === 0; i++) {
    assert.ok(i < 300, 'the job was never parked');
    await sleep(50);
  }
  assert.equal((await stack.metrics.jobsParked.get()).values.find((v) => v.labels.queue === 'score')?.value, 1);
  assert.match(
    await (await fetch(`${stack.api}/metrics`)).text(),
    /^stancewatch_queue_jobs\{queue="score",state="failed"\} 1$/m,
  );
  assert.equal(await countedTotal(stack), 0);

  const dry = await redrive('--dry-run');
  assert.deepEqual(
    dry.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l)),
    [
      { queue: 'score', parked: 1, redriven: 0, posts: 5 },
      { queue: 'aggregate', parked: 0, redriven: 0, posts: 0 },
    ],
  );

  broken = false; // the cause is fixed
  const r = await redrive();
  assert.deepEqual(JSON.parse(r.stdout.trim().split('\n')[0]!), { queue: 'score', parked: 1, redriven: 1, posts: 5 });
  for (let i = 0; (await countedTotal(stack)) < 5; i++) {
    assert.ok(i < 300, 'the re-driven posts were not counted');
    await sleep(100);
  }
  await drain(stack);
  assert.equal(await countedTotal(stack), 5);
  assert.equal(await stack.workers.queues.score.getFailedCount(), 0);
});
