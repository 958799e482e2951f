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

/** Retries with backoff for jobs whose failure is transient (model down, Redis blip): nothing is dropped quietly. */
export const PIPELINE_JOB_OPTIONS = {
  attempts: 12,
  backoff: { type: 'exponential', delay: 2_000 },
  // Completed batches carry every post's text: keep few (exactly-once rests on the counted markers, not on them).
  removeOnComplete: { age: 3_600, count: 50 },
  removeOnFail: { age: 7 * 24 * 3_600 },
} as const;

export interface AlertDeliveryJob {
  webhook: Webhook;
  alert: Alert;
}
