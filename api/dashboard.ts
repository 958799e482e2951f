import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { Router, type RequestHandler } from 'express';
import helmet from 'helmet';
import { Problem } from './problem.ts';

/**
 * The dashboard (web/, built into web/dist): `/` and its assets, from the API process itself, under a CSP
 * that allows only this origin's scripts, styles and API. Nothing inline is allowed, so post text that somehow
 * reached the DOM as markup could still not run.
 */
export const DASHBOARD_CSP = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  fontSrc: ["'self'"],
  connectSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'none'"],
  formAction: ["'none'"],
  frameAncestors: ["'none'"],
};

const secure: RequestHandler = helmet({
  contentSecurityPolicy: { useDefaults: false, directives: DASHBOARD_CSP },
  referrerPolicy: { policy: 'no-referrer' },
});

/**
 * web/dist is found by walking up from this file, so the same code finds it when run from source
 * (api/ → ../web/dist) and when compiled into dist/api/ in the Docker image (→ ../../web/dist).
 */
export function findDashboardDir(start = dirname(fileURLToPath(import.meta.url))): string | undefined {
  for (let dir = start, i = 0; i < 4; i++, dir = resolve(dir, '..')) {
    const candidate = join(dir, 'web', 'dist');
    if (existsSync(join(candidate, 'index.html'))) return candidate;
  }
  return undefined;
}

export function dashboardRoutes(dir: string | undefined = findDashboardDir()): Router {
  const r = Router();
  r.get('/', secure, (req, res, next) => {
    if (!dir)
      return next(
        new Problem(
          503,
          'Dashboard not built',
          'the dashboard has not been built: run `npm run build:web` (npm start does it by itself)',
        ),
      );
    // The page itself is tiny and must pick up a rebuilt bundle at once; the hashed-by-build assets may be cached briefly.
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(join(dir, 'index.html'));
  });
  if (dir)
    r.use('/assets', secure, express.static(join(dir, 'assets'), { index: false, maxAge: '5m', redirect: false }));
  return r;
}
