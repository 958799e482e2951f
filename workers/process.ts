import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Job, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Keys } from '../shared/keys.ts';
import type { Logger } from '../shared/logger.ts';
import type { Metrics } from '../shared/metrics.ts';
import type { PipelineQueues } from '../shared/pipeline-queues.ts';
import { throttledLog } from '../shared/log-routing.ts';
import type { AlertsConfig } from '../shared/config.ts';
import {
  POST_QUEUES,
  QUEUES,
  SCHEDULED_JOB_OPTIONS,
  deliveryGiveUpBoundMs,
  jobIds,
  type JobHandler,
  type QueueName,
} from '../shared/queues.ts';
import type { Collector } from './collect/collector.ts';
import { pollOffsetMs } from './collect/poll-offset.ts';

/** What a workers process does beside running its stages: schedules, failure logs, heartbeat. */

/** One poll scheduler per feed, the detector every minute; schedulers of feeds no longer configured go. */
export async function schedule(queues: PipelineQueues, collector: Collector, log: Logger): Promise<void> {
  const feeds = collector.allFeeds();
  const wanted = new Set(feeds.map((f) => jobIds.poll(f.id)));
  for (const feed of feeds) {
    // Each feed at its own point in the period (spread, and the same in every replica).
    const repeat = { every: feed.pollEveryMs, offset: pollOffsetMs(feed.id, feed.pollEveryMs) };
    await queues.collect.upsertJobScheduler(jobIds.poll(feed.id), repeat, {
      name: 'collect',
      data: { feedId: feed.id },
      opts: SCHEDULED_JOB_OPTIONS,
    });
  }
  // With an offset the first scheduled poll may be up to a period away: poll once now, as before. Two replicas
  // starting together poll once between them (the poll lock), and the cursor makes a repeat poll cheap.
  await queues.collect.addBulk(
    feeds.map((feed) => ({ name: 'collect', data: { feedId: feed.id }, opts: SCHEDULED_JOB_OPTIONS })),
  );
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

/**
 * Logs failures; a post-carrying job that will not be retried (out of attempts, or interrupted more than
 * JOB_MAX_STALLS times) is parked: counted in stancewatch_jobs_parked_total and logged as an error.
 */
export function logFailures<W extends Worker>(w: W, log: Logger, metrics: Metrics): W {
  const problem = throttledLog(log);
  w.on('failed', (job, err) => {
    // BullMQ sets finishedOn only when the job is not retried: out of attempts, unrecoverable, or stalled too often.
    const final = job !== undefined && typeof job.finishedOn === 'number';
    const fields = {
      queue: w.name,
      job: job?.id,
      attempts: job?.attemptsMade,
      of: job?.opts.attempts,
      err: err.message,
    };
    if (!final) log.warn(fields, 'job failed; BullMQ retries it with backoff');
    else if (POST_QUEUES.includes(w.name)) {
      metrics.jobsParked.inc({ queue: w.name });
      log.error(
        { ...fields, posts: (job.data as { posts?: unknown[] }).posts?.length },
        'job parked in the failed set: its posts are kept but not counted until `npm run redrive`',
      );
    } else log.error(fields, 'job failed for good; it stays in the failed set for inspection and retry');
  });
  w.on('error', (err) => problem('error', `worker:${w.name}`, { queue: w.name, err: err.message }, 'worker error'));
  return w;
}

/**
 * The heartbeat gauge per queue, and this process's last beat in one sorted set (workerId → epoch ms):
 * /readyz counts live workers with one ZCOUNT, and each beat trims entries of long-dead processes.
 */
export async function startHeartbeat(redis: Redis, keys: Keys, metrics: Metrics, log: Logger, periodSeconds: number) {
  const workerId = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const queues = Object.values(QUEUES);
  const periodMs = periodSeconds * 1000;
  const problem = throttledLog(log);
  const beat = async () => {
    const now = Date.now();
    await redis
      .multi()
      .zadd(keys.workers, now, workerId)
      .zremrangebyscore(keys.workers, '-inf', now - periodMs * 30)
      .exec();
    for (const queue of queues) metrics.workerHeartbeat.set({ queue }, now / 1000);
  };
  await beat();
  const timer = setInterval(
    () => beat().catch((err) => problem('warn', 'heartbeat', { err: (err as Error).message }, 'heartbeat failed')),
    periodMs,
  );
  timer.unref();
  return {
    stop: () => clearInterval(timer),
    remove: async () => {
      await redis.zrem(keys.workers, workerId);
    },
  };
}

/** Jobs running in this process, so a shutdown past its grace period can hand them back to their queues. */
export function trackRunning() {
  const running = new Map<string, { job: Job; token: string }>();
  return {
    wrap:
      <Q extends QueueName>(handler: JobHandler<Q>): JobHandler<Q> =>
      async (job, token) => {
        const id = `${job.queueName}/${job.id}`;
        running.set(id, { job, token: token ?? '' });
        try {
          return await handler(job, token);
        } finally {
          running.delete(id);
        }
      },
    /** Moves every running job back to waiting (attempt and stall counts untouched). */
    async handBack(log: Logger) {
      const jobs = [...running.values()];
      running.clear();
      const back = await Promise.allSettled(jobs.map(({ job, token }) => job.moveToWait(token)));
      const handedBack = back.filter((b) => b.status === 'fulfilled').length;
      log.warn(
        { jobs: jobs.map(({ job }) => `${job.queueName}/${job.id}`), handedBack },
        'handed unfinished jobs back to their queues',
      );
    },
  };
}

/** States, once, how long a failing webhook is retried before it counts as failed. */
export function logDeliveryBound(alerts: Pick<AlertsConfig, 'webhooks' | 'delivery' | 'timeoutMs'>, log: Logger): void {
  if (alerts.webhooks.length === 0) return;
  const { attempts, backoffMs } = alerts.delivery;
  const giveUpWithinSeconds = Math.round(deliveryGiveUpBoundMs(attempts, backoffMs, alerts.timeoutMs) / 1000);
  log.info(
    { webhooks: alerts.webhooks.length, giveUpWithinSeconds },
    'alert webhooks configured; a failing one is reported as failed within this bound',
  );
}
