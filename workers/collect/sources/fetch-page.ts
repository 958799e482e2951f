import { parseRetryAfter } from '../../../shared/backoff.ts';
import { HttpFailure, hostOf, httpGet, type GetOptions, type HttpResponse } from '../../../shared/http.ts';
import { SourceError } from './source.ts';

/** With no Retry-After and no reset header, a 429 pauses the feed this long. */
const DEFAULT_429_PAUSE_MS = 60_000;

/**
 * One GET for a collector, with the failures every source shares turned into SourceErrors: timeouts,
 * oversized bodies, network errors, 429 (pausing until Retry-After or the given reset), 5xx and 4xx.
 */
export async function fetchPage(
  url: string,
  http: GetOptions,
  now: number,
  opts: { resetWaitMs?: (res: HttpResponse) => number | undefined; describe4xx?: (res: HttpResponse) => string } = {},
): Promise<HttpResponse> {
  let res: HttpResponse;
  try {
    res = await httpGet(url, http);
  } catch (err) {
    if (err instanceof HttpFailure) throw new SourceError(err.reason, err.message);
    throw err;
  }
  const host = hostOf(url);
  if (res.status === 429) {
    const wait =
      parseRetryAfter(res.headers.get('retry-after'), now) ?? opts.resetWaitMs?.(res) ?? DEFAULT_429_PAUSE_MS;
    throw new SourceError('rate_limited', `${host} answered 429`, now + wait);
  }
  if (res.status >= 500) throw new SourceError('http_5xx', `${host} answered ${res.status}`);
  if (res.status >= 400)
    throw new SourceError(
      'http_4xx',
      `${host} answered ${res.status}${opts.describe4xx ? `: ${opts.describe4xx(res)}` : ''}`,
    );
  return res;
}

/** `{"error": "..."}`-style bodies, shortened; never the whole body. */
export function jsonErrorText(body: string): string {
  try {
    const json = JSON.parse(body) as { error?: unknown; message?: unknown };
    const e = json.error ?? json.message;
    return typeof e === 'string' ? e.slice(0, 200) : 'no error message';
  } catch {
    return 'no error message';
  }
}
