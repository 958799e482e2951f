import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';

/**
 * A token bucket in Redis, shared by every workers process: the model's requests-per-minute quota is used
 * fully and never exceeded, however many replicas there are. The script reads Redis's own clock, so
 * replicas with skewed clocks still agree.
 */
const TAKE_LUA = `
local capacity = tonumber(ARGV[1])
local perMs = tonumber(ARGV[2])
local n = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1]) or capacity
local ts = tonumber(state[2]) or now
tokens = math.min(capacity, tokens + (now - ts) * perMs)
local wait = 0
if tokens >= n then tokens = tokens - n else wait = math.ceil((n - tokens) / perMs) end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', now)
redis.call('PEXPIRE', KEYS[1], math.ceil(capacity / perMs) + 60000)
return wait
`;

export interface RequestBudget {
  /** Resolves when one more request may be sent. */
  take(): Promise<void>;
}

export const UNLIMITED: RequestBudget = { take: async () => {} };

export class RedisRequestBudget implements RequestBudget {
  private readonly capacity: number;
  private readonly perMs: number;

  constructor(private readonly redis: Redis, private readonly key: string, requestsPerMinute: number) {
    this.perMs = requestsPerMinute / 60_000;
    // A burst of one second's worth: smooth enough for the provider, full use of the quota over a minute.
    this.capacity = Math.max(1, Math.ceil(requestsPerMinute / 60));
    if (!('swTakeToken' in redis)) redis.defineCommand('swTakeToken', { numberOfKeys: 1, lua: TAKE_LUA });
  }

  async take(): Promise<void> {
    const run = (this.redis as unknown as { swTakeToken(key: string, ...args: Array<string | number>): Promise<number> }).swTakeToken.bind(this.redis);
    for (;;) {
      const wait = await run(this.key, this.capacity, this.perMs, 1);
      if (wait === 0) return;
      await sleep(wait);
    }
  }
}
