import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../shared/config.ts';
import type { Logger } from '../shared/logger.ts';
import type { Metrics } from '../shared/metrics.ts';
import { closeQueues, type PipelineQueues } from '../shared/pipeline-queues.ts';
import { QUEUE_NAMES, QUEUES, queueConcurrency, type JobData, type QueueName } from '../shared/queues.ts';
import { aggregateJob } from './aggregate/aggregate-job.ts';
import { collectJob } from './collect/collect-job.ts';
import type { Collector } from './collect/collector.ts';
import { logFailures, schedule, startHeartbeat } from './process.ts';
import { scoreJob } from './score/score-job.ts';
import type { Scorer } from './score/scorer.ts';
import { deliverJob } from './spikes/deliver-job.ts';
import { detectJob } from './spikes/detect-job.ts';
import { createStageContext, type HandlerFactory, type WorkerOverrides } from './stage.ts';

/** The pipeline: each queue and the stage that consumes it. Options and concurrency: shared/queues.ts. */
const STAGES = {
  collect: collectJob,
  score: scoreJob,
  aggregate: aggregateJob,
  spikes: detectJob,
  alertDelivery: deliverJob,
} satisfies { [Q in QueueName]: HandlerFactory<Q> };

export type { WorkerOverrides };
export interface RunningWorkers {
  queues: PipelineQueues;
  collector: Collector;
  scorer: Scorer;
  close(): Promise<void>;
}

/**
 * Starts every stage's worker in this process. Any number of such processes can run against one Redis:
 * BullMQ hands each job to one of them, and schedulers are upserted by id, so replicas do not poll twice.
 */
export async function startWorkers(
  cfg: Config,
  redis: Redis,
  metrics: Metrics,
  log: Logger,
  overrides: WorkerOverrides = {},
): Promise<RunningWorkers> {
  const ctx = await createStageContext(cfg, { redis, metrics, log }, overrides);
  const { queues, collector, keys } = ctx;
  if (overrides.schedule !== false) await schedule(queues, collector, log);
  const concurrency = queueConcurrency(cfg.workers);
  // A killed worker's job comes back to the queue once its lock lapses; the lock is also the stall check period.
  const lock = cfg.workers.jobLockMs;
  const opts = { connection: redis, prefix: keys.bullPrefix, lockDuration: lock, stalledInterval: lock };
  const start = <Q extends QueueName>(q: Q) =>
    new Worker<JobData[Q]>(QUEUES[q], (STAGES[q] as HandlerFactory<Q>)(ctx), { ...opts, concurrency: concurrency[q] });
  const workers = QUEUE_NAMES.map((q) => logFailures(start(q), log));
  const heartbeat = await startHeartbeat(redis, keys, metrics, log, cfg.workers.heartbeatSeconds);
  return {
    queues,
    collector,
    scorer: ctx.scorer.scorer,
    async close() {
      heartbeat.stop();
      await Promise.all(workers.map((w) => w.close()));
      await heartbeat.remove();
      await closeQueues(queues);
    },
  };
}
