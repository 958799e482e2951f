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
    let sources: Record<
      string,
      { lastSuccess: string | null; lastSuccessAgeSeconds: number | null; lastError: unknown }
    > = {};
    let model: { model: string; up: boolean; at: number; lastError?: string } | null = null;
    try {
      redisOk = (await redis.ping()) === 'PONG';
      workers = (await scanAll(redis, keys.heartbeatPattern)).length;
      const [ok, errs, modelState] = await Promise.all([
        redis.hgetall(keys.sourceLastSuccess),
        redis.hgetall(keys.sourceLastError),
        redis.get(keys.modelState),
      ]);
      model = modelState ? JSON.parse(modelState) : null;
      sources = Object.fromEntries(
        [...new Set([...Object.keys(ok), ...Object.keys(errs)])].sort().map((feed) => {
          const at = ok[feed] ? Number(ok[feed]) : null;
          return [
            feed,
            {
              lastSuccess: at ? new Date(at).toISOString() : null,
              lastSuccessAgeSeconds: at ? Math.round((now() - at) / 1000) : null,
              lastError: errs[feed] ? JSON.parse(errs[feed]) : null,
            },
          ];
        }),
      );
    } catch {
      redisOk = false;
    }
    const ready = redisOk && workers > 0;
    // The API still serves what is counted while the model is down: degraded, not unready.
    const status = !ready ? 'not ready' : model && !model.up ? 'degraded' : 'ready';
    res.status(ready ? 200 : 503).json({
      status,
      redis: redisOk ? 'ok' : 'unreachable',
      workers,
      model: model
        ? {
            id: model.model,
            up: model.up,
            since: new Date(model.at).toISOString(),
            ...(model.lastError ? { lastError: model.lastError } : {}),
          }
        : null,
      sources,
    });
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
