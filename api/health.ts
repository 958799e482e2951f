import { Router } from 'express';
import type { Redis } from 'ioredis';
import type { Keys } from '../shared/keys.ts';

/**
 * /healthz: the process answers. /readyz: it can do its job — Redis answers and at least one workers
 * process is heartbeating — plus, for the operator, each feed's last success and last error.
 */
export function healthRoutes(redis: Redis, keys: Keys, now: () => number = Date.now): Router {
  const r = Router();
  r.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  r.get('/readyz', async (_req, res) => {
    let redisOk = false;
    let workers = 0;
    let sources: Record<string, { lastSuccess: string | null; lastSuccessAgeSeconds: number | null; lastError: unknown }> = {};
    try {
      redisOk = (await redis.ping()) === 'PONG';
      workers = (await scanAll(redis, keys.heartbeatPattern)).length;
      const [ok, errs] = await Promise.all([redis.hgetall(keys.sourceLastSuccess), redis.hgetall(keys.sourceLastError)]);
      sources = Object.fromEntries(
        [...new Set([...Object.keys(ok), ...Object.keys(errs)])].sort().map((feed) => {
          const at = ok[feed] ? Number(ok[feed]) : null;
          return [feed, {
            lastSuccess: at ? new Date(at).toISOString() : null,
            lastSuccessAgeSeconds: at ? Math.round((now() - at) / 1000) : null,
            lastError: errs[feed] ? JSON.parse(errs[feed]) : null,
          }];
        }),
      );
    } catch {
      redisOk = false;
    }
    const ready = redisOk && workers > 0;
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', redis: redisOk ? 'ok' : 'unreachable', workers, sources });
  });
  return r;
}

async function scanAll(redis: Redis, pattern: string): Promise<string[]> {
  const out: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 200);
    out.push(...keys);
    cursor = next;
  } while (cursor !== '0');
  return out;
}
