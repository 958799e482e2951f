import { setTimeout as sleep } from 'node:timers/promises';
import { backoffDelay } from './backoff.ts';

export interface RetryDecision {
  retry: boolean;
  /** The server said how long to wait (Retry-After); it wins over our own backoff, up to maxMs. */
  afterMs?: number;
}

export interface RetryOptions {
  attempts: number;
  baseMs: number;
  maxMs: number;
  decide(err: unknown): RetryDecision;
  onRetry?(err: unknown, attempt: number, waitMs: number): void;
  signal?: AbortSignal;
}

/** Runs `fn` until it succeeds, the error is not retryable, or attempts run out; the last error is thrown. */
export async function withRetries<T>(fn: (attempt: number) => Promise<T>, opts: RetryOptions): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      const decision = opts.decide(err);
      if (!decision.retry || attempt + 1 >= opts.attempts) throw err;
      const wait = Math.min(opts.maxMs, decision.afterMs ?? backoffDelay(attempt, opts.baseMs, opts.maxMs));
      opts.onRetry?.(err, attempt + 1, wait);
      await sleep(wait, undefined, { signal: opts.signal });
    }
  }
}
