import type { HttpResponse } from '../../../../shared/http.ts';
import { fetchPage, jsonErrorText } from '../fetch-page.ts';
import { parseLinkHeader } from '../link-header.ts';
import { parseSearchResults, parseTimelinePage, statusToPost } from './parse.ts';
import { parsePage } from '../page-parsing.ts';
import {
  inRange,
  type BackfillRange,
  type Feed,
  type FeedPage,
  type PollContext,
  type Source,
  type SourceFactory,
} from '../source.ts';

export interface MastodonOptions {
  instances: string[];
  tags: string[];
  pollEveryMs: number;
  pageLimit: number;
  maxPagesPerPoll: number;
  /** Pages walked back on the very first poll of a feed (1 = only the newest page). */
  initialPages: number;
  http: { timeoutMs: number; maxBytes: number; userAgent: string };
  /**
   * A user token. Sent on every request: Mastodon 4.5 instances can require login for hashtag feeds (401), and
   * with a token, full-text search (`/api/v2/search`) for these terms too: anonymous search finds no statuses.
   */
  accessToken?: string;
  /**
   * How late a federated post may arrive and still be read. A remote status's id comes from its created_at,
   * so one that arrives after a poll sits below the cursor: each poll re-reads this far back (plus one poll
   * interval) below the cursor. The seen markers drop the repeats. Default 15 minutes.
   */
  lateWindowMs?: number;
  searchTerms?: string[];
}

interface MastodonFeed extends Feed {
  instance: URL;
  /** A hashtag timeline, or a keyword search when `search` is set. */
  tag: string;
  search?: boolean;
}

const MAX_BACKFILL_PAGES = 5_000;
const DEFAULT_LATE_WINDOW_MS = 15 * 60_000;

/** The snowflake id at a time (lib/mastodon/snowflake.rb: milliseconds << 16): a time filter for search. */
function snowflakeAt(ms: number): bigint {
  return BigInt(Math.max(0, Math.floor(ms))) << 16n;
}

/** Below this many requests left in the window we stop until the window resets: the limit is per IP, shared with others. */
const RATE_LIMIT_RESERVE = 5;

/**
 * Mastodon hashtag timelines (`GET /api/v1/timelines/tag/:tag`), and keyword search with a user token.
 * Timelines are incremental with `min_id`: each request returns the statuses just after the cursor, so walking
 * forward page by page and persisting the newest id after each page leaves no gap, however far behind we are.
 * Then an overlap walk (`max_id` from the cursor back until statuses older than the late window) catches
 * statuses federated in late, whose ids lie below the cursor. Search is different: `min_id` there is a time
 * filter and the answer is the newest 40, so a search poll pages back from the newest with `max_id` until it
 * reaches the cursor (minus the late window), and only then moves the cursor.
 */
export class MastodonSource implements Source<MastodonFeed> {
  readonly name = 'mastodon' as const;
  readonly feeds: MastodonFeed[];

  constructor(private readonly opts: MastodonOptions) {
    this.feeds = opts.instances.flatMap((base) => {
      const instance = new URL(base.endsWith('/') ? base : `${base}/`);
      const tags = opts.tags.map((tag) => ({
        id: `mastodon-${instance.host}-${tag}`,
        source: 'mastodon' as const,
        pollEveryMs: opts.pollEveryMs,
        instance,
        tag,
      }));
      const searches = opts.accessToken
        ? (opts.searchTerms ?? []).map((term) => ({
            id: `mastodon-${instance.host}-search-${term.replace(/[^\p{L}\p{N}]+/gu, '_')}`,
            source: 'mastodon' as const,
            pollEveryMs: opts.pollEveryMs,
            instance,
            tag: term,
            search: true,
          }))
        : [];
      return [...tags, ...searches];
    });
  }

  async *poll(f: MastodonFeed, cursor: string | null, ctx: PollContext): AsyncGenerator<FeedPage> {
    if (f.search) yield* this.searchBack(f, cursor, ctx);
    else if (cursor === null) yield* this.firstPoll(f, ctx);
    else {
      yield* this.forward(f, cursor, ctx);
      yield* this.overlap(f, cursor, ctx);
    }
  }

  /** Reading back this far re-reads anything that federated in since the last poll, up to the late window. */
  private overlapCutoff(ctx: PollContext): number {
    return ctx.now() - (this.opts.lateWindowMs ?? DEFAULT_LATE_WINDOW_MS) - this.opts.pollEveryMs;
  }

  /**
   * Statuses below the cursor that arrived late: walks `max_id` back from the cursor until a page reaches
   * statuses created before the cutoff. No cursor is yielded (the forward walk owns it); duplicates are dropped
   * by the collector's seen markers.
   */
  private async *overlap(f: MastodonFeed, cursor: string, ctx: PollContext): AsyncGenerator<FeedPage> {
    const cutoff = this.overlapCutoff(ctx);
    let url: string | undefined = this.timelineUrl(f, { max_id: cursor });
    for (let page = 0; url && page < this.opts.maxPagesPerPoll; page++) {
      const res = await this.fetchPage(f, url, ctx);
      yield { posts: res.posts, ...res.pause };
      const count = res.parsed.statuses.length + res.parsed.malformed.length;
      const reachedCutoff = res.parsed.statuses.some((s) => Date.parse(s.created_at) < cutoff);
      if (count < this.opts.pageLimit || reachedCutoff || !res.parsed.oldestId || res.pause.pauseUntilMs) return;
      url = this.sameInstance(f, res.links.next) ?? this.timelineUrl(f, { max_id: res.parsed.oldestId });
    }
  }

  /**
   * Search: `min_id` is a time filter and each answer is the newest `limit` matches, so pages go back with
   * `max_id` from the newest until a short page. The floor is the cursor or the late window, whichever is
   * older. The cursor (newest id) is yielded only after the whole walk; a walk cut short by the page budget
   * leaves it where it was, and the next poll reads again from the newest.
   */
  private async *searchBack(f: MastodonFeed, cursor: string | null, ctx: PollContext): AsyncGenerator<FeedPage> {
    const late = snowflakeAt(this.overlapCutoff(ctx));
    const floor = cursor === null ? null : String(BigInt(cursor) < late ? BigInt(cursor) : late);
    let newest: string | null = null;
    let maxId: string | undefined;
    const pages = cursor === null ? this.opts.initialPages : this.opts.maxPagesPerPoll;
    for (let page = 0; page < pages; page++) {
      const res = await this.fetchPage(
        f,
        this.timelineUrl(f, { ...(floor ? { min_id: floor } : {}), ...(maxId ? { max_id: maxId } : {}) }),
        ctx,
      );
      if (newest === null || (res.parsed.newestId && BigInt(res.parsed.newestId) > BigInt(newest)))
        newest = res.parsed.newestId ?? newest;
      const count = res.parsed.statuses.length + res.parsed.malformed.length;
      const done = count < this.opts.pageLimit || !res.parsed.oldestId || (cursor === null && page + 1 >= pages);
      const cursorOut = newest && (cursor === null || BigInt(newest) > BigInt(cursor)) ? newest : cursor;
      yield { posts: res.posts, ...(done && cursorOut ? { cursor: cursorOut } : {}), ...res.pause };
      if (done || res.pause.pauseUntilMs) return;
      maxId = oldestByTime(res.parsed.statuses) ?? res.parsed.oldestId!;
    }
  }

  /** Older statuses, newest first, following `Link: rel="next"` (max_id) until the range's start. */
  async *backfill(f: MastodonFeed, range: BackfillRange, ctx: PollContext): AsyncGenerator<FeedPage> {
    const keep = inRange(range);
    let url: string | undefined = this.timelineUrl(f, {});
    for (let page = 0; url && page < MAX_BACKFILL_PAGES; page++) {
      const res = await this.fetchPage(f, url, ctx);
      yield { posts: res.posts.filter(keep) };
      const oldest = Math.min(...res.posts.map((p) => Date.parse(p.createdAt)));
      if (res.parsed.statuses.length === 0 || oldest < range.sinceMs) return;
      url =
        this.sameInstance(f, res.links.next) ??
        (res.parsed.oldestId ? this.timelineUrl(f, { max_id: res.parsed.oldestId }) : undefined);
    }
  }

  private async *firstPoll(f: MastodonFeed, ctx: PollContext): AsyncGenerator<FeedPage> {
    let url: string | undefined = this.timelineUrl(f, {});
    let newest: string | null = null;
    for (let page = 0; url && page < this.opts.initialPages; page++) {
      const res = await this.fetchPage(f, url, ctx);
      newest ??= res.parsed.newestId;
      const last = page + 1 >= this.opts.initialPages || res.parsed.statuses.length === 0 || !res.links.next;
      // The cursor moves only when the whole first walk is enqueued; a crash half-way re-walks it (duplicates are dropped).
      yield { posts: res.posts, ...(last && newest ? { cursor: newest } : {}), ...res.pause };
      if (last) return;
      url = this.sameInstance(f, res.links.next);
    }
  }

  private async *forward(f: MastodonFeed, cursor: string, ctx: PollContext): AsyncGenerator<FeedPage> {
    let url: string | undefined = this.timelineUrl(f, { min_id: cursor });
    for (let page = 0; url && page < this.opts.maxPagesPerPoll; page++) {
      const res = await this.fetchPage(f, url, ctx);
      if (!res.parsed.newestId) return;
      yield { posts: res.posts, cursor: res.parsed.newestId, ...res.pause };
      if (res.parsed.statuses.length + res.parsed.malformed.length < this.opts.pageLimit || res.pause.pauseUntilMs)
        return;
      url = this.sameInstance(f, res.links.prev) ?? this.timelineUrl(f, { min_id: res.parsed.newestId });
    }
  }

  private timelineUrl(f: MastodonFeed, params: Record<string, string>): string {
    const u = f.search
      ? new URL('api/v2/search', f.instance)
      : new URL(`api/v1/timelines/tag/${encodeURIComponent(f.tag)}`, f.instance);
    if (f.search) {
      u.searchParams.set('q', f.tag);
      u.searchParams.set('type', 'statuses');
      u.searchParams.set('resolve', 'false');
    }
    u.searchParams.set('limit', String(this.opts.pageLimit));
    for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
    return u.toString();
  }

  /** Follow a Link only to the instance we were configured with. */
  private sameInstance(f: MastodonFeed, link: string | undefined): string | undefined {
    if (!link) return undefined;
    try {
      const u = new URL(link, f.instance);
      return u.host === f.instance.host ? u.toString() : undefined;
    } catch {
      return undefined;
    }
  }

  private async fetchPage(f: MastodonFeed, url: string, ctx: PollContext) {
    const now = ctx.now();
    // The token goes on tag timelines too: Mastodon 4.5 can require login for hashtag feeds.
    const http = this.opts.accessToken
      ? { ...this.opts.http, headers: { authorization: `Bearer ${this.opts.accessToken}` } }
      : this.opts.http;
    const res = await fetchPage(url, http, now, {
      resetWaitMs: (r) => resetWait(r, now),
      describe4xx: (r) => `#${f.tag}: ${jsonErrorText(r.body)}`,
    });
    const parsed = parsePage(`${f.instance.host} #${f.tag}`, () =>
      f.search ? parseSearchResults(res.body) : parseTimelinePage(res.body),
    );
    for (const id of parsed.malformed)
      ctx.reportItemError('malformed_item', `${f.instance.host} #${f.tag} status ${id}`);
    const posts = parsed.statuses.map((s) => statusToPost(s, f.instance.host, ctx.authorKey));
    const remaining = Number(res.headers.get('x-ratelimit-remaining') ?? NaN);
    const reset = resetWait(res, now);
    const pause = remaining <= RATE_LIMIT_RESERVE && reset !== undefined ? { pauseUntilMs: now + reset } : {};
    return { parsed, posts, links: parseLinkHeader(res.headers.get('link')), pause };
  }
}

/** The id of the status created earliest on a search page (search orders by time, and max_id filters by time). */
function oldestByTime(statuses: Array<{ id: string; created_at: string }>): string | undefined {
  let best: { id: string; created_at: string } | undefined;
  for (const s of statuses) if (!best || Date.parse(s.created_at) < Date.parse(best.created_at)) best = s;
  return best?.id;
}

/** Mastodon's X-RateLimit-Reset is an ISO 8601 time. */
function resetWait(res: HttpResponse, now: number): number | undefined {
  const reset = Date.parse(res.headers.get('x-ratelimit-reset') ?? '');
  return Number.isNaN(reset) ? undefined : Math.max(0, reset - now);
}

/** Hashtag timelines on every configured instance, and keyword search when a token is set. */
export const mastodon: SourceFactory = (cfg) => new MastodonSource(cfg.mastodon);
