import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Keys } from '../shared/keys.ts';
import type { Logger } from '../shared/logger.ts';
import type { Metrics } from '../shared/metrics.ts';
import type { PipelineQueues } from '../shared/pipeline-queues.ts';
import { QUEUES, SCHEDULED_JOB_OPTIONS, jobIds } from '../shared/queues.ts';
import type { Collector } from './collect/collector.ts';

/** What a workers process does beside running its stages: schedules, failure logs, heartbeat. */

/** One poll scheduler per feed, the detector every minute; schedulers of feeds no longer configured go. */
export async function schedule(queues: PipelineQueues, collector: Collector, log: Logger): Promise<void> {
  const feeds = collector.allFeeds();
  const wanted = new Set(feeds.map((f) => jobIds.poll(f.id)));
  for (const feed of feeds) {
    await queues.collect.upsertJobScheduler(
      jobIds.poll(feed.id),
      { every: feed.pollEveryMs },
      { name: 'collect', data: { feedId: feed.id }, opts: SCHEDULED_JOB_OPTIONS },
    );
  }
  for (const s of await queues.collect.getJobSchedulers()) {
    if (s.key && !wanted.has(s.key)) await queues.collect.removeJobScheduler(s.key);
  }
  log.info({ feeds: feeds.map((f) => f.id) }, 'polling feeds');
  await queues.spikes.upsertJobScheduler(
    jobIds.detect,
    { every: 60_000 },
    { name: 'detect', opts: SCHEDULED_JOB_OPTIONS },
  );
}

export function logFailures<W extends Worker>(w: W, log: Logger): W {
  w.on('failed', (job, err) => {
    const final = job !== undefined && job.attemptsMade >= (job.opts.attempts ?? 1);
    const fields = { queue: w.name, job: job?.id, attempts: job?.attemptsMade, err: err.message };
    if (final) log.error(fields, 'job failed for good; it stays in the failed set for inspection and retry');
    else log.warn(fields, 'job failed; BullMQ will retry it');
  });
  w.on('error', (err) => log.error({ queue: w.name, err: err.message }, 'worker error'));
  return w;
}

/** A key with a TTL per process, which /readyz counts, and the heartbeat gauge per queue. */
export async function startHeartbeat(redis: Redis, keys: Keys, metrics: Metrics, log: Logger, periodSeconds: number) {
  const workerId = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const queues = Object.values(QUEUES);
  const beat = async () => {
    const now = Date.now();
    await redis.set(keys.heartbeat(workerId), JSON.stringify({ at: now, queues }), 'EX', periodSeconds * 3);
    for (const queue of queues) metrics.workerHeartbeat.set({ queue }, now / 1000);
  };
  await beat();
  const timer = setInterval(
    () => beat().catch((err) => log.warn({ err: (err as Error).message }, 'heartbeat failed')),
    periodSeconds * 1000,
  );
  timer.unref();
  return {
    stop: () => clearInterval(timer),
    remove: async () => {
      await redis.del(keys.heartbeat(workerId));
    },
  };
}
