import { STATUS_CODES } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import { isRedisUnavailable } from '../shared/redis.ts';

/** RFC 9457 problem details. `param` names the offending query parameter, so a client knows what to fix. */
export class Problem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
    readonly param?: string,
  ) {
    super(detail);
    this.name = 'Problem';
  }
}

export const badParam = (param: string, detail: string) => new Problem(400, 'Invalid query parameter', detail, param);

export function sendProblem(res: Response, req: Request, p: Problem): void {
  res
    .status(p.status)
    .type('application/problem+json')
    .send(
      JSON.stringify({
        type: p.status === 400 ? 'https://stancewatch.dev/problems/invalid-parameter' : 'about:blank',
        title: p.title,
        status: p.status,
        detail: p.detail,
        instance: req.path,
        ...(p.param ? { param: p.param, 'invalid-params': [{ name: p.param, reason: p.detail }] } : {}),
      }),
    );
}

export function notFound(req: Request, res: Response): void {
  sendProblem(res, req, new Problem(404, 'Not Found', `no route for ${req.method} ${req.path}`));
}

/** The last error handler: problems as they are, anything else as a 500 that leaks no internals. */
export function errorHandler(onUnexpected: (err: unknown) => void) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    if (err instanceof Problem) return sendProblem(res, req, err);
    if (isRedisUnavailable(err)) {
      // Redis is down or too slow: a retryable condition the operator sees in /readyz and stancewatch_redis_up.
      res.setHeader('Retry-After', '5');
      return sendProblem(
        res,
        req,
        new Problem(503, 'Service Unavailable', 'the data store does not answer right now; try again shortly'),
      );
    }
    // Express and its router raise their own client errors (e.g. a path with malformed percent-encoding
    // is a 400 from the router's decoder): they stay 4xx, as problem details, with a fixed text.
    const status = clientErrorStatus(err);
    if (status)
      return sendProblem(
        res,
        req,
        new Problem(
          status,
          STATUS_CODES[status] ?? 'Bad Request',
          'the request could not be read: check its path and query string for malformed percent-encoding',
        ),
      );
    onUnexpected(err);
    sendProblem(
      res,
      req,
      new Problem(500, 'Internal Server Error', 'the server could not answer this request; it has been logged'),
    );
  };
}

/** The 4xx status an error from Express or a library carries (http-errors' `status`/`statusCode`), if any. */
function clientErrorStatus(err: unknown): number | undefined {
  const e = err as { status?: unknown; statusCode?: unknown } | null;
  const status = Number(e?.status ?? e?.statusCode);
  return Number.isInteger(status) && status >= 400 && status < 500 ? status : undefined;
}

/** A problem+json answer written straight to a socket, for errors Node's HTTP parser raises before Express sees a request. */
export function rawProblem(status: number, detail: string, headOnly = false): string {
  const title = STATUS_CODES[status] ?? 'Bad Request';
  const body = JSON.stringify({ type: 'about:blank', title, status, detail });
  return `HTTP/1.1 ${status} ${title}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${headOnly ? '' : body}`;
}
