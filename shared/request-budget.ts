import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { defineScript } from './redis-script.ts';

/**
 * A token bucket in Redis, shared by every workers process: the model's requests-per-minute quota is used
 * fully and never exceeded, however many replicas there are.
 */
const takeToken = defineScript(new URL('./take-token.lua', import.meta.url), {
  keys: ['bucket'],
  argv: ['capacity', 'perMs', 'wanted'],
});

export interface RequestBudget {
  /** Resolves when one more request may be sent. */
  take(): Promise<void>;
}

export const UNLIMITED: RequestBudget = { take: async () => {} };

export class RedisRequestBudget implements RequestBudget {
  private readonly capacity: number;
  private readonly perMs: number;

  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    requestsPerMinute: number,
  ) {
    this.perMs = requestsPerMinute / 60_000;
    // A burst of one second's worth: smooth enough for the provider, full use of the quota over a minute.
    this.capacity = Math.max(1, Math.ceil(requestsPerMinute / 60));
  }

  async take(): Promise<void> {
    for (;;) {
      const wait = await takeToken.run(
        this.redis,
        { bucket: this.key },
        { capacity: this.capacity, perMs: this.perMs, wanted: 1 },
      );
      if (wait === 0) return;
      await sleep(wait);
    }
  }
}
