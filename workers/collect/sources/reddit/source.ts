import { setTimeout as sleep } from 'node:timers/promises';
import type { HttpResponse } from '../../../../shared/http.ts';
import { RedisRequestBudget, type RequestBudget } from '../../../../shared/request-budget.ts';
import { fetchPage, jsonErrorText } from '../fetch-page.ts';
import { parsePage } from '../page-parsing.ts';
import { parseListing, thingToPost } from './parse.ts';
import {
  SourceError,
  inRange,
  type BackfillRange,
  type Feed,
  type FeedPage,
  type PollContext,
  type Source,
  type SourceFactory,
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

/** Reddit's limits: about 10 requests a minute without OAuth, 100 with application-only OAuth. */
export const REDDIT_REQUESTS_PER_MINUTE = { public: 10, oauth: 100 } as const;
const SPACING_PUBLIC_MS = 6_000;
const SPACING_OAUTH_MS = 600;
/** Listings end near 1,000 items: 10 pages of 100. */
const LISTING_PAGES = 10;

/**
 * Reddit search (`sort=new`) and subreddit comment streams. With a client id and secret it uses
 * application-only OAuth (client credentials; the token is cached until it expires); without, the public
 * `.json` endpoints at no more than 10 requests a minute. Requests are spaced to the limit and the
 * X-Ratelimit-* headers are obeyed. Listings come newest first, so a poll pages back with `after` until it
 * reaches what it read last time, and the cursor (newest `created_utc`) moves at the end.
 */
export class RedditSource implements Source<RedditFeed> {
  readonly name = 'reddit' as const;
  readonly feeds: RedditFeed[];
  private token?: { value: string; expiresAt: number };
  private nextRequestAt = 0;

  constructor(private readonly opts: RedditOptions) {
    this.feeds = [
      ...opts.queries.map((q) => ({
        id: `reddit-search-${q.replace(/[^\p{L}\p{N}]+/gu, '_')}`,
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
    const since = cursor ? Number(cursor) : 0;
    let newest = since;
    let after: string | null = null;
    for (let page = 0; page < this.opts.maxPagesPerPoll; page++) {
      const { listing, pause } = await this.fetchListing(f, after, ctx);
      const fresh = listing.things.filter((t) => t.data.created_utc > since);
      for (const t of fresh) newest = Math.max(newest, t.data.created_utc);
      // A first poll reads one page; later polls go back until they meet what they read before.
      const reachedOld = fresh.length < listing.things.length || since === 0;
      const last = reachedOld || !listing.after || page + 1 >= this.opts.maxPagesPerPoll || pause !== undefined;
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
    for (let page = 0; page < LISTING_PAGES; page++) {
      const { listing } = await this.fetchListing(f, after, ctx);
      yield { posts: listing.things.map((t) => thingToPost(t, ctx.authorKey)).filter(keep) };
      const oldest = Math.min(...listing.things.map((t) => t.data.created_utc * 1000));
      if (!listing.after || oldest < range.sinceMs) return;
      after = listing.after;
    }
  }

  private async fetchListing(f: RedditFeed, after: string | null, ctx: PollContext) {
    const oauth = this.usesOAuth;
    const base = oauth ? this.opts.oauthUrl : this.opts.publicUrl;
    const u = new URL(`${f.path.replace(/^\//, '')}${oauth ? '' : '.json'}`, base.endsWith('/') ? base : `${base}/`);
    for (const [k, v] of Object.entries({ ...f.params, limit: '100', raw_json: '1', ...(after ? { after } : {}) }))
      u.searchParams.set(k, v);
    const get = async () => {
      await this.space(oauth);
      const headers = oauth ? { authorization: `Bearer ${await this.accessToken(ctx)}` } : undefined;
      return fetchPage(
        u.toString(),
        { ...this.opts.http, userAgent: this.opts.userAgent, ...(headers ? { headers } : {}) },
        ctx.now(),
        {
          resetWaitMs: (r) => resetWait(r),
          describe4xx: (r) => `${r.status === 401 ? 'token rejected; ' : ''}${jsonErrorText(r.body)}`,
        },
      );
    };
    let res: HttpResponse;
    try {
      res = await get();
    } catch (err) {
      // An expired or revoked token: fetch a new one once, then give up for this poll.
      if (!(oauth && err instanceof SourceError && err.message.includes('token rejected'))) throw err;
      this.token = undefined;
      res = await get();
    }
    const listing = parsePage(`reddit ${f.path}`, () => parseListing(res.body));
    for (const name of listing.malformed) ctx.reportItemError('malformed_item', `reddit ${f.path} ${name}`);
    const remaining = Number(res.headers.get('x-ratelimit-remaining') ?? NaN);
    const wait = resetWait(res);
    return { listing, pause: remaining < 2 && wait !== undefined ? ctx.now() + wait : undefined };
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
    const body = (await res.json().catch(() => ({}))) as { access_token?: string; expires_in?: number; error?: string };
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
  if (!cfg.queries.length && !cfg.subreddits.length) return undefined;
  const oauth = Boolean(cfg.clientId && cfg.clientSecret);
  // Reddit limits per client and per IP: every workers replica draws on one budget in Redis.
  const perMinute = oauth ? REDDIT_REQUESTS_PER_MINUTE.oauth : REDDIT_REQUESTS_PER_MINUTE.public;
  const source = new RedditSource({
    ...cfg,
    budget: new RedisRequestBudget(redis, keys.sourceBudget('reddit'), perMinute),
  });
  if (!source.usesOAuth)
    log.info(
      { source: 'reddit' },
      'reddit without OAuth: public endpoints at 10 requests a minute (set REDDIT_CLIENT_ID and REDDIT_CLIENT_SECRET for 100)',
    );
  return source;
};
