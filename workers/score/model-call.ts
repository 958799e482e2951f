import type { Logger } from '../../shared/logger.ts';
import type { ScorerKind } from '../../shared/lists.ts';
import type { Metrics } from '../../shared/metrics.ts';
import type { RequestBudget } from '../../shared/request-budget.ts';
import { withRetries, type RetryDecision } from '../../shared/retry.ts';

/**
 * What the model scorers (Hugging Face, TEI) share about one request to a model: the error it ends in, the
 * decision whether to try again, and the metrics around it.
 */

/** A failed call, with what the retry loop needs and nothing secret. `status` is an HTTP status or a word. */
export class ModelCallError extends Error {
  constructor(
    readonly status: string,
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'ModelCallError';
  }
}

/**
 * 429, 5xx, timeouts and network errors are worth another try. A malformed answer is not: the same text
 * sent to the same model gets the same answer, so a retry only spends quota; the score job's own retry
 * (minutes later) still covers a reply garbled on the way. 4xx (a bad token, a 413) will not change either.
 */
export function modelRetryDecision(err: unknown): RetryDecision {
  if (!(err instanceof ModelCallError)) return { retry: false };
  if (err.status === '429')
    return { retry: true, ...(err.retryAfterMs !== undefined ? { afterMs: err.retryAfterMs } : {}) };
  return { retry: err.status === 'timeout' || err.status === 'network' || Number(err.status) >= 500 };
}

/** A fetch that threw (no answer at all), described without the URL's query or headers. */
export function transportFailure(err: unknown, what: string): ModelCallError {
  const name = (err as { name?: string }).name;
  if (name === 'TimeoutError' || name === 'AbortError') return new ModelCallError('timeout', `${what} timed out`);
  return new ModelCallError('network', `${what} failed: ${String((err as Error).message).slice(0, 300)}`);
}

export interface ModelRetryOptions {
  timeoutMs: number;
  maxAttempts: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
}

/**
 * One model request, timed and counted by outcome, retried with jittered backoff as `modelRetryDecision`
 * says. `call` must throw ModelCallError (or let `describe` turn what it throws into one).
 */
export function callModel<T>(
  scorer: ScorerKind,
  items: number,
  call: () => Promise<T>,
  deps: {
    opts: ModelRetryOptions;
    metrics: Metrics;
    log: Logger;
    budget?: RequestBudget | undefined;
    describe?: (err: unknown) => ModelCallError;
  },
): Promise<T> {
  const { opts, metrics, log } = deps;
  const once = async () => {
    await deps.budget?.take();
    const stop = metrics.modelRequestDuration.startTimer({ scorer });
    metrics.modelItemsPerRequest.observe({ scorer }, items);
    try {
      const result = await call();
      stop({ outcome: 'ok' });
      return result;
    } catch (err) {
      const failure =
        err instanceof ModelCallError ? err : (deps.describe?.(err) ?? transportFailure(err, 'model request'));
      stop({ outcome: 'error' });
      metrics.modelErrors.inc({ scorer, status: failure.status });
      throw failure;
    }
  };
  return withRetries(once, {
    attempts: opts.maxAttempts,
    baseMs: opts.backoffBaseMs,
    maxMs: opts.backoffMaxMs,
    decide: modelRetryDecision,
    onRetry: (err, attempt, waitMs) =>
      log.warn({ scorer, status: (err as ModelCallError).status, attempt, waitMs }, 'model request failed; retrying'),
  });
}
