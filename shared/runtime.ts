import type { Redis } from 'ioredis';
import { ConfigError, loadConfig, secretValues, type Config } from './config.ts';
import { createKeys, type Keys } from './keys.ts';
import { routeConsoleToLogger, throttledLog } from './log-routing.ts';
import { createLogger, prettyLogs, type Logger } from './logger.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import { createRedactor, type Redactor } from './redact.ts';
import { createBoundedRedis, createRedis, redactRedisUrl, whenReady } from './redis.ts';

export interface Runtime {
  cfg: Config;
  log: Logger;
  /** Logs go out as readable lines (LOG_FORMAT), so the banner is a block rather than a record. */
  prettyLogs: boolean;
  /** For queues, workers and commands that should wait out a Redis outage. */
  redis: Redis;
  /** A second, fail-fast connection for what must answer during an outage (API reads, /readyz, /metrics). */
  openReads(): Promise<Redis>;
  keys: Keys;
  metrics: Metrics;
  /** Removes the configured secrets from any text: for log lines, errors and health answers. */
  redact: Redactor;
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
  const redact = createRedactor(secretValues(cfg));
  const pretty = prettyLogs(cfg.logFormat);
  const log = createLogger(cfg.logLevel, processName, undefined, redact, { pretty });
  routeConsoleToLogger(log);
  const redis = createRedis(cfg.redis.url, processName);
  const redisProblem = throttledLog(log);
  redis.on('error', (err) =>
    redisProblem(
      'warn',
      'redis',
      { err: err.message, redis: redactRedisUrl(cfg.redis.url) },
      'Redis connection problem',
    ),
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
  let reads: Promise<Redis> | undefined;
  const openReads = () => {
    reads ??= (async () => {
      const r = createBoundedRedis(cfg.redis.url, `${processName}-reads`, cfg.redis.commandTimeoutMs);
      r.on('error', (err) =>
        redisProblem(
          'warn',
          'redis-reads',
          { err: err.message, redis: redactRedisUrl(cfg.redis.url) },
          'Redis connection problem (reads)',
        ),
      );
      await whenReady(r, 5_000);
      return r;
    })();
    return reads;
  };
  return {
    cfg,
    log,
    prettyLogs: pretty,
    redis,
    openReads,
    keys: createKeys(cfg.redis.prefix),
    metrics: createMetrics(),
    redact,
  };
}

export interface ShutdownSteps {
  /** Stop taking work and let what runs finish (may wait for Redis or a slow model). */
  graceful(): Promise<void>;
  /** Run when the grace period is over: hand unfinished work back (best effort, bounded). */
  handBack?(): Promise<void>;
}

/** Time handBack gets after the grace period; it needs Redis, which may be the reason we are late. */
const HAND_BACK_MS = 1_000;

/**
 * SIGINT/SIGTERM: stop taking work, give running work `graceMs`, then hand back what is unfinished and exit,
 * so the process is gone before an orchestrator's kill timeout (Docker: 10 s) whatever Redis or the model do.
 * A job that could not be handed back (Redis down) returns to the queue when its lock lapses. A second signal
 * exits at once.
 */
export function onShutdown(log: Logger, graceMs: number, steps: ShutdownSteps): void {
  let closing = false;
  const handler = (signal: string) => {
    if (closing) {
      log.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    closing = true;
    log.info({ signal, graceSeconds: graceMs / 1000 }, 'shutting down: no new jobs; running ones get the grace period');
    const within = <T>(p: Promise<T>, ms: number) => {
      let timer: NodeJS.Timeout | undefined;
      return Promise.race([
        p.then(() => true),
        new Promise<false>((r) => {
          timer = setTimeout(() => r(false), ms);
        }),
      ]).finally(() => clearTimeout(timer));
    };
    void (async () => {
      let clean = false;
      try {
        clean = await within(steps.graceful(), graceMs);
      } catch (err) {
        log.error({ err: (err as Error).message }, 'unclean shutdown');
      }
      if (!clean) {
        log.warn({ graceSeconds: graceMs / 1000 }, 'grace period over: handing unfinished jobs back and exiting');
        const handedBack = await within(steps.handBack?.() ?? Promise.resolve(), HAND_BACK_MS).catch(() => false);
        if (!handedBack)
          log.warn('could not hand jobs back (Redis unreachable?): they return to the queue when their locks lapse');
      }
      process.exit(clean ? 0 : 1);
    })();
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}
