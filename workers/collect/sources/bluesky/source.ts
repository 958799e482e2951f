import type { HttpResponse } from '../../../../shared/http.ts';
import { fetchPage, jsonErrorText } from '../fetch-page.ts';
import { parseSearchPage, postViewToPost } from './parse.ts';
import { parsePage } from '../page-parsing.ts';
import {
  SourceError,
  type BackfillRange,
  type Feed,
  type FeedPage,
  type PollContext,
  type Source,
  type SourceFactory,
} from '../source.ts';

export interface BlueskyOptions {
  /** The PDS that signs in the account and serves search (https://bsky.social). */
  serviceUrl: string;
  handle: string;
  appPassword: string;
  queries: string[];
  pollEveryMs: number;
  maxPagesPerPoll: number;
  /** How far back the first poll looks. */
  initialLookbackMs: number;
  http: { timeoutMs: number; maxBytes: number; userAgent: string };
  /** Split a time window before its cursor offset reaches this (the service fails near 10,000). */
  cursorLimit?: number;
}

interface BlueskyFeed extends Feed {
  query: string;
}

interface Session {
  accessJwt: string;
  refreshJwt: string;
}

/** searchPosts cursors are offsets and fail near 10,000 results: a window that would reach this is split. */
const DEFAULT_CURSOR_LIMIT = 9_000;
const PAGE_SIZE = 100;
const FIRST_WINDOW_MS = 6 * 3_600_000;
/** Posts appear in search a little after they are indexed: the live edge stays this far behind now. */
const INDEX_LAG_MS = 60_000;

/**
 * Bluesky post search (`app.bsky.feed.searchPosts`, `sort=latest`, `since`). Public search is usually
 * refused without login, so the source signs in with a handle and an app password once
 * (`createSession`, limited to 30 per 5 minutes) and keeps the session, refreshing it with
 * `refreshSession` when the access token expires. A poll reads forward from the cursor in time windows.
 */
export class BlueskySource implements Source<BlueskyFeed> {
  readonly name = 'bluesky' as const;
  readonly feeds: BlueskyFeed[];
  private session?: Session;
  sessionsCreated = 0;

  constructor(private readonly opts: BlueskyOptions) {
    this.feeds = opts.queries.map((query) => ({
      id: `bluesky-${query.replace(/[^\p{L}\p{N}]+/gu, '_')}`,
      source: 'bluesky' as const,
      pollEveryMs: opts.pollEveryMs,
      query,
    }));
  }

  async *poll(f: BlueskyFeed, cursor: string | null, ctx: PollContext): AsyncGenerator<FeedPage> {
    const lo = cursor ? Date.parse(cursor) : ctx.now() - this.opts.initialLookbackMs;
    yield* this.walk(f, lo, ctx.now() - INDEX_LAG_MS, ctx, this.opts.maxPagesPerPoll);
  }

  async *backfill(f: BlueskyFeed, range: BackfillRange, ctx: PollContext): AsyncGenerator<FeedPage> {
    yield* this.walk(f, range.sinceMs, range.untilMs, ctx, Number.MAX_SAFE_INTEGER);
  }

  /**
   * Reads [lo, end) forward in time windows (`since`/`until`), each completely (newest first, by cursor),
   * and yields the window's end as the cursor after its last page. A window whose results would run past
   * the service's cursor limit is halved and read again, so nothing in it is skipped.
   */
  private async *walk(
    f: BlueskyFeed,
    lo: number,
    end: number,
    ctx: PollContext,
    budget: number,
  ): AsyncGenerator<FeedPage> {
    let windowMs = FIRST_WINDOW_MS;
    const limit = this.opts.cursorLimit ?? DEFAULT_CURSOR_LIMIT;
    window: while (lo < end && budget > 0) {
      const hi = Math.min(lo + windowMs, end);
      let pageCursor: string | null = null;
      for (;;) {
        if (budget-- <= 0) return; // out of budget mid-window: the next poll reads this window again
        const res = await this.search(f, new Date(lo).toISOString(), new Date(hi).toISOString(), pageCursor, ctx);
        const next = res.cursor && res.posts.length > 0 ? res.cursor : null;
        // A window must fit both the service's cursor limit and what is left of this poll's budget,
        // or it would be read again and again without the cursor ever moving.
        const capacity = Math.min(limit, (budget + 1) * PAGE_SIZE);
        const tooMany =
          (pageCursor === null && (res.hitsTotal ?? 0) > capacity) || (next !== null && Number(next) >= limit);
        if (tooMany && hi - lo > 1_000) {
          // Shrink in proportion when the service says how many match (one step), else halve.
          const factor = res.hitsTotal ? (0.8 * capacity) / res.hitsTotal : 0.5;
          windowMs = Math.max(1_000, Math.floor((hi - lo) * Math.min(factor, 0.5)));
          continue window;
        }
        yield {
          posts: res.posts.map((p) => postViewToPost(p, ctx.authorKey)),
          ...(next === null ? { cursor: new Date(hi).toISOString() } : {}),
          ...res.pause,
        };
        if (res.pause.pauseUntilMs) return;
        if (next === null) break;
        pageCursor = next;
      }
      lo = hi;
      // Grow back gradually: the busy stretch that made the window small is probably not over.
      windowMs = Math.min(FIRST_WINDOW_MS, windowMs * 2);
    }
  }

  private async search(
    f: BlueskyFeed,
    since: string,
    until: string | undefined,
    cursor: string | null,
    ctx: PollContext,
  ) {
    const u = this.xrpc('app.bsky.feed.searchPosts');
    u.searchParams.set('q', f.query);
    u.searchParams.set('sort', 'latest');
    u.searchParams.set('since', since);
    if (until) u.searchParams.set('until', until);
    u.searchParams.set('limit', String(PAGE_SIZE));
    if (cursor) u.searchParams.set('cursor', cursor);
    const get = async () =>
      fetchPage(
        u.toString(),
        { ...this.opts.http, headers: { authorization: `Bearer ${(await this.signIn(ctx)).accessJwt}` } },
        ctx.now(),
        {
          resetWaitMs: (r) => resetWait(r, ctx.now()),
          describe4xx: (r) => `${expiredToken(r) ? 'ExpiredToken: ' : ''}${jsonErrorText(r.body)}`,
        },
      );
    let res: HttpResponse;
    try {
      res = await get();
    } catch (err) {
      if (!(err instanceof SourceError && err.message.includes('ExpiredToken'))) throw err;
      await this.refresh(ctx);
      res = await get();
    }
    const page = parsePage(`bluesky "${f.query}"`, () => parseSearchPage(res.body));
    for (const uri of page.malformed) ctx.reportItemError('malformed_item', `bluesky ${uri}`);
    const remaining = Number(res.headers.get('ratelimit-remaining') ?? NaN);
    const wait = resetWait(res, ctx.now());
    return { ...page, pause: remaining < 2 && wait !== undefined ? { pauseUntilMs: ctx.now() + wait } : {} };
  }

  private async signIn(ctx: PollContext): Promise<Session> {
    if (this.session) return this.session;
    const res = await this.post(
      'com.atproto.server.createSession',
      { identifier: this.opts.handle, password: this.opts.appPassword },
      undefined,
      ctx,
    );
    this.sessionsCreated++;
    this.session = res;
    return res;
  }

  private async refresh(ctx: PollContext): Promise<void> {
    const old = this.session;
    this.session = undefined;
    if (!old) return;
    try {
      this.session = await this.post('com.atproto.server.refreshSession', undefined, old.refreshJwt, ctx);
    } catch {
      // The refresh token expired too: signIn() creates a new session on the next request.
    }
  }

  private async post(method: string, body: unknown, bearer: string | undefined, ctx: PollContext): Promise<Session> {
    let res: Response;
    try {
      res = await fetch(this.xrpc(method), {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': this.opts.http.userAgent,
          ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
        },
        ...(body ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(this.opts.http.timeoutMs),
      });
    } catch {
      throw new SourceError('network', `bluesky ${method} unreachable`);
    }
    const json = (await res.json().catch(() => ({}))) as { accessJwt?: string; refreshJwt?: string; error?: string };
    if (res.status === 429)
      throw new SourceError(
        'rate_limited',
        `bluesky ${method} answered 429`,
        ctx.now() + (resetWait(toHttp(res), ctx.now()) ?? 300_000),
      );
    if (!res.ok || !json.accessJwt || !json.refreshJwt) {
      // Never the password or a token: only the status and the XRPC error name.
      throw new SourceError(
        res.status >= 500 ? 'http_5xx' : 'http_4xx',
        `bluesky ${method} failed (${res.status}${json.error ? ` ${json.error}` : ''})`,
      );
    }
    return { accessJwt: json.accessJwt, refreshJwt: json.refreshJwt };
  }

  private xrpc(method: string): URL {
    return new URL(
      `xrpc/${method}`,
      this.opts.serviceUrl.endsWith('/') ? this.opts.serviceUrl : `${this.opts.serviceUrl}/`,
    );
  }
}

function expiredToken(res: HttpResponse): boolean {
  return (res.status === 400 || res.status === 401) && /ExpiredToken|InvalidToken/.test(res.body);
}

/** Bluesky's ratelimit-reset is a Unix time in seconds. */
function resetWait(res: Pick<HttpResponse, 'headers'>, now: number): number | undefined {
  const reset = Number(res.headers.get('ratelimit-reset') ?? NaN);
  return Number.isFinite(reset) ? Math.max(0, reset * 1000 - now) : undefined;
}

const toHttp = (res: Response): Pick<HttpResponse, 'headers'> => ({ headers: res.headers });

/** Bluesky refuses anonymous search: without credentials the source says so once and stays off. */
export const bluesky: SourceFactory = ({ bluesky: cfg }, { log }) => {
  if (cfg.handle && cfg.appPassword)
    return new BlueskySource({ ...cfg, handle: cfg.handle, appPassword: cfg.appPassword });
  log.info(
    { source: 'bluesky' },
    'bluesky not configured: set BLUESKY_HANDLE and BLUESKY_APP_PASSWORD (an app password) to collect from it',
  );
  return undefined;
};
