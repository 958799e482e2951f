import { createHash } from 'node:crypto';
import type { Job } from 'bullmq';
import type { WorkersConfig, Webhook } from './config.ts';
import type { AlertState } from './lists.ts';
import { postKey, type Post, type ScoredPost } from './post.ts';
import type { Alert } from './spikes/alert.ts';

/**
 * The queue catalogue: every queue, the data its jobs carry, how job ids are built, the options jobs are
 * added with and how many run at once. Posts travel in batches: one job carries many posts.
 */

/** By catalogue name; the value is the BullMQ queue name (and the `queue` label of metrics). */
export const QUEUES = {
  collect: 'collect',
  score: 'score',
  aggregate: 'aggregate',
  spikes: 'spikes',
  alertDelivery: 'alert-delivery',
} as const;
export type QueueName = keyof typeof QUEUES;
export const QUEUE_NAMES = Object.keys(QUEUES) as QueueName[];

export interface CollectJob {
  feedId: string;
}
export interface ScoreJob {
  posts: Post[];
}
export interface AggregateJob {
  posts: ScoredPost[];
}
/** The detector reads everything it needs from Redis; its scheduled job carries nothing. */
export type SpikesJob = Record<string, never>;
export interface AlertDeliveryJob {
  webhook: Webhook;
  alert: Alert;
}

export interface JobData {
  collect: CollectJob;
  score: ScoreJob;
  aggregate: AggregateJob;
  spikes: SpikesJob;
  alertDelivery: AlertDeliveryJob;
}

/** What every stage exports a factory for: one function that processes one job of its queue. */
export type JobHandler<Q extends QueueName> = (job: Job<JobData[Q]>, token?: string) => Promise<unknown>;

/**
 * Job ids decide what counts as "the same job": BullMQ keeps one job per id while it knows it, so a retried
 * step does not enqueue its successor twice.
 */
export const jobIds = {
  /** The scheduler that polls one feed. */
  poll: (feedId: string) => `poll-${feedId}`,
  /** The spike detector's scheduler. */
  detect: 'detect-spikes',
  /** The same batch enqueued twice (a retried poll) is one job. */
  score: (posts: readonly Post[]) =>
    `score-${createHash('sha256').update(posts.map(postKey).join(',')).digest('base64url').slice(0, 24)}`,
  /** Follows the score job's, so a retried score job does not enqueue a second aggregate job. */
  aggregate: (scoreJobId: string) => `agg-${scoreJobId}`,
  /** One delivery per webhook and state change, even if the detector's run is retried. */
  delivery: (alertId: string, state: AlertState, webhookIndex: number) => `deliver-${alertId}-${state}-${webhookIndex}`,
};

/** Retries with backoff for jobs whose failure is transient (model down, Redis blip): nothing is dropped quietly. */
export const PIPELINE_JOB_OPTIONS = {
  attempts: 12,
  backoff: { type: 'exponential', delay: 2_000 },
  removeOnComplete: { age: 3_600, count: 1_000 },
  removeOnFail: { age: 7 * 24 * 3_600 },
} as const;

/** Scheduled jobs (polls, the detector) run again on their own: keep only a short history. */
export const SCHEDULED_JOB_OPTIONS = { removeOnComplete: 100, removeOnFail: 100 } as const;

/** Jobs one workers process runs at once, per queue. */
export function queueConcurrency(cfg: Pick<WorkersConfig, 'scoreConcurrency'>): Record<QueueName, number> {
  return { collect: 2, score: cfg.scoreConcurrency, aggregate: 2, spikes: 1, alertDelivery: 4 };
}
