import { setTimeout as sleep } from 'node:timers/promises';
import type { HttpResponse } from '../../../../shared/http.ts';
import { RedisRequestBudget, type RequestBudget } from '../../../../shared/request-budget.ts';
import { fetchPage, jsonErrorText } from '../fetch-page.ts';
import { OVERSIZED_PREFIX_BYTES, PageSize, fetchShrinking, prefixField } from '../oversized.ts';
import { parsePage } from '../page-parsing.ts';
import { parseListing, thingToPost, type Listing } from './parse.ts';
import {
  SourceError,
  inRange,
  type BackfillRange,
  type Feed,
  type FeedPage,
  type PollContext,
  type Source,
  type SourceFactory,
  feedIdPart,
} from '../source.ts';

export interface RedditOptions {
  /** Unauthenticated `.json` endpoints (www.reddit.com). */
  publicUrl: string;
  /** OAuth API host (oauth.reddit.com) and token endpoint host (www.reddit.com). */
  oauthUrl: string;
  authUrl: string;
  clientId?: string;
  clientSecret?: string;
  userAgent: string;
  queries: string[];
  subreddits: string[];
  pollEveryMs: number;
  maxPagesPerPoll: number;
  http: { timeoutMs: number; maxBytes: number };
  /** Gap between requests; defaults to Reddit's limits (6 s without OAuth, 0.6 s with). */
  spacingMs?: number;
  /** A request budget shared by every workers process (Reddit's limit is per client and per IP, not per process). */
  budget?: RequestBudget;
}

interface RedditFeed extends Feed {
  path: string;
  params: Record<string, string>;
}

/** After a block page, do not ask again for this long: the block is by address and does not lift in minutes. */
export const REDDIT_BLOCKED_PAUSE_MS = 60 * 60_000;

/**
 * Reddit's answer to anonymous (and some unapproved) requests from server/datacenter addresses: 403 with an
 * HTML page ("whoa there, pardner!" / "You've been blocked by network security"), not the JSON error.
 */
export function isRedditBlockPage(res: { status: number; headers: Headers; body: string }): boolean {
  if (res.status !== 403) return false;
  const html = /text\/html/i.test(res.headers.get('content-type') ?? '') || /^\s*</.test(res.body);
  return html && /blocked|whoa there/i.test(res.body);
}

function blockedError(now: number, what: string): SourceError {
  return new SourceError(
    'blocked',
    `reddit blocked ${what} from this address (403 block page); anonymous access from servers is refused, use OAuth credentials (REDDIT_CLIENT_ID, REDDIT_CLIENT_SECRET)`,
    now + REDDIT_BLOCKED_PAUSE_MS,
  );
}

/** Reddit's limits: about 10 requests a minute without OAuth, 100 with application-only OAuth. */
export const REDDIT_REQUESTS_PER_MINUTE = { public: 10, oauth: 100 } as const;
const SPACING_PUBLIC_MS = 6_000;
const SPACING_OAUTH_MS = 600;
/** Items a listing page asks for: Reddit's maximum (`limit`, default 25, at most 100). */
const LISTING_LIMIT = 100;
/** Listings end near 1,000 items: 10 pages of 100. */
const LISTING_PAGES = 10;
/** Each poll re-reads this far below the cursor: search results appear with a lag; the seen markers drop repeats. */
const OVERLAP_S = 10 * 60;

/**
 * Reddit search (`sort=new`) and subreddit comment streams. With a client id and secret it uses
 * application-only OAuth (client credentials; the token is cached until it expires); without, the public
 * `.json` endpoints at no more than 10 requests a minute. Requests are spaced to the limit and the
 * X-Ratelimit-* headers are obeyed. Listings come newest first, so a poll pages back with `after` until it
 * reaches what it read last time, and the cursor (newest `created_utc`) moves at the end. A page over the byte
 * limit is asked for again with a smaller `limit`; an item too large on its own is skipped by fullname.
 */
export class RedditSource implements Source<RedditFeed> {
  readonly name = 'reddit' as const;
  readonly feeds: RedditFeed[];
  private token?: { value: string; expiresAt: number };
  private nextRequestAt = 0;

  constructor(private readonly opts: RedditOptions) {
    this.feeds = [
      ...opts.queries.map((q) => ({
        id: `reddit-search-${feedIdPart(q)}`,
        source: 'reddit' as const,
        pollEveryMs: opts.pollEveryMs,
        path: '/search',
        params: { q, sort: 'new', type: 'link', t: 'week' },
      })),
      ...opts.subreddits.map((sub) => ({
        id: `reddit-comments-${sub}`,
        source: 'reddit' as const,
        pollEveryMs: opts.pollEveryMs,
        path: `/r/${encodeURIComponent(sub)}/comments`,
        params: {},
      })),
    ];
  }

  get usesOAuth(): boolean {
    return Boolean(this.opts.clientId && this.opts.clientSecret);
  }

  async *poll(f: RedditFeed, cursor: string | null, ctx: PollContext): AsyncGenerator<FeedPage> {
    const cursorAt = cursor ? Number(cursor) : 0;
    const since = cursor ? cursorAt - OVERLAP_S : 0;
    let newest = cursorAt;
    let after: string | null = null;
    const size = new PageSize(LISTING_LIMIT);
    for (let spent = 0; spent < this.opts.maxPagesPerPoll;) {
      const read = await this.fetchListing(f, after, size, ctx);
      spent += size.cost(read.limit);
      const outOfBudget = spent >= this.opts.maxPagesPerPoll || read.pause !== undefined;
      if (read.kind === 'skipped') {
        // Its time is unknown, so even a first poll reads on until a page tells where the listing stands.
        const last = read.after === null || outOfBudget;
        yield {
          posts: [],
          ...(last && newest > 0 ? { cursor: String(newest) } : {}),
          ...(read.pause ? { pauseUntilMs: read.pause } : {}),
        };
        if (last) return;
        after = read.after;
        continue;
      }
      const { listing, pause } = read;
      const fresh = listing.things.filter((t) => t.data.created_utc > since);
      for (const t of fresh) newest = Math.max(newest, t.data.created_utc);
      // A first poll reads one page; later polls go back until they meet what they read before.
      const reachedOld = fresh.length < listing.things.length || since === 0;
      const last = reachedOld || !listing.after || outOfBudget;
      yield {
        posts: fresh.map((t) => thingToPost(t, ctx.authorKey)),
        ...(last && newest > 0 ? { cursor: String(newest) } : {}),
        ...(pause ? { pauseUntilMs: pause } : {}),
      };
      if (last) return;
      after = listing.after;
    }
  }

  /** Listings go back about 1,000 items, newest first: the part of the range they still reach. */
  async *backfill(f: RedditFeed, range: BackfillRange, ctx: PollContext): AsyncGenerator<FeedPage> {
    const keep = inRange(range);
    let after: string | null = null;
    const size = new PageSize(LISTING_LIMIT);
    for (let spent = 0; spent < LISTING_PAGES;) {
      const read = await this.fetchListing(f, after, size, ctx);
      spent += size.cost(read.limit);
      if (read.kind === 'skipped') {
        if (read.after === null) return;
        after = read.after;
        continue;
      }
      const { listing } = read;
      yield { posts: listing.things.map((t) => thingToPost(t, ctx.authorKey)).filter(keep) };
      const oldest = Math.min(...listing.things.map((t) => t.data.created_utc * 1000));
      if (!listing.after || oldest < range.sinceMs) return;
      after = listing.after;
    }
  }

  /**
   * One listing page at the walk's size, asked again smaller while it is over the byte limit. A single item
   * still too large is stepped over: with one item on the page, `after` (which Reddit sends before `children`)
   * is that item's fullname, and where the next page starts; `null` when it was the listing's last.
   */
  private async fetchListing(
    f: RedditFeed,
    after: string | null,
    size: PageSize,
    ctx: PollContext,
  ): Promise<
    | { kind: 'page'; listing: Listing; limit: number; pause: number | undefined }
    | { kind: 'skipped'; after: string | null; limit: 1; pause: number | undefined }
  > {
    const what = `reddit ${f.path}`;
    const answer = await fetchShrinking(size, ctx, what, async (limit) => ({
      res: await this.get(f, after, limit, ctx),
      limit,
    }));
    const res = 'oversized' in answer ? answer.oversized : answer.res;
    const remaining = Number(res.headers.get('x-ratelimit-remaining') ?? NaN);
    const wait = resetWait(res);
    const pause = remaining < 2 && wait !== undefined ? ctx.now() + wait : undefined;
    if ('oversized' in answer) {
      const name = prefixField(res.body, 'after');
      if (name === undefined || (name !== null && !/^t\d_[a-z0-9]+$/i.test(name)))
        throw new SourceError('too_large', `${what}: one item is over the byte limit and its name cannot be read`);
      ctx.reportItemError(
        'too_large',
        `${what} ${name ?? `item after ${after ?? 'the newest'}`} is over ${this.opts.http.maxBytes} bytes on its own`,
      );
      return { kind: 'skipped', after: name, limit: 1, pause };
    }
    const listing = parsePage(what, () => parseListing(res.body));
    for (const name of listing.malformed) ctx.reportItemError('malformed_item', `${what} ${name}`);
    return { kind: 'page', listing, limit: answer.limit, pause };
  }

  private async get(f: RedditFeed, after: string | null, limit: number, ctx: PollContext): Promise<HttpResponse> {
    const oauth = this.usesOAuth;
    const base = oauth ? this.opts.oauthUrl : this.opts.publicUrl;
    const u = new URL(`${f.path.replace(/^\//, '')}${oauth ? '' : '.json'}`, base.endsWith('/') ? base : `${base}/`);
    const params = { ...f.params, limit: String(limit), raw_json: '1', ...(after ? { after } : {}) };
    for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
    const get = async () => {
      await this.space(oauth);
      const headers = oauth ? { authorization: `Bearer ${await this.accessToken(ctx)}` } : undefined;
      return fetchPage(
        u.toString(),
        {
          ...this.opts.http,
          userAgent: this.opts.userAgent,
          keepPrefixBytes: OVERSIZED_PREFIX_BYTES,
          ...(headers ? { headers } : {}),
        },
        ctx.now(),
        {
          resetWaitMs: (r) => resetWait(r),
          describe4xx: (r) => `${r.status === 401 ? 'token rejected; ' : ''}${jsonErrorText(r.body)}`,
          classify4xx: (r, now) =>
            isRedditBlockPage(r)
              ? blockedError(now, oauth ? 'the API request' : 'the anonymous .json request')
              : undefined,
        },
      );
    };
    try {
      return await get();
    } catch (err) {
      // An expired or revoked token: fetch a new one once, then give up for this poll.
      if (!(oauth && err instanceof SourceError && err.message.includes('token rejected'))) throw err;
      this.token = undefined;
      return await get();
    }
  }

  /** Application-only OAuth: one token per process, reused until a minute before it expires. */
  private async accessToken(ctx: PollContext): Promise<string> {
    if (this.token && this.token.expiresAt > ctx.now() + 60_000) return this.token.value;
    const url = new URL(
      'api/v1/access_token',
      this.opts.authUrl.endsWith('/') ? this.opts.authUrl : `${this.opts.authUrl}/`,
    );
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${this.opts.clientId}:${this.opts.clientSecret}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
          'user-agent': this.opts.userAgent,
        },
        body: 'grant_type=client_credentials',
        signal: AbortSignal.timeout(this.opts.http.timeoutMs),
      });
    } catch {
      throw new SourceError('network', 'reddit token endpoint unreachable');
    }
    const text = await res.text().catch(() => '');
    if (isRedditBlockPage({ status: res.status, headers: res.headers, body: text }))
      throw blockedError(ctx.now(), 'the token request');
    let body: { access_token?: string; expires_in?: number; error?: string } = {};
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON: the status says enough
    }
    if (!res.ok || !body.access_token) {
      // The client secret must never reach a log: only the status and Reddit's error word.
      throw new SourceError(
        res.status >= 500 ? 'http_5xx' : 'http_4xx',
        `reddit refused the client credentials (${res.status}${body.error ? ` ${body.error}` : ''})`,
      );
    }
    this.token = { value: body.access_token, expiresAt: ctx.now() + (body.expires_in ?? 3_600) * 1000 };
    return this.token.value;
  }

  private async space(oauth: boolean): Promise<void> {
    if (this.opts.budget) return this.opts.budget.take();
    const now = Date.now();
    const wait = this.nextRequestAt - now;
    this.nextRequestAt =
      Math.max(now, this.nextRequestAt) + (this.opts.spacingMs ?? (oauth ? SPACING_OAUTH_MS : SPACING_PUBLIC_MS));
    if (wait > 0) await sleep(wait);
  }
}

/** Reddit's X-Ratelimit-Reset is seconds until the window ends. */
function resetWait(res: HttpResponse): number | undefined {
  const s = Number(res.headers.get('x-ratelimit-reset') ?? NaN);
  return Number.isFinite(s) ? s * 1000 : undefined;
}

export const reddit: SourceFactory = ({ reddit: cfg }, { redis, keys, log }) => {
  if (!cfg.clientId || !cfg.clientSecret) {
    // Anonymous .json requests from servers get a 403 block page, so without credentials Reddit is off: said once.
    log.info(
      { source: 'reddit' },
      "reddit not configured: anonymous requests from servers are blocked (403); set REDDIT_CLIENT_ID and REDDIT_CLIENT_SECRET of an OAuth app (new apps need Reddit's approval since November 2025) to collect from it",
    );
    return undefined;
  }
  if (!cfg.queries.length && !cfg.subreddits.length) return undefined;
  // Reddit limits per client and per IP: every workers replica draws on one budget in Redis.
  return new RedditSource({
    ...cfg,
    budget: new RedisRequestBudget(redis, keys.sourceBudget('reddit'), REDDIT_REQUESTS_PER_MINUTE.oauth),
  });
};
