import type { HttpResponse } from '../../../../shared/http.ts';
import { fetchPage, jsonErrorText } from '../fetch-page.ts';
import { OVERSIZED_PREFIX_BYTES, PageSize, fetchShrinking, prefixField } from '../oversized.ts';
import { parseSearchPage, postViewToPost, sortAt, type SearchPage } from './parse.ts';
import { parsePage } from '../page-parsing.ts';
import {
  SourceError,
  type BackfillRange,
  type Feed,
  type FeedPage,
  type PollContext,
  type Source,
  type SourceFactory,
  feedIdPart,
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
  /** Split a time window before this many results have been paged through in it (the service fails near 10,000). */
  cursorLimit?: number;
  /**
   * Each poll starts this far before the cursor: search indexing lags, and `since` filters on sortAt (the
   * earlier of indexedAt and createdAt), so a late-indexed post appears inside a window already read.
   */
  overlapMs?: number;
}

interface BlueskyFeed extends Feed {
  query: string;
}

interface Session {
  accessJwt: string;
  refreshJwt: string;
}

/** Paging fails near 10,000 results in one query: a window that would reach this is split. */
const DEFAULT_CURSOR_LIMIT = 9_000;
export const DEFAULT_SEARCH_OVERLAP_MS = 10 * 60_000;
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
  private readonly oversized = new OversizedMillis();

  constructor(private readonly opts: BlueskyOptions) {
    this.feeds = opts.queries.map((query) => ({
      id: `bluesky-${feedIdPart(query)}`,
      source: 'bluesky' as const,
      pollEveryMs: opts.pollEveryMs,
      query,
    }));
  }

  async *poll(f: BlueskyFeed, cursor: string | null, ctx: PollContext): AsyncGenerator<FeedPage> {
    // Re-read an overlap below the cursor every poll (late-indexed posts); the seen markers drop the repeats.
    const lo = cursor
      ? Date.parse(cursor) - (this.opts.overlapMs ?? DEFAULT_SEARCH_OVERLAP_MS)
      : ctx.now() - this.opts.initialLookbackMs;
    yield* this.walk(f, lo, ctx.now() - INDEX_LAG_MS, ctx, this.opts.maxPagesPerPoll);
  }

  async *backfill(f: BlueskyFeed, range: BackfillRange, ctx: PollContext): AsyncGenerator<FeedPage> {
    yield* this.walk(f, range.sinceMs, range.untilMs, ctx, Number.MAX_SAFE_INTEGER);
  }

  /**
   * Reads [lo, end) forward in time windows (`since`/`until`), each completely (newest first, by cursor),
   * and yields the window's end as the cursor after its last page. Cursors are opaque (search v2 sends base64
   * JSON, v1 numbers), so the depth of a window is counted in posts paged through, never read from the cursor;
   * `hitsTotal` is used when present. A page may be empty and still carry a cursor: paging goes on. A window
   * whose results would run past the service's paging limit is shrunk and read again, so nothing in it is
   * skipped. A page over the byte limit is asked for again with fewer posts; a post too large on its own is
   * found by its time and the window is read on below it (see `locate`).
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
    const size = new PageSize(PAGE_SIZE);
    window: while (lo < end && budget > 0) {
      // A millisecond known to hold a post too large to read is stepped over, not asked for again.
      const known = this.oversized.firstIn(f.id, lo, Math.min(lo + windowMs, end));
      if (known === lo) {
        lo += 1;
        yield { posts: [], cursor: new Date(lo).toISOString() };
        continue;
      }
      const hi = known ?? Math.min(lo + windowMs, end);
      // [lo, top) is what is left of the window: a post stepped over lowers `top` to its time.
      let top = hi;
      let pageCursor: string | null = null;
      let depth = 0;
      let oldestRead = top;
      for (;;) {
        if (budget <= 0) return; // out of budget mid-window: the next poll reads this window again
        const res = await this.page(f, lo, top, pageCursor, size, ctx);
        budget -= size.cost(res.limit);
        if (res.kind === 'oversized') {
          const at = await this.stepOver(f, lo, oldestRead, res.uri, ctx);
          // Only a service answering the same question two ways could leave nothing to step over.
          if (at >= top) throw new SourceError('too_large', `bluesky "${f.query}": a post too large to read moved`);
          top = at;
          pageCursor = null;
          depth = 0;
          oldestRead = top;
          if (top > lo) continue;
          yield { posts: [], cursor: new Date(hi).toISOString() };
          break;
        }
        // An empty page with a cursor is not the end (v2's fillPage); a cursor that does not move is.
        const next: string | null = res.cursor && res.cursor !== pageCursor ? res.cursor : null;
        depth += res.limit;
        // A window must fit both the service's paging limit and what is left of this poll's budget,
        // or it would be read again and again without the cursor ever moving.
        const capacity = Math.min(limit, (budget + 1) * PAGE_SIZE);
        const tooMany =
          (pageCursor === null && top === hi && (res.hitsTotal ?? 0) > capacity) || (next !== null && depth >= limit);
        if (tooMany && hi - lo > 1_000) {
          // Shrink in proportion when the service says how many match (one step), else halve.
          const factor = res.hitsTotal ? (0.8 * capacity) / res.hitsTotal : 0.5;
          windowMs = Math.max(1_000, Math.floor((hi - lo) * Math.min(factor, 0.5)));
          continue window;
        }
        for (const p of res.posts) oldestRead = Math.min(oldestRead, sortAt(p));
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

  /**
   * A post too large on its own sits just after the posts read so far in [lo, top): it is the newest post
   * of [lo, below) unread, where `below` is the time of the oldest read (posts come newest first). Its
   * millisecond is found by halving: a one-post search of [t, below) answers with it exactly when t is at
   * or before its time. Each probe reads only the first bytes of its answer, which name the post (its `uri`
   * comes first); a post whose uri cannot be read is recognised by the probe's answer being too large,
   * which costs a full read each. It is then reported, remembered, and the window goes on below it: the
   * returned time is the new top. Other posts of that same millisecond that come after it are not read (a
   * cursor would be needed, and it comes after the posts in the answer). If no probe finds it, it shares
   * `below`'s millisecond with a post already read.
   */
  private async stepOver(
    f: BlueskyFeed,
    lo: number,
    below: number,
    uri: string | undefined,
    ctx: PollContext,
  ): Promise<number> {
    const holds = async (t: number) => {
      if (uri) return firstUri(await this.search(f, t, below, null, 1, ctx, OVERSIZED_PREFIX_BYTES)) === uri;
      const refused = (await this.search(f, t, below, null, 1, ctx)).truncated === true;
      // Every answer refused for its size is counted, these too: each cost a full limit's worth of bytes.
      if (refused) ctx.reportRefusal('too_large', `bluesky "${f.query}": looking for the post too large to read`);
      return refused;
    };
    let at = below;
    if (below > lo && (await holds(lo))) {
      let [yes, no] = [lo, below];
      while (no - yes > 1) {
        const mid = Math.floor((yes + no) / 2);
        if (await holds(mid)) yes = mid;
        else no = mid;
      }
      at = yes;
    }
    ctx.reportItemError(
      'too_large',
      `bluesky "${f.query}" post ${uri ?? '(uri unreadable)'} at ${new Date(at).toISOString()} is over ${this.opts.http.maxBytes} bytes on its own`,
    );
    this.oversized.add(f.id, at);
    return at;
  }

  /** One page at the walk's size, asked again smaller while over the byte limit; `oversized` when one post is. */
  private async page(
    f: BlueskyFeed,
    since: number,
    until: number,
    cursor: string | null,
    size: PageSize,
    ctx: PollContext,
  ): Promise<
    | ({ kind: 'page'; limit: number; pause: { pauseUntilMs?: number } } & SearchPage)
    | { kind: 'oversized'; limit: 1; uri: string | undefined }
  > {
    const what = `bluesky "${f.query}"`;
    const answer = await fetchShrinking(size, ctx, what, async (limit) => ({
      res: await this.search(f, since, until, cursor, limit, ctx),
      limit,
    }));
    if ('oversized' in answer) return { kind: 'oversized', limit: 1, uri: firstUri(answer.oversized) };
    const { res } = answer;
    const page = parsePage(what, () => parseSearchPage(res.body));
    for (const uri of page.malformed) ctx.reportItemError('malformed_item', `bluesky ${uri}`);
    const remaining = Number(res.headers.get('ratelimit-remaining') ?? NaN);
    const wait = resetWait(res, ctx.now());
    const pause = remaining < 2 && wait !== undefined ? { pauseUntilMs: ctx.now() + wait } : {};
    return { kind: 'page', ...page, limit: answer.limit, pause };
  }

  private async search(
    f: BlueskyFeed,
    since: number,
    until: number,
    cursor: string | null,
    limit: number,
    ctx: PollContext,
    maxBytes = this.opts.http.maxBytes,
  ): Promise<HttpResponse> {
    const u = this.xrpc('app.bsky.feed.searchPosts');
    u.searchParams.set('q', f.query);
    u.searchParams.set('sort', 'latest');
    u.searchParams.set('since', new Date(since).toISOString());
    u.searchParams.set('until', new Date(until).toISOString());
    u.searchParams.set('limit', String(limit));
    if (cursor) u.searchParams.set('cursor', cursor);
    const get = async () =>
      fetchPage(
        u.toString(),
        {
          ...this.opts.http,
          maxBytes,
          keepPrefixBytes: OVERSIZED_PREFIX_BYTES,
          headers: { authorization: `Bearer ${(await this.signIn(ctx)).accessJwt}` },
        },
        ctx.now(),
        {
          resetWaitMs: (r) => resetWait(r, ctx.now()),
          describe4xx: (r) => `${expiredToken(r) ? 'ExpiredToken: ' : ''}${jsonErrorText(r.body)}`,
        },
      );
    try {
      return await get();
    } catch (err) {
      if (!(err instanceof SourceError && err.message.includes('ExpiredToken'))) throw err;
      await this.refresh(ctx);
      return await get();
    }
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

/** How many skipped milliseconds a feed remembers: more than an overlap window can hold. */
const REMEMBERED_PER_FEED = 1_000;

/**
 * Milliseconds (of sortAt) that hold a post too large to read, by feed, in this process: later windows (the
 * overlap, the next polls) step over them instead of finding the post again by halving. Forgotten on restart.
 */
export class OversizedMillis {
  private readonly byFeed = new Map<string, number[]>();

  add(feed: string, at: number): void {
    const list = this.byFeed.get(feed) ?? [];
    if (list.includes(at)) return;
    list.push(at);
    list.sort((a, b) => a - b);
    if (list.length > REMEMBERED_PER_FEED) list.shift();
    this.byFeed.set(feed, list);
  }

  /** The earliest remembered millisecond in [lo, hi). */
  firstIn(feed: string, lo: number, hi: number): number | undefined {
    return this.byFeed.get(feed)?.find((t) => t >= lo && t < hi);
  }
}

/** The uri of the first post of a search answer, from its first bytes (`{"posts":[{"uri":…`). */
function firstUri(res: HttpResponse): string | undefined {
  const at = res.body.indexOf('"posts"');
  const uri = at < 0 ? undefined : prefixField(res.body.slice(at), 'uri');
  return uri?.startsWith('at://') ? uri : undefined;
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
