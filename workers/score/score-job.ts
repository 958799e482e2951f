import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { isDeepStrictEqual } from 'node:util';
import { DelayedError, type Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Keys } from '../../shared/keys.ts';
import type { Logger } from '../../shared/logger.ts';
import type { Metrics } from '../../shared/metrics.ts';
import {
  postKey,
  type ModelRef,
  type Post,
  type ScoredPost,
  type Stance,
  type StanceResult,
} from '../../shared/post.ts';
import { textFingerprint } from '../../shared/text/fingerprint.ts';
import { PIPELINE_JOB_OPTIONS, jobIds, type AggregateJob } from '../../shared/queues.ts';
import type { HandlerFactory } from '../stage.ts';
import { ModelUnavailableError } from './model-guard.ts';
import { isRejected, scoreIsolatingRejects, settleRejected, type Rejected } from './rejected-input.ts';
import type { Scorer } from './scorer.ts';

export interface ScoreDeps {
  redis: Redis;
  keys: Keys;
  scorer: Scorer;
  aggregateQueue: Queue<AggregateJob>;
  metrics: Metrics;
  /** How long a fingerprint's score is reused. */
  cacheTtlSeconds: number;
  /** Scores posts the model refuses (SCORER_FALLBACK=builtin); without it they are counted as unscorable. */
  fallback?: Scorer;
  log?: Logger;
}

/**
 * Scores a batch (see scoreBatch). While the model is down the batch either falls back to the built-in
 * scorer (SCORER_FALLBACK=builtin) or waits, delayed until the breaker may try again, without using up one
 * of its attempts.
 */
export const scoreJob: HandlerFactory<'score'> = ({ redis, keys, metrics, log, queues, scorer, cfg }) => {
  const deps = {
    redis,
    keys,
    scorer: scorer.scorer,
    aggregateQueue: queues.aggregate,
    metrics,
    log,
    cacheTtlSeconds: cfg.scoring.cacheTtlSeconds,
    // Posts the model refuses outright go to the fallback too, when there is one (rejected-input.ts).
    ...(scorer.fallback ? { fallback: scorer.fallback } : {}),
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
  // One MGET for the batch rather than one EXISTS per post.
  const counted = posts.length ? await deps.redis.mget(posts.map((p) => deps.keys.counted(postKey(p)))) : [];
  const todo = posts.filter((_, i) => counted[i] === null);
  for (const p of posts.filter((_, i) => counted[i] !== null))
    deps.metrics.postsDuplicate.inc({ source: p.source, stage: 'score' });
  if (todo.length === 0) return { scored: 0, skipped: posts.length };

  const texts = todo.map((p) => p.text);
  // An in-process scorer scores again faster than the cache could answer (see Scorer.inProcess).
  const results = await settleRejected(
    todo,
    deps.scorer.inProcess ? await scoreIsolatingRejects(deps.scorer, texts) : await scoreWithCache(texts, deps),
    deps,
  );
  const scoredAt = new Date().toISOString();
  // A post the model refused and no fallback scored is left out (counted as unscorable): it is not news volume we can judge.
  const scored: ScoredPost[] = todo.flatMap((p, i) => (results[i] ? [{ ...p, result: results[i], scoredAt }] : []));
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
 * How long a claim lasts unless its holder renews it: a holder that dies (SIGKILL) holds nobody up for
 * longer than this. A slow model call keeps its claims by renewing them every CLAIM_MS / 3.
 */
const CLAIM_MS = 5_000;
/** Longest a batch waits for texts another worker is scoring before scoring them itself. */
const WAIT_MS = 60_000;

/**
 * Scores texts, reusing the score of an identical text (by fingerprint) under the same model: a repost or a
 * cross-post costs no model call, yet each occurrence is still counted as volume for its own source.
 * A fingerprint is claimed (SET NX) before it is scored, so when the same status arrives through several
 * feeds at once, one worker calls the model and the others wait for its cached result.
 */
async function scoreWithCache(texts: string[], deps: ScoreDeps): Promise<Array<StanceResult | Rejected>> {
  const fps = texts.map(textFingerprint);
  // Keys name the model by a short hash of id and setup: a model id can be 70 characters, on every cached text.
  const modelKey = createHash('sha256')
    .update(`${deps.scorer.model.id}@${deps.scorer.model.setup ?? '-'}`)
    .digest('base64url')
    .slice(0, 10);
  const results: Array<StanceResult | Rejected | undefined> = new Array(texts.length);
  const firstText = new Map<string, string>();
  fps.forEach((fp, i) => firstText.has(fp) || firstText.set(fp, texts[i]!));
  const known = new Map<string, StanceResult | Rejected>();
  // Identical texts within one batch are scored once too.
  let pending = [...firstText.keys()];
  let modelCalls = 0;
  const readCache = async (list: string[]) => {
    const cached = await deps.redis.mget(list.map((fp) => deps.keys.scoreCache(modelKey, fp)));
    list.forEach((fp, i) => cached[i] && known.set(fp, decodeResult(cached[i]!, deps.scorer.model)));
    return list.filter((fp) => !known.has(fp));
  };
  pending = await readCache(pending);
  const deadline = Date.now() + WAIT_MS;
  for (let wait = 10; pending.length > 0; wait = Math.min(wait * 2, 200)) {
    const claimed = Date.now() > deadline ? pending : await claim(pending, modelKey, deps);
    // A holder may have stored its result and let go between our cache read and our claim: read once more.
    const mine = claimed.length ? await readCache(claimed) : [];
    const notNeeded = claimed.filter((fp) => known.has(fp));
    if (notNeeded.length) await deps.redis.del(...notNeeded.map((fp) => deps.keys.scoreClaim(modelKey, fp)));
    if (mine.length) {
      modelCalls += mine.length;
      await scoreAndShare(mine, firstText, modelKey, known, deps);
    }
    pending = pending.filter((fp) => !known.has(fp));
    if (pending.length === 0) break;
    // Another worker holds these: its result lands in the cache (or its claim lapses and one of us takes over).
    await sleep(wait);
    pending = await readCache(pending);
  }
  fps.forEach((fp, i) => (results[i] = known.get(fp)));
  deps.metrics.scoreCache.inc({ result: 'hit' }, texts.length - modelCalls);
  deps.metrics.scoreCache.inc({ result: 'miss' }, modelCalls);
  return results as Array<StanceResult | Rejected>;
}

async function claim(fps: string[], modelKey: string, deps: ScoreDeps): Promise<string[]> {
  const pipeline = deps.redis.pipeline();
  for (const fp of fps) pipeline.set(deps.keys.scoreClaim(modelKey, fp), '1', 'PX', CLAIM_MS, 'NX');
  const replies = (await pipeline.exec()) ?? [];
  return fps.filter((_, i) => replies[i]?.[1] === 'OK');
}

async function scoreAndShare(
  fps: string[],
  firstText: Map<string, string>,
  modelKey: string,
  known: Map<string, StanceResult | Rejected>,
  deps: ScoreDeps,
): Promise<void> {
  const release = () => deps.redis.del(...fps.map((fp) => deps.keys.scoreClaim(modelKey, fp)));
  let fresh: Array<StanceResult | Rejected>;
  const renew = setInterval(() => {
    const p = deps.redis.pipeline();
    for (const fp of fps) p.pexpire(deps.keys.scoreClaim(modelKey, fp), CLAIM_MS);
    p.exec().catch(() => {});
  }, CLAIM_MS / 3);
  try {
    // A text the model refuses stands alone after bisection and is settled by the caller, never cached.
    fresh = await scoreIsolatingRejects(
      deps.scorer,
      fps.map((fp) => firstText.get(fp)!),
    );
  } catch (err) {
    // Nobody should wait on a claim whose holder failed: whoever retries first scores the texts.
    await release().catch(() => {});
    throw err;
  } finally {
    clearInterval(renew);
  }
  const pipeline = deps.redis.pipeline();
  fps.forEach((fp, i) => {
    const result = fresh[i]!;
    known.set(fp, result);
    if (isRejected(result)) return;
    pipeline.set(
      deps.keys.scoreCache(modelKey, fp),
      encodeResult(result, deps.scorer.model),
      'EX',
      deps.cacheTtlSeconds,
    );
  });
  pipeline.del(...fps.map((fp) => deps.keys.scoreClaim(modelKey, fp)));
  await pipeline.exec();
}

/** A cached result as [stance, score, confidence] when its model is the scorer's own (the key names it): ~30 bytes, not ~110. */
function encodeResult(r: StanceResult, model: ModelRef): string {
  return isDeepStrictEqual(r.model, model) ? JSON.stringify([r.stance, r.score, r.confidence]) : JSON.stringify(r);
}

function decodeResult(raw: string, model: ModelRef): StanceResult {
  const v = JSON.parse(raw) as StanceResult | [Stance, number, number];
  return Array.isArray(v) ? { stance: v[0], score: v[1], confidence: v[2], model } : v;
}
