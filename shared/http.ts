import { redactUrlCredentials } from './text/safe-url.ts';
import type { CollectErrorReason } from './lists.ts';

/**
 * Polite, bounded HTTP GET for collectors: a timeout, a cap on the body size (a hostile or broken server
 * cannot make us buffer gigabytes), a User-Agent that names us, and errors that say what went wrong.
 */
export type HttpFailureReason = Extract<CollectErrorReason, 'timeout' | 'too_large' | 'network'>;

export class HttpFailure extends Error {
  constructor(
    readonly reason: HttpFailureReason,
    message: string,
  ) {
    super(message);
    this.name = 'HttpFailure';
  }
}

export interface HttpResponse {
  /** The URL finally answered, after redirects. */
  url: string;
  status: number;
  headers: Headers;
  body: string;
  /**
   * The body was over `maxBytes`: `body` holds only its first `keepPrefixBytes` (only when they were asked
   * for; otherwise such a body is refused with HttpFailure `too_large`).
   */
  truncated?: true;
}

export interface GetOptions {
  timeoutMs: number;
  maxBytes: number;
  userAgent: string;
  headers?: Record<string, string>;
  /** Accept header; JSON unless said otherwise. */
  accept?: string;
  /**
   * When the body is over `maxBytes`, stop reading and hand back its first this-many bytes (at most
   * `maxBytes`) flagged `truncated`, instead of throwing: a collector can still learn from the start of an
   * oversized page which item made it too large, and step past it.
   */
  keepPrefixBytes?: number;
}

export async function httpGet(url: string, opts: GetOptions): Promise<HttpResponse> {
  const signal = AbortSignal.timeout(opts.timeoutMs);
  let res: Response;
  try {
    res = await fetch(url, {
      headers: { 'user-agent': opts.userAgent, accept: opts.accept ?? 'application/json', ...opts.headers },
      signal,
      redirect: 'follow',
    });
  } catch (err) {
    throw toFailure(err, url);
  }
  const declared = Number(res.headers.get('content-length') ?? NaN);
  const keep = opts.keepPrefixBytes === undefined ? undefined : Math.min(opts.keepPrefixBytes, opts.maxBytes);
  let truncated = declared > opts.maxBytes;
  if (truncated && keep === undefined) {
    await res.body?.cancel();
    throw new HttpFailure(
      'too_large',
      `response from ${hostOf(url)} declares ${declared} bytes, over the ${opts.maxBytes}-byte limit`,
    );
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for await (const chunk of res.body ?? []) {
      // Never more than maxBytes and one chunk in memory, whether the body is refused or its start kept.
      chunks.push(chunk);
      size += chunk.byteLength;
      if (size > opts.maxBytes) truncated = true;
      if (truncated && keep === undefined) {
        await res.body?.cancel().catch(() => {});
        throw new HttpFailure('too_large', `response from ${hostOf(url)} exceeds the ${opts.maxBytes}-byte limit`);
      }
      if (truncated && size >= keep!) break;
    }
    if (truncated) await res.body?.cancel().catch(() => {});
  } catch (err) {
    throw err instanceof HttpFailure ? err : toFailure(err, url);
  }
  const body = Buffer.concat(chunks);
  return {
    url: res.url || url,
    status: res.status,
    headers: res.headers,
    body: (truncated ? body.subarray(0, keep) : body).toString('utf8'),
    ...(truncated ? { truncated: true as const } : {}),
  };
}

function toFailure(err: unknown, url: string): HttpFailure {
  const name = (err as { name?: string }).name;
  if (name === 'TimeoutError' || name === 'AbortError')
    return new HttpFailure('timeout', `request to ${hostOf(url)} timed out`);
  return new HttpFailure(
    'network',
    `request to ${hostOf(url)} failed: ${redactUrlCredentials(String((err as Error).message).slice(0, 300))}`,
  );
}

/** Only the host goes into messages: query strings may carry keys. */
export function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '(bad url)';
  }
}
