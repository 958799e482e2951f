import { createHash } from 'node:crypto';
import type { Request, Response } from 'express';

/**
 * An ETag from the data version (bumped by every aggregate write) and the resolved query, so a poller
 * whose data has not changed gets a 304 after one Redis GET, before any bucket is read.
 */
export function versionEtag(version: string | null, resolvedQuery: unknown): string {
  const h = createHash('sha1').update(`${version ?? '0'}|${JSON.stringify(resolvedQuery)}`).digest('base64url').slice(0, 20);
  return `W/"${h}"`;
}

/** Sets caching headers; true when the client's copy is current and a 304 has been sent. */
export function answeredNotModified(req: Request, res: Response, etag: string, maxAgeSeconds: number): boolean {
  res.setHeader('ETag', etag);
  res.setHeader('Cache-Control', `public, max-age=${maxAgeSeconds}`);
  if (req.fresh) {
    res.status(304).end();
    return true;
  }
  return false;
}
