import { Router } from 'express';
import type { Redis } from 'ioredis';
import type { Keys } from '../shared/keys.ts';

export interface HealthOptions {
  /** Workers heartbeat this often; one is live while its last beat is under three periods old. */
  heartbeatSeconds: number;
  /** /readyz answers within this long whatever Redis does (it reads through a bounded connection too). */
  timeoutMs: number;
  now?: () => number;
}

type FeedHealth = { lastSuccess: string | null; lastSuccessAgeSeconds: number | null; lastError: PublicError | null };
type ModelState = { model: string; up: boolean; at: number; reason?: unknown; configError?: unknown };

/**
 * /healthz: the process answers. /readyz: it can do its job — Redis answers and at least one workers
 * process is heartbeating — plus, for the operator, each feed's last success and last error. Its cost is a
 * fixed handful of commands: live workers are one ZCOUNT over the heartbeat sorted set, not a key scan.
 */
export function healthRoutes(redis: Redis, keys: Keys, opts: HealthOptions): Router {
  const now = opts.now ?? Date.now;
  const r = Router();
  r.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  r.get('/readyz', async (_req, res) => {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('timeout')), opts.timeoutMs);
    });
    const read = async () => {
      const since = now() - opts.heartbeatSeconds * 3_000;
      const [pong, workers, ok, errs, modelState] = await Promise.all([
        redis.ping(),
        redis.zcount(keys.workers, since, '+inf'),
        redis.hgetall(keys.sourceLastSuccess),
        redis.hgetall(keys.sourceLastError),
        redis.get(keys.modelState),
      ]);
      return {
        redisOk: pong === 'PONG',
        workers,
        ok,
        errs,
        model: modelState ? (JSON.parse(modelState) as ModelState) : null,
      };
    };
    let state: Awaited<ReturnType<typeof read>> | null = null;
    try {
      state = await Promise.race([read(), deadline]);
    } catch {
      state = null; // Redis down or too slow: not ready, and say so now rather than hang
    } finally {
      clearTimeout(timer);
    }
    if (!state) {
      res.status(503).json({ status: 'not ready', redis: 'unreachable', workers: null, model: null, sources: {} });
      return;
    }
    const { redisOk, workers, ok, errs, model } = state;
    const sources: Record<string, FeedHealth> = Object.fromEntries(
      [...new Set([...Object.keys(ok), ...Object.keys(errs)])].sort().map((feed) => {
        const at = ok[feed] ? Number(ok[feed]) : null;
        return [
          feed,
          {
            lastSuccess: at ? new Date(at).toISOString() : null,
            lastSuccessAgeSeconds: at ? Math.round((now() - at) / 1000) : null,
            lastError: errs[feed] ? publicError(errs[feed]) : null,
          },
        ];
      }),
    );
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
            ...(isReason(model.reason) ? { reason: model.reason } : {}),
            // Worded by us from the settings (model, provider, task), never upstream text: safe to show.
            ...(model.reason === 'configuration' && typeof model.configError === 'string'
              ? { lastError: `configuration: ${model.configError.slice(0, 300)}` }
              : {}),
          }
        : null,
      sources,
    });
  });
  return r;
}

/**
 * What /readyz may show of a stored error: its reason code and time, never text. /readyz is public, and
 * upstream error text can echo what we sent (tokens, user:password URLs).
 */
interface PublicError {
  reason: string;
  at: string | null;
}

const isReason = (x: unknown): x is string => typeof x === 'string' && /^[a-z0-9_]{1,40}$/.test(x);

function publicError(stored: string): PublicError {
  try {
    const e = JSON.parse(stored) as { reason?: unknown; at?: unknown };
    return {
      reason: isReason(e.reason) ? e.reason : 'error',
      at: typeof e.at === 'string' && !Number.isNaN(Date.parse(e.at)) ? new Date(e.at).toISOString() : null,
    };
  } catch {
    return { reason: 'error', at: null };
  }
}
