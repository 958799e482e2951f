import { DelayedError, type Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Keys } from '../../shared/keys.ts';
import type { Metrics } from '../../shared/metrics.ts';
import { postKey, type Post, type ScoredPost, type StanceResult } from '../../shared/post.ts';
import { textFingerprint } from '../../shared/text/fingerprint.ts';
import { PIPELINE_JOB_OPTIONS, jobIds, type AggregateJob } from '../../shared/queues.ts';
import type { HandlerFactory } from '../stage.ts';
import { ModelUnavailableError } from './model-guard.ts';
import type { Scorer } from './scorer.ts';

export interface ScoreDeps {
  redis: Redis;
  keys: Keys;
  scorer: Scorer;
  aggregateQueue: Queue<AggregateJob>;
  metrics: Metrics;
  /** How long a fingerprint's score is reused. */
  cacheTtlSeconds: number;
}

/**
 * Scores a batch (see scoreBatch). While the model is down the batch either falls back to the built-in
 * scorer (SCORER_FALLBACK=builtin) or waits, delayed until the breaker may try again, without using up one
 * of its attempts.
 */
export const scoreJob: HandlerFactory<'score'> = ({ redis, keys, metrics, queues, scorer, cfg }) => {
  const deps = {
    redis,
    keys,
    scorer: scorer.scorer,
    aggregateQueue: queues.aggregate,
    metrics,
    cacheTtlSeconds: cfg.scoring.cacheTtlSeconds,
  };
  return async (job, token) => {
    try {
      return await scoreBatch(job.id!, job.data.posts, deps);
    } catch (err) {
      if (!(err instanceof ModelUnavailableError)) throw err;
      if (scorer.fallback) return scoreBatch(job.id!, job.data.posts, { ...deps, scorer: scorer.fallback });
      await job.moveToDelayed(Date.now() + Math.max(1_000, err.retryInMs), token);
      throw new DelayedError();
    }
  };
};

/**
 * Scores one batch and hands it to the aggregator. Posts already counted (a batch re-delivered after a
 * crash) are not sent to the model again. If the model fails, this throws and BullMQ retries the job
 * later with backoff: posts wait, none is dropped and none is quietly scored by another scorer.
 */
export async function scoreBatch(
  jobId: string,
  posts: Post[],
  deps: ScoreDeps,
): Promise<{ scored: number; skipped: number }> {
  const counted = await Promise.all(posts.map((p) => deps.redis.exists(deps.keys.counted(postKey(p)))));
  const todo = posts.filter((_, i) => counted[i] === 0);
  for (const p of posts.filter((_, i) => counted[i] !== 0))
    deps.metrics.postsDuplicate.inc({ source: p.source, stage: 'score' });
  if (todo.length === 0) return { scored: 0, skipped: posts.length };

  const results = await scoreWithCache(
    todo.map((p) => p.text),
    deps,
  );
  const scoredAt = new Date().toISOString();
  const scored: ScoredPost[] = todo.map((p, i) => ({ ...p, result: results[i]!, scoredAt }));
  for (const p of scored)
    deps.metrics.postsScored.inc({ source: p.source, stance: p.result.stance, scorer: p.result.model.kind });
  await deps.aggregateQueue.add(
    'aggregate',
    { posts: scored },
    { ...PIPELINE_JOB_OPTIONS, jobId: jobIds.aggregate(jobId) },
  );
  return { scored: scored.length, skipped: posts.length - todo.length };
}

/**
 * Scores texts, reusing the score of an identical text (by fingerprint) under the same model: a repost or a
 * cross-post costs no model call, yet each occurrence is still counted as volume for its own source.
 */
async function scoreWithCache(texts: string[], deps: ScoreDeps): Promise<StanceResult[]> {
  const fps = texts.map(textFingerprint);
  const modelKey = `${deps.scorer.model.id}@${deps.scorer.model.setup ?? '-'}`;
  const cacheKeys = fps.map((fp) => deps.keys.scoreCache(modelKey, fp));
  const cached = await deps.redis.mget(cacheKeys);
  const results: Array<StanceResult | undefined> = cached.map((c) => (c ? (JSON.parse(c) as StanceResult) : undefined));
  // Identical texts within one batch are scored once too.
  const missing = [...new Set(fps.filter((_, i) => !results[i]))];
  deps.metrics.scoreCache.inc({ result: 'hit' }, texts.length - missing.length);
  deps.metrics.scoreCache.inc({ result: 'miss' }, missing.length);
  if (missing.length) {
    const firstText = new Map<string, string>();
    fps.forEach((fp, i) => firstText.has(fp) || firstText.set(fp, texts[i]!));
    const fresh = await deps.scorer.score(missing.map((fp) => firstText.get(fp)!));
    const byFp = new Map(missing.map((fp, i) => [fp, fresh[i]!] as const));
    fps.forEach((fp, i) => (results[i] ??= byFp.get(fp)));
    const pipeline = deps.redis.pipeline();
    for (const [fp, r] of byFp)
      pipeline.set(deps.keys.scoreCache(modelKey, fp), JSON.stringify(r), 'EX', deps.cacheTtlSeconds);
    await pipeline.exec();
  }
  return results as StanceResult[];
}
