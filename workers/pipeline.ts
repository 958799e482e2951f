import { Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../shared/config.ts';
import { createKeys } from '../shared/keys.ts';
import type { Logger } from '../shared/logger.ts';
import { initialiseWorkerSeries, type Metrics } from '../shared/metrics.ts';
import { closeQueues, openQueues, type PipelineQueues } from '../shared/pipeline-queues.ts';
import { QUEUE_NAMES, QUEUES, deliveryGiveUpBoundMs, queueConcurrency, type JobData, type QueueName } from '../shared/queues.ts';
import { aggregateJob } from './aggregate/aggregate-job.ts';
import { collectJob } from './collect/collect-job.ts';
import { createCollector, type Collector } from './collect/collector.ts';
import type { Source } from './collect/sources/source.ts';
import { chooseScorer } from './score/choose-scorer.ts';
import { scoreJob } from './score/score-job.ts';
import type { Scorer } from './score/scorer.ts';
import { logFailures, schedule, startHeartbeat } from './process.ts';
import { deliverJob } from './spikes/deliver-job.ts';
import { detectJob } from './spikes/detect-job.ts';
import type { HandlerFactory, StageContext } from './stage.ts';

/** The pipeline: each queue and the stage that consumes it. Options and concurrency: shared/queues.ts. */
const STAGES = {
  collect: collectJob,
  score: scoreJob,
  aggregate: aggregateJob,
  spikes: detectJob,
  alertDelivery: deliverJob,
} satisfies { [Q in QueueName]: HandlerFactory<Q> };

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
 * Starts every stage's worker in this process. Any number of such processes can run against one Redis:
 * BullMQ hands each job to one of them, and schedulers are upserted by id, so replicas do not poll twice.
 */
export async function startWorkers(cfg: Config, redis: Redis, metrics: Metrics, log: Logger, overrides: WorkerOverrides = {}): Promise<RunningWorkers> {
  const keys = createKeys(cfg.redis.prefix);
  const queues = openQueues(redis, keys, log);
  const scorer = overrides.scorer ? { scorer: overrides.scorer } : chooseScorer(cfg.scoring, { metrics, log, redis, keys });
  const collector = await createCollector(cfg, { redis, keys, metrics, log, scoreQueue: queues.score }, overrides.sources);
  initialiseWorkerSeries(metrics, [...new Set(collector.allFeeds().map((f) => f.source))], scorer.scorer.model.kind);
  if (overrides.schedule !== false) await schedule(queues, collector, log);
  if (cfg.alerts.webhooks.length > 0) {
    const { attempts, backoffMs } = cfg.alerts.delivery;
    const giveUpWithinSeconds = Math.round(deliveryGiveUpBoundMs(attempts, backoffMs, cfg.alerts.timeoutMs) / 1000);
    log.info({ webhooks: cfg.alerts.webhooks.length, giveUpWithinSeconds }, 'alert webhooks configured; a failing one is reported as failed within this bound');
  }

  const ctx: StageContext = { cfg, redis, keys, metrics, log, queues, collector, scorer };
  const concurrency = queueConcurrency(cfg.workers);
  // A killed worker's job comes back to the queue once its lock lapses; the lock is also the stall check period.
  // BullMQ fails a job on its second stall by default (maxStalledCount 1), whatever its attempts: two crashes
  // during one batch would park posts that are already marked seen. JOB_MAX_STALLS raises that limit.
  const opts = {
    connection: redis, prefix: keys.bullPrefix, lockDuration: cfg.workers.jobLockMs, stalledInterval: cfg.workers.jobLockMs, maxStalledCount: cfg.workers.maxStalls,
  };
  // Jobs running in this process, so a shutdown past its grace period can hand them back.
  const running = new Map<string, { job: Job; token: string }>();
  const tracked = <Q extends QueueName>(handler: ReturnType<HandlerFactory<Q>>) => async (job: Job<JobData[Q]>, token?: string) => {
    const id = `${job.queueName}/${job.id}`;
    running.set(id, { job, token: token ?? '' });
    try {
      return await handler(job, token);
    } finally {
      running.delete(id);
    }
  };
  const start = <Q extends QueueName>(q: Q) =>
    new Worker<JobData[Q]>(QUEUES[q], tracked<Q>((STAGES[q] as HandlerFactory<Q>)(ctx)), { ...opts, concurrency: concurrency[q] });
  const workers = QUEUE_NAMES.map((q) => logFailures(start(q), log, metrics));
  const heartbeat = await startHeartbeat(redis, keys, metrics, log, cfg.workers.heartbeatSeconds);

  return {
    queues,
    collector,
    scorer: scorer.scorer,
    async close() {
      heartbeat.stop();
      await Promise.all(workers.map((w) => w.close()));
      await heartbeat.remove();
      await closeQueues(queues);
    },
    async handBack() {
      heartbeat.stop();
      const jobs = [...running.values()];
      running.clear();
      const back = await Promise.allSettled(jobs.map(({ job, token }) => job.moveToWait(token)));
      log.warn({ jobs: jobs.map(({ job }) => `${job.queueName}/${job.id}`), handedBack: back.filter((b) => b.status === 'fulfilled').length }, 'handed unfinished jobs back to their queues');
      // The process exits next: no need to wait for BullMQ's own close, which may wait for Redis.
      await Promise.allSettled([collector.releaseLocks(), heartbeat.remove()]);
    },
  };
}
