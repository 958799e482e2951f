import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { DelayedError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../shared/config.ts';
import { createKeys, type Keys } from '../shared/keys.ts';
import type { Logger } from '../shared/logger.ts';
import { initialiseWorkerSeries, metricLang, type Metrics } from '../shared/metrics.ts';
import { closeQueues, openQueues, type PipelineQueues } from '../shared/pipeline-queues.ts';
import { POST_QUEUES, QUEUES, QUEUE_NAMES, deliveryGiveUpBoundMs, type AggregateJob, type AlertDeliveryJob, type CollectJob, type QueueName, type ScoreJob } from '../shared/queues.ts';
import { throttledLog } from '../shared/log-routing.ts';
import { TrendWriter, retentionFromConfig } from './aggregate/trend-writer.ts';
import { chooseSources } from './collect/choose-sources.ts';
import { Collector } from './collect/collector.ts';
import type { Source } from './collect/sources/source.ts';
import { chooseScorer } from './score/choose-scorer.ts';
import { ModelUnavailableError } from './score/model-guard.ts';
import { scoreBatch } from './score/score-processor.ts';
import { deliverAlert } from './spikes/delivery.ts';
import { detectSpikes, detectorFromConfig } from './spikes/spike-job.ts';
import type { Scorer } from './score/scorer.ts';

export interface RunningWorkers {
  queues: PipelineQueues;
  collector: Collector;
  scorer: Scorer;
  /** Stops taking jobs and waits for the running ones (as long as they take). */
  close(): Promise<void>;
  /**
   * For a shutdown whose grace period is over: running jobs go back to the wait list (attempt and stall
   * counts untouched) and poll locks are released; the caller exits the process next.
   */
  handBack(): Promise<void>;
}

export interface WorkerOverrides {
  sources?: Source[];
  scorer?: Scorer;
  /** false: process jobs but schedule no polls and no spike detection (one-off commands such as backfill). */
  schedule?: boolean;
}

/**
 * Starts the collect, score and aggregate workers of one process. Any number of such processes can run
 * against one Redis: BullMQ hands each job to one of them, and the job schedulers are upserted by id, so
 * starting a second replica does not double the polling.
 */
export async function startWorkers(cfg: Config, redis: Redis, metrics: Metrics, log: Logger, overrides: WorkerOverrides = {}): Promise<RunningWorkers> {
  const keys = createKeys(cfg.REDIS_PREFIX);
  const queues = openQueues(redis, keys, log);
  const problem = throttledLog(log);
  const authorKey = cfg.AUTHOR_HASH_KEY ?? (await sharedAuthorKey(redis, keys, log));
  const chosen = overrides.scorer ? { scorer: overrides.scorer } : chooseScorer(cfg, metrics, log, redis, keys);
  const scorer = chosen.scorer;
  const collector = new Collector({
    redis, keys, metrics, log, authorKey,
    scoreQueue: queues.score,
    sources: overrides.sources ?? chooseSources(cfg, log, redis, keys),
    batchSize: cfg.SCORE_BATCH_SIZE,
    seenTtlSeconds: cfg.SEEN_TTL_DAYS * 86_400,
    pollLockMs: cfg.JOB_LOCK_SECONDS * 1000,
  });
  const writer = new TrendWriter(redis, keys, retentionFromConfig(cfg));
  initialiseWorkerSeries(metrics, [...new Set(collector.allFeeds().map((f) => f.source))], scorer.model.kind);

  if (overrides.schedule !== false) {
    await scheduleFeeds(queues, collector, log);
    await queues.spikes.upsertJobScheduler('detect-spikes', { every: 60_000 }, { name: 'detect', opts: { removeOnComplete: 100, removeOnFail: 100 } });
  }
  const spikeDeps = {
    redis, keys, metrics, log,
    detector: detectorFromConfig(cfg),
    windowsMin: cfg.SPIKE_WINDOWS_MINUTES,
    baselineMin: cfg.SPIKE_BASELINE_MINUTES,
    webhooks: cfg.ALERT_WEBHOOKS,
    deliveryQueue: queues.alertDelivery,
    delivery: { attempts: cfg.ALERT_DELIVERY_ATTEMPTS, backoffMs: cfg.ALERT_DELIVERY_BACKOFF_MS },
  };
  if (cfg.ALERT_WEBHOOKS.length > 0) {
    const boundMs = deliveryGiveUpBoundMs(cfg.ALERT_DELIVERY_ATTEMPTS, cfg.ALERT_DELIVERY_BACKOFF_MS, cfg.HTTP_TIMEOUT_MS);
    log.info({ webhooks: cfg.ALERT_WEBHOOKS.length, giveUpWithinSeconds: Math.round(boundMs / 1000) }, 'alert webhooks configured; a failing one is reported as failed within this bound');
  }

  // A killed worker's job comes back to the queue once its lock lapses; the lock is also the stall check period.
  // BullMQ fails a job on its second stall by default (maxStalledCount 1), whatever its attempts: two crashes
  // during one batch would park posts that are already marked seen. JOB_MAX_STALLS raises that limit.
  const lock = cfg.JOB_LOCK_SECONDS * 1000;
  const connection = { connection: redis, prefix: keys.bullPrefix, lockDuration: lock, stalledInterval: lock, maxStalledCount: cfg.JOB_MAX_STALLS };
  // Jobs running in this process, so a shutdown past its grace period can hand them back.
  const running = new Map<string, { job: Job; token: string }>();
  const tracked = <D, R>(fn: (job: Job<D>, token: string) => Promise<R>) => async (job: Job<D>, token?: string): Promise<R> => {
    const id = `${job.queueName}/${job.id}`;
    running.set(id, { job, token: token ?? '' });
    try {
      return await fn(job, token ?? '');
    } finally {
      running.delete(id);
    }
  };
  const workers = [
    new Worker<CollectJob>(QUEUES.collect, tracked(async (job: Job<CollectJob>) => {
      const outcome = await collector.collect(job.data.feedId);
      log.debug(outcome, 'poll done');
      return outcome;
    }), { ...connection, concurrency: 2 }),
    new Worker<ScoreJob>(QUEUES.score, tracked(async (job: Job<ScoreJob>, token: string) => {
      const deps = {
        redis, keys, scorer, aggregateQueue: queues.aggregate, metrics, log, cacheTtlSeconds: cfg.SEEN_TTL_DAYS * 86_400,
        ...(chosen.fallback ? { fallback: chosen.fallback } : {}),
      };
      try {
        return await scoreBatch(job.id!, job.data.posts, deps);
      } catch (err) {
        if (!(err instanceof ModelUnavailableError)) throw err;
        if (chosen.fallback) return scoreBatch(job.id!, job.data.posts, { ...deps, scorer: chosen.fallback });
        // The model is down: the batch waits (no attempt used up) and comes back when the breaker may try again.
        await job.moveToDelayed(Date.now() + Math.max(1_000, err.retryInMs), token);
        throw new DelayedError();
      }
    }), {
      ...connection,
      concurrency: cfg.SCORE_WORKER_CONCURRENCY,
    }),
    new Worker<AggregateJob>(QUEUES.aggregate, tracked(async (job: Job<AggregateJob>) => {
      const added = await writer.add(job.data.posts);
      for (const p of added) metrics.postsAggregated.inc({ source: p.source, stance: p.result.stance, lang: metricLang(p.lang) });
      return { added: added.length, duplicates: job.data.posts.length - added.length };
    }), { ...connection, concurrency: 2 }),
    new Worker(QUEUES.spikes, tracked(() => detectSpikes(Date.now(), spikeDeps)), { ...connection, concurrency: 1 }),
    new Worker<AlertDeliveryJob>(QUEUES.alertDelivery, tracked((job: Job<AlertDeliveryJob>) => deliverAlert(job, {
      metrics, log, baseUrl: cfg.PUBLIC_BASE_URL, timeoutMs: cfg.HTTP_TIMEOUT_MS, ...(cfg.ALERT_WEBHOOK_SECRET ? { secret: cfg.ALERT_WEBHOOK_SECRET } : {}),
    })), { ...connection, concurrency: 4 }),
  ];
  for (const w of workers) {
    w.on('failed', (job, err) => {
      // BullMQ sets finishedOn only when the job is not retried: out of attempts, unrecoverable, or stalled too often.
      const final = job !== undefined && typeof job.finishedOn === 'number';
      const fields = { queue: w.name, job: job?.id, attempts: job?.attemptsMade, of: job?.opts.attempts, err: err.message };
      if (!final) log.warn(fields, 'job failed; BullMQ retries it with backoff');
      else if ((POST_QUEUES as readonly QueueName[]).includes(w.name as QueueName)) {
        metrics.jobsParked.inc({ queue: w.name });
        log.error({ ...fields, posts: (job.data as { posts?: unknown[] }).posts?.length }, 'job parked in the failed set: its posts are kept but not counted until `npm run redrive`');
      } else log.error(fields, 'job failed for good; it stays in the failed set for inspection and retry');
    });
    w.on('error', (err) => problem('error', `worker:${w.name}`, { queue: w.name, err: err.message }, 'worker error'));
  }

  const workerId = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const heartbeatMs = cfg.WORKER_HEARTBEAT_SECONDS * 1000;
  // One sorted set of last beats: /readyz counts live workers with a ZCOUNT, and each beat trims dead entries.
  const beat = async () => {
    const now = Date.now();
    await redis.multi().zadd(keys.workers, now, workerId).zremrangebyscore(keys.workers, '-inf', now - heartbeatMs * 30).exec();
    for (const q of QUEUE_NAMES) metrics.workerHeartbeat.set({ queue: q }, now / 1000);
  };
  await beat();
  const timer = setInterval(() => beat().catch((err) => problem('warn', 'heartbeat', { err: (err as Error).message }, 'heartbeat failed')), heartbeatMs);
  timer.unref();

  return {
    queues,
    collector,
    scorer,
    async close() {
      clearInterval(timer);
      await Promise.all(workers.map((w) => w.close()));
      await redis.zrem(keys.workers, workerId);
      await closeQueues(queues);
    },
    async handBack() {
      clearInterval(timer);
      const jobs = [...running.values()];
      running.clear();
      const back = await Promise.allSettled(jobs.map(({ job, token }) => job.moveToWait(token)));
      log.warn({ jobs: jobs.map(({ job }) => `${job.queueName}/${job.id}`), handedBack: back.filter((b) => b.status === 'fulfilled').length }, 'handed unfinished jobs back to their queues');
      // The process exits next: no need to wait for BullMQ's own close, which may wait for Redis.
      await Promise.allSettled([collector.releaseLocks(), redis.zrem(keys.workers, workerId)]);
    },
  };
}

async function scheduleFeeds(queues: PipelineQueues, collector: Collector, log: Logger): Promise<void> {
  const feeds = collector.allFeeds();
  const wanted = new Set(feeds.map((f) => `poll-${f.id}`));
  for (const feed of feeds) {
    await queues.collect.upsertJobScheduler(`poll-${feed.id}`, { every: feed.pollEveryMs }, {
      name: 'collect',
      data: { feedId: feed.id },
      opts: { removeOnComplete: 100, removeOnFail: 100 },
    });
  }
  // A feed removed from the configuration stops being polled.
  for (const s of await queues.collect.getJobSchedulers()) {
    if (s.key && !wanted.has(s.key)) await queues.collect.removeJobScheduler(s.key);
  }
  log.info({ feeds: feeds.map((f) => f.id) }, 'polling feeds');
}

/** Without a configured key, one random key is created in Redis and shared by every replica. */
async function sharedAuthorKey(redis: Redis, keys: Keys, log: Logger): Promise<string> {
  const created = await redis.set(keys.authorHashKey, randomBytes(32).toString('base64url'), 'NX');
  if (created) log.info('no AUTHOR_HASH_KEY set: created a random author-pseudonym key in Redis');
  return (await redis.get(keys.authorHashKey))!;
}
