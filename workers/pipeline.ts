import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../shared/config.ts';
import { createKeys } from '../shared/keys.ts';
import type { Logger } from '../shared/logger.ts';
import { initialiseWorkerSeries, type Metrics } from '../shared/metrics.ts';
import { closeQueues, openQueues, type PipelineQueues } from '../shared/pipeline-queues.ts';
import { QUEUE_NAMES, QUEUES, queueConcurrency, type JobData, type QueueName } from '../shared/queues.ts';
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
  close(): Promise<void>;
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
  const queues = openQueues(redis, keys);
  const scorer = overrides.scorer ? { scorer: overrides.scorer } : chooseScorer(cfg.scoring, { metrics, log, redis, keys });
  const collector = await createCollector(cfg, { redis, keys, metrics, log, scoreQueue: queues.score }, overrides.sources);
  initialiseWorkerSeries(metrics, [...new Set(collector.allFeeds().map((f) => f.source))], scorer.scorer.model.kind);
  if (overrides.schedule !== false) await schedule(queues, collector, log);

  const ctx: StageContext = { cfg, redis, keys, metrics, log, queues, collector, scorer };
  const concurrency = queueConcurrency(cfg.workers);
  // A killed worker's job comes back to the queue once its lock lapses; the lock is also the stall check period.
  const opts = { connection: redis, prefix: keys.bullPrefix, lockDuration: cfg.workers.jobLockMs, stalledInterval: cfg.workers.jobLockMs };
  const start = <Q extends QueueName>(q: Q) =>
    new Worker<JobData[Q]>(QUEUES[q], (STAGES[q] as HandlerFactory<Q>)(ctx), { ...opts, concurrency: concurrency[q] });
  const workers = QUEUE_NAMES.map((q) => logFailures(start(q), log));
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
  };
}
