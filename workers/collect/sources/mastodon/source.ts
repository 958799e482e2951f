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
  /** With a user token, full-text search (`/api/v2/search`) for these terms too: anonymous search finds no statuses. */
  accessToken?: string;
  searchTerms?: string[];
}

interface MastodonFeed extends Feed {
  instance: URL;
  /** A hashtag timeline, or a keyword search when `search` is set. */
  tag: string;
  search?: boolean;
}

const MAX_BACKFILL_PAGES = 5_000;

/** Below this many requests left in the window we stop until the window resets: the limit is per IP, shared with others. */
const RATE_LIMIT_RESERVE = 5;

/**
 * Mastodon hashtag timelines (`GET /api/v1/timelines/tag/:tag`), which need no token. Incremental with
 * `min_id`: each request returns the statuses just after the cursor, so walking forward page by page and
 * persisting the newest id after each page leaves no gap, however far behind we are.
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
    if (cursor === null) yield* this.firstPoll(f, ctx);
    else yield* this.forward(f, cursor, ctx);
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
    const http = f.search
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

/** Mastodon's X-RateLimit-Reset is an ISO 8601 time. */
function resetWait(res: HttpResponse, now: number): number | undefined {
  const reset = Date.parse(res.headers.get('x-ratelimit-reset') ?? '');
  return Number.isNaN(reset) ? undefined : Math.max(0, reset - now);
}

/** Hashtag timelines on every configured instance, and keyword search when a token is set. */
export const mastodon: SourceFactory = (cfg) => new MastodonSource(cfg.mastodon);
