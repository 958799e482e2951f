import { createHash, timingSafeEqual } from 'node:crypto';
import cors from 'cors';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import helmet from 'helmet';
import type { Redis } from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { Keys } from '../shared/keys.ts';
import { Problem, sendProblem } from './problem.ts';

export interface AccessOptions {
  /** Hex SHA-256 digests of the accepted API keys; empty means the API is open. */
  keySha256: readonly string[];
  /** Requests per minute per key (0: unlimited). */
  ratePerMinute: number;
  /** Origins allowed to call the API from a browser; `*` for any; empty sends no CORS headers. */
  corsOrigins: readonly string[];
}

export const OPEN_ACCESS: AccessOptions = { keySha256: [], ratePerMinute: 0, corsOrigins: [] };

/**
 * Security headers with helmet. The CSP is strict — only our own origin may supply scripts, styles,
 * images and connections, no inline code, no framing — which is what the dashboard's own assets need
 * and nothing more. The API's JSON answers are not documents, but the headers cost nothing there.
 */
export function securityHeaders(): RequestHandler {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        'default-src': ["'self'"],
        'script-src': ["'self'"],
        'style-src': ["'self'"],
        'img-src': ["'self'", 'data:'],
        'connect-src': ["'self'"],
        'font-src': ["'self'"],
        'object-src': ["'none'"],
        'base-uri': ["'self'"],
        'form-action': ["'self'"],
        'frame-ancestors': ["'none'"],
      },
    },
    // Same-origin by default would stop the configured CORS origins from reading answers.
    crossOriginResourcePolicy: { policy: 'cross-origin' },
  });
}

/** CORS for the configured origins only (the `cors` package); none configured, no CORS headers at all. */
export function corsFor(origins: readonly string[]): RequestHandler | undefined {
  if (origins.length === 0) return undefined;
  return cors({
    origin: origins.includes('*') ? '*' : [...origins],
    methods: ['GET', 'HEAD', 'OPTIONS'],
    allowedHeaders: ['Authorization', 'X-API-Key', 'If-None-Match', 'Content-Type'],
    exposedHeaders: ['ETag', 'Retry-After', 'RateLimit-Remaining'],
    maxAge: 600,
  });
}

/**
 * API keys, when configured: the key comes as `Authorization: Bearer <key>` or `X-API-Key: <key>`; its
 * SHA-256 is compared with every configured digest in constant time (timingSafeEqual, no early exit), so
 * neither the keys nor their digests leak through timing. Configuration holds digests only. Each key
 * then draws on its own per-minute budget in Redis (rate-limiter-flexible), shared by every API replica.
 */
export function requireApiKey(redis: Redis, keys: Keys, opts: AccessOptions): RequestHandler | undefined {
  if (opts.keySha256.length === 0) return undefined;
  const digests = opts.keySha256.map((h) => Buffer.from(h, 'hex'));
  const limiter =
    opts.ratePerMinute > 0
      ? new RateLimiterRedis({
          storeClient: redis,
          keyPrefix: keys.apiRateLimit,
          points: opts.ratePerMinute,
          duration: 60,
        })
      : undefined;
  return async (req: Request, res: Response, next: NextFunction) => {
    const key = presentedKey(req);
    const id = key === undefined ? undefined : matchKey(digests, key);
    if (id === undefined) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="stancewatch"');
      return sendProblem(
        res,
        req,
        new Problem(
          401,
          'Unauthorized',
          key === undefined
            ? 'this API needs a key: send "Authorization: Bearer <key>" or "X-API-Key: <key>"'
            : 'the API key is not valid',
        ),
      );
    }
    if (!limiter) return next();
    try {
      const r = await limiter.consume(id);
      res.setHeader('RateLimit-Remaining', String(r.remainingPoints));
      next();
    } catch (err) {
      if (!(err instanceof RateLimiterRes)) return next(err); // Redis trouble: the error handler answers
      const seconds = Math.max(1, Math.ceil(err.msBeforeNext / 1000));
      res.setHeader('Retry-After', String(seconds));
      res.setHeader('RateLimit-Remaining', '0');
      sendProblem(
        res,
        req,
        new Problem(
          429,
          'Too Many Requests',
          `this key's limit of ${opts.ratePerMinute} requests per minute is used up; retry in ${seconds} s`,
        ),
      );
    }
  };
}

function presentedKey(req: Request): string | undefined {
  const auth = req.headers.authorization;
  const m = typeof auth === 'string' ? /^Bearer\s+(\S{1,512})\s*$/i.exec(auth) : null;
  if (m) return m[1];
  const header = req.headers['x-api-key'];
  return typeof header === 'string' && header.length > 0 && header.length <= 512 ? header : undefined;
}

/** The id (digest prefix) of the matching key, or undefined. Every digest is compared, whatever matches. */
function matchKey(digests: readonly Buffer[], key: string): string | undefined {
  const presented = createHash('sha256').update(key).digest();
  let found: Buffer | undefined;
  for (const d of digests) if (timingSafeEqual(d, presented)) found = d;
  return found?.toString('hex').slice(0, 16);
}
