import type { Redis } from 'ioredis';
import { ConfigError, loadConfig, type Config } from './config.ts';
import { createKeys, type Keys } from './keys.ts';
import { createLogger, prettyLogs, type Logger } from './logger.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import { createRedis, redactRedisUrl } from './redis.ts';

export interface Runtime {
  cfg: Config;
  log: Logger;
  /** Logs go out as readable lines (LOG_FORMAT), so the banner is a block rather than a record. */
  prettyLogs: boolean;
  redis: Redis;
  keys: Keys;
  metrics: Metrics;
}

/** Start-up common to every process: config (exit with one line per bad variable), logger, Redis, metrics. */
export async function boot(processName: string): Promise<Runtime> {
  let cfg: Config;
  try {
    cfg = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`stancewatch: ${err.message}\nSee the Configuration section of README.md.\n`);
      process.exit(2);
    }
    throw err;
  }
  const pretty = prettyLogs(cfg.logFormat);
  const log = createLogger(cfg.logLevel, processName, undefined, { pretty });
  const redis = createRedis(cfg.redis.url, processName);
  redis.on('error', (err) =>
    log.warn({ err: err.message, redis: redactRedisUrl(cfg.redis.url) }, 'Redis connection problem'),
  );
  try {
    await Promise.race([
      redis.ping(),
      new Promise((_, reject) => setTimeout(() => reject(new Error('no answer within 5 s')), 5_000).unref()),
    ]);
  } catch (err) {
    process.stderr.write(
      `stancewatch: cannot reach Redis at ${redactRedisUrl(cfg.redis.url)} (${(err as Error).message}).\n` +
        'Start one (Debian/Ubuntu: `sudo apt-get install redis-server`; macOS: `brew install redis && brew services start redis`),\n' +
        'or point REDIS_URL at a Redis you have. `npm start` starts a private redis-server by itself when one is installed.\n',
    );
    process.exit(3);
  }
  const policy = (await redis.config('GET', 'maxmemory-policy').catch(() => [])) as string[];
  if (policy[1] && policy[1] !== 'noeviction') {
    log.warn(
      { policy: policy[1] },
      'Redis maxmemory-policy is not noeviction: under memory pressure Redis may drop queued jobs',
    );
  }
  return { cfg, log, prettyLogs: pretty, redis, keys: createKeys(cfg.redis.prefix), metrics: createMetrics() };
}

/** Closes everything on SIGINT/SIGTERM, so a worker finishes (or hands back) its job before exiting. */
export function onShutdown(log: Logger, close: () => Promise<void>): void {
  let closing = false;
  const handler = (signal: string) => {
    if (closing) return;
    closing = true;
    log.info({ signal }, 'shutting down');
    close()
      .then(() => process.exit(0))
      .catch((err) => {
        log.error({ err: (err as Error).message }, 'unclean shutdown');
        process.exit(1);
      });
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}
