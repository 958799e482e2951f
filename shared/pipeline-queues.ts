import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Keys } from './keys.ts';
import { throttledLog } from './log-routing.ts';
import type { Logger } from './logger.ts';
import type { Metrics } from './metrics.ts';
import { QUEUE_NAMES, QUEUES, type JobData, type QueueName } from './queues.ts';

export type PipelineQueues = { [Q in QueueName]: Queue<JobData[Q]> };

/**
 * The pipeline's queues on one connection. With a logger, connection errors are logged (throttled): a Queue
 * without an 'error' listener makes BullMQ print each one to the console, thousands of lines in an outage.
 */
export function openQueues(connection: Redis, keys: Keys, log?: Logger): PipelineQueues {
  const open = <Q extends QueueName>(q: Q) => new Queue<JobData[Q]>(QUEUES[q], { connection, prefix: keys.bullPrefix });
  const queues = Object.fromEntries(QUEUE_NAMES.map((q) => [q, open(q)])) as PipelineQueues;
  if (log) {
    const problem = throttledLog(log);
    for (const q of Object.values(queues) as Queue[])
      q.on('error', (err: Error) =>
        problem('warn', `queue:${q.name}`, { queue: q.name, err: err.message }, 'queue connection problem'),
      );
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
