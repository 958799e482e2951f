import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Keys } from './keys.ts';
import type { Metrics } from './metrics.ts';
import { QUEUE_NAMES, QUEUES, type JobData, type QueueName } from './queues.ts';

export type PipelineQueues = { [Q in QueueName]: Queue<JobData[Q]> };

export function openQueues(connection: Redis, keys: Keys): PipelineQueues {
  const open = <Q extends QueueName>(q: Q) => new Queue<JobData[Q]>(QUEUES[q], { connection, prefix: keys.bullPrefix });
  return Object.fromEntries(QUEUE_NAMES.map((q) => [q, open(q)])) as PipelineQueues;
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
