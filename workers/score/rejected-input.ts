import type { Redis } from 'ioredis';
import type { Keys } from '../../shared/keys.ts';
import type { Logger } from '../../shared/logger.ts';
import type { Metrics } from '../../shared/metrics.ts';
import { postKey, type Post, type StanceResult } from '../../shared/post.ts';
import { ModelCallError } from './model-call.ts';
import type { Scorer } from './scorer.ts';

/**
 * Poison input: a post the model refuses however often it is sent (HTTP 400, 413, 422…). It says nothing
 * about the model's health, so the breaker does not count it, and it must not hold back the other posts of
 * its batch: the batch is bisected until the refused posts stand alone, and those are scored by the fallback
 * (SCORER_FALLBACK=builtin, labelled as such) or recorded as unscorable and counted.
 */
export class InputRejectedError extends Error {
  constructor(
    readonly status: string,
    message: string,
  ) {
    super(message);
    this.name = 'InputRejectedError';
  }
}

/**
 * Whether a 4xx answer refuses the input rather than the caller: 401/403 (credentials), 404 (no such model),
 * 407/408 (proxy, timeout) and 429 (quota) are about the endpoint and go to the retry loop and the breaker.
 */
export function rejectsInput(status: number): boolean {
  return status >= 400 && status < 500 && ![401, 403, 404, 407, 408, 429].includes(status);
}

/** For a scorer's catch: a model call that ended in an input-refusing 4xx becomes an InputRejectedError. */
export function throwAsRejection(err: unknown): never {
  if (err instanceof ModelCallError && rejectsInput(Number(err.status)))
    throw new InputRejectedError(err.status, err.message);
  throw err;
}

export interface Rejected {
  rejected: string;
}

export const isRejected = (r: StanceResult | Rejected): r is Rejected => 'rejected' in r;

/** Scores texts; on a rejection, bisects, so one refused text costs about 2·log2(n) extra calls, not the batch. */
export async function scoreIsolatingRejects(scorer: Scorer, texts: string[]): Promise<Array<StanceResult | Rejected>> {
  try {
    return await scorer.score(texts);
  } catch (err) {
    if (!(err instanceof InputRejectedError)) throw err;
    if (texts.length === 1) return [{ rejected: err.status }];
    const mid = Math.ceil(texts.length / 2);
    // One half after the other: a batch that holds a refused post is not sent at twice the concurrency.
    const left = await scoreIsolatingRejects(scorer, texts.slice(0, mid));
    return [...left, ...(await scoreIsolatingRejects(scorer, texts.slice(mid)))];
  }
}

export interface RejectedDeps {
  redis: Redis;
  keys: Keys;
  metrics: Metrics;
  log?: Logger;
  fallback?: Scorer;
}

/** Kept for inspection: the most recent refused posts (key, source, status), never their text. */
const UNSCORABLE_KEPT = 1_000;

/**
 * Gives each refused post the fallback's score, or leaves it out (undefined) as unscorable. Either way it is
 * counted in stancewatch_posts_rejected_by_model_total and no longer waits.
 */
export async function settleRejected(
  posts: Post[],
  results: Array<StanceResult | Rejected>,
  deps: RejectedDeps,
): Promise<Array<StanceResult | undefined>> {
  const refused = posts.map((p, i) => ({ p, i, r: results[i]! })).filter((x) => isRejected(x.r));
  if (refused.length === 0) return results as StanceResult[];
  const out: Array<StanceResult | undefined> = results.map((r) => (isRejected(r) ? undefined : r));
  const rescued = deps.fallback ? await deps.fallback.score(refused.map((x) => x.p.text)) : [];
  const pipeline = deps.redis.pipeline();
  refused.forEach((x, k) => {
    const status = (x.r as Rejected).rejected;
    if (rescued[k]) {
      out[x.i] = rescued[k];
      deps.metrics.postsRejectedByModel.inc({ source: x.p.source, outcome: 'fallback' });
    } else {
      deps.metrics.postsRejectedByModel.inc({ source: x.p.source, outcome: 'unscorable' });
      pipeline.lpush(
        deps.keys.unscorable,
        JSON.stringify({ post: postKey(x.p), source: x.p.source, status, at: new Date().toISOString() }),
      );
    }
    deps.log?.warn(
      { post: postKey(x.p), source: x.p.source, status, scoredBy: rescued[k] ? 'fallback' : 'nobody' },
      'the model refuses this post',
    );
  });
  pipeline.ltrim(deps.keys.unscorable, 0, UNSCORABLE_KEPT - 1);
  await pipeline.exec();
  return out;
}
