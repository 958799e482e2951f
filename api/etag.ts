import { createHash } from 'node:crypto';
import type { Request, Response } from 'express';

/**
 * An ETag from the data version (bumped by every aggregate write) and the resolved query, so a poller
 * whose data has not changed gets a 304 after one Redis GET, before any bucket is read.
 */
export function versionEtag(version: string | null, resolvedQuery: unknown): string {
  const h = createHash('sha1')
    .update(`${version ?? '0'}|${JSON.stringify(resolvedQuery)}`)
    .digest('base64url')
    .slice(0, 20);
  return `W/"${h}"`;
}

/** Sets caching headers; true when the client's copy is current and a 304 has been sent. */
export function answeredNotModified(req: Request, res: Response, etag: string, maxAgeSeconds: number): boolean {
  res.setHeader('ETag', etag);
  res.setHeader('Cache-Control', `public, max-age=${maxAgeSeconds}`);
  if (matchesIfNoneMatch(req.headers['if-none-match'], etag)) {
    res.status(304).end();
    return true;
  }
  return false;
}

/**
 * Weak comparison of If-None-Match against our ETag (RFC 9110 §13.1.2). Done here rather than with
 * `req.fresh`, which answers "stale" whenever the request says `Cache-Control: no-cache`, and fetch()
 * adds exactly that to every conditional request: the origin may (and should) still answer 304.
 */
export function matchesIfNoneMatch(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  const opaque = (tag: string) => tag.trim().replace(/^W\//, '');
  return header.split(',').some((t) => opaque(t) === opaque(etag));
}
