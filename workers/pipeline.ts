import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { DelayedError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../shared/config.ts';
import { createKeys, type Keys } from '../shared/keys.ts';
import type { Logger } from '../shared/logger.ts';
import { initialiseWorkerSeries, metricLang, type Metrics } from '../shared/metrics.ts';
import { closeQueues, openQueues, type PipelineQueues } from '../shared/pipeline-queues.ts';
import { QUEUES, QUEUE_NAMES, type AggregateJob, type AlertDeliveryJob, type CollectJob, type ScoreJob } from '../shared/queues.ts';
import { TrendWriter, retentionFromConfig } from './aggregate/trend-writer.ts';
import { TokenCounter } from './aggregate/token-counter.ts';
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
  close(): Promise<void>;
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
  const queues = openQueues(redis, keys);
  const authorKey = cfg.AUTHOR_HASH_KEY ?? (await sharedAuthorKey(redis, keys, log));
  const chosen = overrides.scorer ? { scorer: overrides.scorer } : chooseScorer(cfg, metrics, log, redis, keys);
  const scorer = chosen.scorer;
  const collector = new Collector({
    redis, keys, metrics, log, authorKey,
    scoreQueue: queues.score,
    sources: overrides.sources ?? chooseSources(cfg, log, redis, keys),
    batchSize: cfg.SCORE_BATCH_SIZE,
    seenTtlSeconds: cfg.SEEN_TTL_DAYS * 86_400,
  });
  const writer = new TrendWriter(redis, keys, retentionFromConfig(cfg));
  const tokens = new TokenCounter(redis, keys);
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
  };

  // A killed worker's job comes back to the queue once its lock lapses; the lock is also the stall check period.
  const lock = cfg.JOB_LOCK_SECONDS * 1000;
  const connection = { connection: redis, prefix: keys.bullPrefix, lockDuration: lock, stalledInterval: lock };
  const workers = [
    new Worker<CollectJob>(QUEUES.collect, async (job) => {
      const outcome = await collector.collect(job.data.feedId);
      log.debug(outcome, 'poll done');
      return outcome;
    }, { ...connection, concurrency: 2 }),
    new Worker<ScoreJob>(QUEUES.score, async (job, token) => {
      const deps = { redis, keys, scorer, aggregateQueue: queues.aggregate, metrics, cacheTtlSeconds: cfg.SEEN_TTL_DAYS * 86_400 };
      try {
        return await scoreBatch(job.id!, job.data.posts, deps);
      } catch (err) {
        if (!(err instanceof ModelUnavailableError)) throw err;
        if (chosen.fallback) return scoreBatch(job.id!, job.data.posts, { ...deps, scorer: chosen.fallback });
        // The model is down: the batch waits (no attempt used up) and comes back when the breaker may try again.
        await job.moveToDelayed(Date.now() + Math.max(1_000, err.retryInMs), token);
        throw new DelayedError();
      }
    }, {
      ...connection,
      concurrency: cfg.SCORE_WORKER_CONCURRENCY,
    }),
    new Worker<AggregateJob>(QUEUES.aggregate, async (job) => {
      const added = await writer.add(job.data.posts);
      await tokens.add(added);
      for (const p of added) metrics.postsAggregated.inc({ source: p.source, stance: p.result.stance, lang: metricLang(p.lang) });
      return { added: added.length, duplicates: job.data.posts.length - added.length };
    }, { ...connection, concurrency: 2 }),
    new Worker(QUEUES.spikes, () => detectSpikes(Date.now(), spikeDeps), { ...connection, concurrency: 1 }),
    new Worker<AlertDeliveryJob>(QUEUES.alertDelivery, (job) => deliverAlert(job, {
      metrics, log, baseUrl: cfg.PUBLIC_BASE_URL, timeoutMs: cfg.HTTP_TIMEOUT_MS, ...(cfg.ALERT_WEBHOOK_SECRET ? { secret: cfg.ALERT_WEBHOOK_SECRET } : {}),
    }), { ...connection, concurrency: 4 }),
  ];
  for (const w of workers) {
    w.on('failed', (job, err) => {
      const final = job !== undefined && job.attemptsMade >= (job.opts.attempts ?? 1);
      const fields = { queue: w.name, job: job?.id, attempts: job?.attemptsMade, err: err.message };
      if (final) log.error(fields, 'job failed for good; it stays in the failed set for inspection and retry');
      else log.warn(fields, 'job failed; BullMQ will retry it');
    });
    w.on('error', (err) => log.error({ queue: w.name, err: err.message }, 'worker error'));
  }

  const workerId = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const beat = async () => {
    const now = Date.now();
    await redis.set(keys.heartbeat(workerId), JSON.stringify({ at: now, queues: QUEUE_NAMES }), 'EX', cfg.WORKER_HEARTBEAT_SECONDS * 3);
    for (const q of QUEUE_NAMES) metrics.workerHeartbeat.set({ queue: q }, now / 1000);
  };
  await beat();
  const timer = setInterval(() => beat().catch((err) => log.warn({ err: (err as Error).message }, 'heartbeat failed')), cfg.WORKER_HEARTBEAT_SECONDS * 1000);
  timer.unref();

  return {
    queues,
    collector,
    scorer,
    async close() {
      clearInterval(timer);
      await Promise.all(workers.map((w) => w.close()));
      await redis.del(keys.heartbeat(workerId));
      await closeQueues(queues);
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
