import type { Redis } from 'ioredis';
import type { Keys } from '../../shared/keys.ts';
import type { Logger } from '../../shared/logger.ts';
import type { Metrics } from '../../shared/metrics.ts';
import type { StanceResult } from '../../shared/post.ts';
import { InputRejectedError } from './rejected-input.ts';
import { ModelConfigError, type Scorer } from './scorer.ts';

/** Thrown while the breaker is open: the model is known to be down, so it is not called. */
export class ModelUnavailableError extends Error {
  constructor(readonly retryInMs: number) {
    super('the stance model is unavailable; posts wait until it answers again');
    this.name = 'ModelUnavailableError';
  }
}

export interface BreakerOptions {
  /** Consecutive failed calls (each already retried with backoff) that open the breaker. */
  failures: number;
  /** How long it stays open before one trial call is let through. */
  cooldownMs: number;
}

type State = 'closed' | 'open' | 'half-open';
const STATE_VALUE: Record<State, number> = { closed: 0, 'half-open': 1, open: 2 };

/**
 * A circuit breaker around a model scorer: after repeated failures it stops calling a dead endpoint,
 * lets one trial call through after a cooldown, and closes again when that succeeds. Its state is written
 * to Redis, so every API replica can show it (`stancewatch_model_up`, `/readyz` "degraded").
 */
export class GuardedScorer implements Scorer {
  private state: State = 'closed';
  private failuresInRow = 0;
  private openedAt = 0;

  constructor(
    private readonly inner: Scorer,
    private readonly opts: BreakerOptions & {
      redis: Redis;
      keys: Keys;
      metrics: Metrics;
      log: Logger;
      now?: () => number;
    },
  ) {
    opts.metrics.modelBreaker.set(0);
  }

  get model() {
    return this.inner.model;
  }

  /** The inner scorer's start-up check; a configuration that cannot work is logged and shown on /readyz. */
  async start(): Promise<void> {
    try {
      await this.inner.start?.();
    } catch (err) {
      if (!(err instanceof ModelConfigError)) throw err;
      this.opts.log.error(
        { model: this.model.id, err: err.message },
        'the stance model is misconfigured; posts wait until the configuration is fixed',
      );
      await this.publish(false, 'configuration', err.publicMessage);
    }
  }

  async score(texts: string[]): Promise<StanceResult[]> {
    const now = (this.opts.now ?? Date.now)();
    if (this.state === 'open') {
      const left = this.openedAt + this.opts.cooldownMs - now;
      if (left > 0) throw new ModelUnavailableError(left);
      this.set('half-open');
    }
    try {
      const r = await this.inner.score(texts);
      await this.answered();
      return r;
    } catch (err) {
      // The model answered, refusing the input: it is up, and the refused post is handled by the caller.
      if (err instanceof InputRejectedError) {
        await this.answered();
        throw err;
      }
      this.failuresInRow++;
      if (this.state === 'half-open' || this.failuresInRow >= this.opts.failures) {
        if (this.state !== 'open')
          this.opts.log.error(
            { model: this.model.id, err: (err as Error).message },
            'the stance model keeps failing; breaker open, posts wait',
          );
        this.set('open');
        this.openedAt = (this.opts.now ?? Date.now)();
        await this.publish(false, failureReason(err));
        // The caller sees "unavailable", not one more failure: the batch waits (or falls back) instead of using up its retries.
        throw new ModelUnavailableError(this.opts.cooldownMs);
      }
      throw err;
    }
  }

  private async answered(): Promise<void> {
    this.failuresInRow = 0;
    if (this.state !== 'closed') {
      this.set('closed');
      this.opts.log.info({ model: this.model.id }, 'the stance model answers again; breaker closed');
    }
    await this.publish(true);
  }

  private set(state: State): void {
    this.state = state;
    this.opts.metrics.modelBreaker.set(STATE_VALUE[state]);
  }

  /** Only a reason code is published: the state is shown on the public /readyz, and upstream text may echo secrets. */
  private async publish(up: boolean, reason?: string, configError?: string): Promise<void> {
    const at = (this.opts.now ?? Date.now)();
    await this.opts.redis.set(
      this.opts.keys.modelState,
      JSON.stringify({
        model: this.model.id,
        up,
        at,
        ...(reason ? { reason } : {}),
        ...(configError ? { configError } : {}),
      }),
      'EX',
      3_600,
    );
  }
}

/** A short, fixed vocabulary for why a model call failed: `http_503`, `timeout`, `network`, `malformed`, or `error`. */
export function failureReason(err: unknown): string {
  const status = (err as { status?: unknown } | null)?.status;
  if (typeof status === 'string' && /^\d{3}$/.test(status)) return `http_${status}`;
  if (typeof status === 'string' && ['timeout', 'network', 'malformed'].includes(status)) return status;
  return 'error';
}
