import { Redis } from 'ioredis';

/**
 * One way to open Redis. `maxRetriesPerRequest: null` is what BullMQ's blocking connections need, and it
 * is harmless for the rest: a command waits for Redis to come back instead of failing half-way through
 * the pipeline.
 */
export function createRedis(url: string, name = 'stancewatch'): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, connectionName: name, enableAutoPipelining: true });
}

/** A Redis URL without its password, for log lines. */
export function redactRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable REDIS_URL)';
  }
}
