import { Redis } from 'ioredis';

/**
 * The connection for queues and workers. `maxRetriesPerRequest: null` is what BullMQ's blocking connections
 * need, and it suits the pipeline: a job's command waits for Redis to come back instead of failing half-way.
 * It is wrong for anything that must answer while Redis is down (health, metrics, API reads): use
 * createBoundedRedis for those.
 */
export function createRedis(url: string, name = 'stancewatch'): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, connectionName: name, enableAutoPipelining: true });
}

/**
 * A connection whose commands fail fast while Redis is unreachable: no offline queue (a command sent while
 * disconnected fails at once), one retry across a reconnect, and a timeout per command. /readyz and /metrics
 * read through it, so an outage shows as 503 and stancewatch_redis_up 0 within about `commandTimeoutMs`.
 */
export function createBoundedRedis(url: string, name: string, commandTimeoutMs: number): Redis {
  return new Redis(url, {
    connectionName: name,
    enableAutoPipelining: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: commandTimeoutMs,
    // Keep trying to reconnect, at most every 2 s, so the process recovers by itself when Redis is back.
    retryStrategy: (times) => Math.min(times * 100, 2_000),
  });
}

/** Resolves when the connection is ready, or rejects after `ms`. */
export async function whenReady(redis: Redis, ms: number): Promise<void> {
  if (redis.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      redis.off('ready', onReady);
      reject(new Error(`no answer within ${ms / 1000} s`));
    }, ms);
    const onReady = () => {
      clearTimeout(timer);
      resolve();
    };
    redis.once('ready', onReady);
  });
}

/** Errors that mean "Redis cannot be reached right now" (not a bug): the API answers 503 for them. */
export function isRedisUnavailable(err: unknown): boolean {
  const e = err as { name?: string; message?: string; code?: string };
  return (
    e?.name === 'MaxRetriesPerRequestError' ||
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE'].includes(e?.code ?? '') ||
    /^(Command timed out|Connection is closed|Stream isn't writeable)/.test(e?.message ?? '')
  );
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
