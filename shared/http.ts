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
}

export interface GetOptions {
  timeoutMs: number;
  maxBytes: number;
  userAgent: string;
  headers?: Record<string, string>;
  /** Accept header; JSON unless said otherwise. */
  accept?: string;
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
  if (declared > opts.maxBytes) {
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
      size += chunk.byteLength;
      if (size > opts.maxBytes) {
        await res.body?.cancel().catch(() => {});
        throw new HttpFailure('too_large', `response from ${hostOf(url)} exceeds the ${opts.maxBytes}-byte limit`);
      }
      chunks.push(chunk);
    }
  } catch (err) {
    throw err instanceof HttpFailure ? err : toFailure(err, url);
  }
  return {
    url: res.url || url,
    status: res.status,
    headers: res.headers,
    body: Buffer.concat(chunks).toString('utf8'),
  };
}

function toFailure(err: unknown, url: string): HttpFailure {
  const name = (err as { name?: string }).name;
  if (name === 'TimeoutError' || name === 'AbortError')
    return new HttpFailure('timeout', `request to ${hostOf(url)} timed out`);
  return new HttpFailure('network', `request to ${hostOf(url)} failed: ${(err as Error).message}`);
}

/** Only the host goes into messages: query strings may carry keys. */
export function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '(bad url)';
  }
}
