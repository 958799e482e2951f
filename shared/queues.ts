import type { Webhook } from './config.ts';
import type { Post, ScoredPost } from './post.ts';
import type { Alert } from './spikes/alert.ts';

/** Queue names, in one place. Posts travel in batches: one job carries many posts. */
export const QUEUES = {
  collect: 'collect',
  score: 'score',
  aggregate: 'aggregate',
  spikes: 'spikes',
  alertDelivery: 'alert-delivery',
} as const;
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];
export const QUEUE_NAMES: QueueName[] = Object.values(QUEUES);

export interface CollectJob {
  feedId: string;
}
export interface ScoreJob {
  posts: Post[];
}
export interface AggregateJob {
  posts: ScoredPost[];
}

/**
 * Retries with backoff for jobs whose failure is transient (model down, Redis blip): nothing is dropped quietly.
 * A job that uses up its attempts (or is interrupted more than JOB_MAX_STALLS times) is parked in the failed
 * set and kept there until `npm run redrive` sends it round again: its posts are already marked seen, so the
 * job is their only copy (alert StancewatchJobsParked).
 */
export const PIPELINE_JOB_OPTIONS = {
  attempts: 12,
  backoff: { type: 'exponential', delay: 2_000 },
  removeOnComplete: { age: 3_600, count: 1_000 },
  removeOnFail: false,
} as const;

/** Queues whose jobs carry posts: a parked job there means posts not yet counted. */
export const POST_QUEUES = [QUEUES.score, QUEUES.aggregate] as const;

/** Webhook deliveries: a few quick retries, so a dead receiver is reported in minutes, not hours. */
export function deliveryJobOptions(attempts: number, backoffMs: number) {
  return {
    attempts,
    backoff: { type: 'exponential', delay: backoffMs },
    removeOnComplete: { age: 3_600, count: 1_000 },
    removeOnFail: { age: 7 * 24 * 3_600 },
  } as const;
}

/**
 * The longest a failing delivery is retried before it counts as failed: BullMQ waits backoff × 2^(n-1) before
 * retry n, and each attempt may take the whole HTTP timeout.
 */
export function deliveryGiveUpBoundMs(attempts: number, backoffMs: number, timeoutMs: number): number {
  return backoffMs * (2 ** (attempts - 1) - 1) + attempts * timeoutMs;
}

export interface AlertDeliveryJob {
  webhook: Webhook;
  alert: Alert;
}
