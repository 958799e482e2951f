import type { NextFunction, Request, Response } from 'express';

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
    onUnexpected(err);
    sendProblem(
      res,
      req,
      new Problem(500, 'Internal Server Error', 'the server could not answer this request; it has been logged'),
    );
  };
}
