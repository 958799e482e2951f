/**
 * A GET against the public API that remembers each URL's ETag and last body, so a poll whose data has
 * not changed costs the server one Redis read (304) and the page no re-render.
 */
interface Cached {
  etag: string;
  body: unknown;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
  ) {
    super(detail);
  }
}

export class ConditionalClient {
  private readonly cache = new Map<string, Cached>();
  /** Requests answered 304 since the page loaded: shown in the footer and read by the browser test. */
  notModified = 0;

  /** The body for `path`, and whether it differs from the last one seen for that path. */
  async get<T>(path: string): Promise<{ body: T; changed: boolean }> {
    const cached = this.cache.get(path);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (cached) headers['if-none-match'] = cached.etag;
    // no-store: the browser's own cache would answer from memory for max-age and hide 304s from us.
    const res = await fetch(path, { headers, cache: 'no-store', credentials: 'same-origin' });
    if (res.status === 304 && cached) {
      this.notModified++;
      return { body: cached.body as T, changed: false };
    }
    if (!res.ok) {
      let detail = `${res.status} ${res.statusText}`;
      try {
        detail = ((await res.json()) as { detail?: string }).detail ?? detail;
      } catch {
        // not a problem+json body; the status line is all there is to say
      }
      throw new ApiError(res.status, detail);
    }
    const body = (await res.json()) as T;
    const etag = res.headers.get('etag');
    if (etag) this.cache.set(path, { etag, body });
    return { body, changed: true };
  }
}

export function query(path: string, params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}
