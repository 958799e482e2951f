import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Keys } from '../../shared/keys.ts';
import type { Metrics } from '../../shared/metrics.ts';
import { postKey, type Post, type ScoredPost } from '../../shared/post.ts';
import { PIPELINE_JOB_OPTIONS, type AggregateJob } from '../../shared/queues.ts';
import type { Scorer } from './scorer.ts';

export interface ScoreDeps {
  redis: Redis;
  keys: Keys;
  scorer: Scorer;
  aggregateQueue: Queue<AggregateJob>;
  metrics: Metrics;
}

/**
 * Scores one batch and hands it to the aggregator. Posts already counted (a batch re-delivered after a
 * crash) are not sent to the model again. If the model fails, this throws and BullMQ retries the job
 * later with backoff: posts wait, none is dropped and none is quietly scored by another scorer.
 */
export async function scoreBatch(jobId: string, posts: Post[], d: ScoreDeps): Promise<{ scored: number; skipped: number }> {
  const counted = await Promise.all(posts.map((p) => d.redis.exists(d.keys.counted(postKey(p)))));
  const todo = posts.filter((_, i) => counted[i] === 0);
  for (const p of posts.filter((_, i) => counted[i] !== 0)) d.metrics.postsDuplicate.inc({ source: p.source, stage: 'score' });
  if (todo.length === 0) return { scored: 0, skipped: posts.length };

  const results = await d.scorer.score(todo.map((p) => p.text));
  const scoredAt = new Date().toISOString();
  const scored: ScoredPost[] = todo.map((p, i) => ({ ...p, result: results[i]!, scoredAt }));
  for (const p of scored) d.metrics.postsScored.inc({ source: p.source, stance: p.result.stance, scorer: p.result.model.kind });
  // The aggregate job's id follows the score job's, so a retried score job does not enqueue a second one.
  await d.aggregateQueue.add('aggregate', { posts: scored }, { ...PIPELINE_JOB_OPTIONS, jobId: `agg-${jobId}` });
  return { scored: scored.length, skipped: posts.length - todo.length };
}
