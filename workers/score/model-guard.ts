import type { Redis } from 'ioredis';
import type { Keys } from '../../shared/keys.ts';
import type { Logger } from '../../shared/logger.ts';
import type { Metrics } from '../../shared/metrics.ts';
import type { StanceResult } from '../../shared/post.ts';
import type { Scorer } from './scorer.ts';

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

  async score(texts: string[]): Promise<StanceResult[]> {
    const now = (this.opts.now ?? Date.now)();
    if (this.state === 'open') {
      const left = this.openedAt + this.opts.cooldownMs - now;
      if (left > 0) throw new ModelUnavailableError(left);
      this.set('half-open');
    }
    try {
      const r = await this.inner.score(texts);
      this.failuresInRow = 0;
      if (this.state !== 'closed') {
        this.set('closed');
        this.opts.log.info({ model: this.model.id }, 'the stance model answers again; breaker closed');
      }
      await this.publish(true);
      return r;
    } catch (err) {
      this.failuresInRow++;
      if (this.state === 'half-open' || this.failuresInRow >= this.opts.failures) {
        if (this.state !== 'open')
          this.opts.log.error(
            { model: this.model.id, err: (err as Error).message },
            'the stance model keeps failing; breaker open, posts wait',
          );
        this.set('open');
        this.openedAt = (this.opts.now ?? Date.now)();
        await this.publish(false, (err as Error).message);
        // The caller sees "unavailable", not one more failure: the batch waits (or falls back) instead of using up its retries.
        throw new ModelUnavailableError(this.opts.cooldownMs);
      }
      throw err;
    }
  }

  private set(state: State): void {
    this.state = state;
    this.opts.metrics.modelBreaker.set(STATE_VALUE[state]);
  }

  private async publish(up: boolean, lastError?: string): Promise<void> {
    const at = (this.opts.now ?? Date.now)();
    await this.opts.redis.set(
      this.opts.keys.modelState,
      JSON.stringify({ model: this.model.id, up, at, ...(lastError ? { lastError: lastError.slice(0, 300) } : {}) }),
      'EX',
      3_600,
    );
  }
}
