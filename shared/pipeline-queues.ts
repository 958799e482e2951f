import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Keys } from './keys.ts';
import { throttledLog } from './log-routing.ts';
import type { Logger } from './logger.ts';
import type { Metrics } from './metrics.ts';
import { QUEUES, type AggregateJob, type AlertDeliveryJob, type CollectJob, type ScoreJob } from './queues.ts';

export interface PipelineQueues {
  collect: Queue<CollectJob>;
  score: Queue<ScoreJob>;
  aggregate: Queue<AggregateJob>;
  spikes: Queue;
  alertDelivery: Queue<AlertDeliveryJob>;
}

/**
 * The pipeline's queues on one connection. With a logger, connection errors are logged (throttled): a Queue
 * without an 'error' listener makes BullMQ print each one to the console, thousands of lines in an outage.
 */
export function openQueues(connection: Redis, keys: Keys, log?: Logger): PipelineQueues {
  const opts = { connection, prefix: keys.bullPrefix };
  const queues: PipelineQueues = {
    collect: new Queue<CollectJob>(QUEUES.collect, opts),
    score: new Queue<ScoreJob>(QUEUES.score, opts),
    aggregate: new Queue<AggregateJob>(QUEUES.aggregate, opts),
    spikes: new Queue(QUEUES.spikes, opts),
    alertDelivery: new Queue<AlertDeliveryJob>(QUEUES.alertDelivery, opts),
  };
  if (log) {
    const problem = throttledLog(log);
    for (const q of Object.values(queues) as Queue[]) q.on('error', (err: Error) => problem('warn', `queue:${q.name}`, { queue: q.name, err: err.message }, 'queue connection problem'));
  }
  return queues;
}

export async function closeQueues(q: PipelineQueues): Promise<void> {
  await Promise.all(Object.values(q).map((x: Queue) => x.close()));
}

const STATES = ['waiting', 'active', 'delayed', 'prioritized', 'waiting-children', 'completed', 'failed'] as const;

/** Reads queue depths into the gauge; called just before each scrape so the numbers are current. */
export async function refreshQueueDepth(metrics: Metrics, q: PipelineQueues): Promise<void> {
  await Promise.all(
    Object.values(q).map(async (queue: Queue) => {
      const counts = await queue.getJobCounts(...STATES);
      for (const state of STATES) metrics.queueJobs.set({ queue: queue.name, state }, counts[state] ?? 0);
    }),
  );
}
