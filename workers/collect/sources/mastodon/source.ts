import type { HttpResponse } from '../../../../shared/http.ts';
import type { Post } from '../../../../shared/post.ts';
import { fetchPage, jsonErrorText } from '../fetch-page.ts';
import { parseLinkHeader } from '../link-header.ts';
import { OVERSIZED_PREFIX_BYTES, PageSize, fetchShrinking, prefixField } from '../oversized.ts';
import { parseSearchResults, parseTimelinePage, statusToPost, type MastodonStatus, type ParsedPage } from './parse.ts';
import { parsePage } from '../page-parsing.ts';
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
 * reaches the cursor (minus the late window), and only then moves the cursor. A page over the byte limit is
 * asked for again with a smaller `limit`; a status too large on its own is skipped by id and remembered (`read`).
 */
export class MastodonSource implements Source<MastodonFeed> {
  readonly name = 'mastodon' as const;
  readonly feeds: MastodonFeed[];
  private readonly oversized = new OversizedStatuses();

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
            id: `mastodon-${instance.host}-search-${feedIdPart(term)}`,
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
    for await (const page of this.descend(f, { max: cursor }, this.opts.maxPagesPerPoll, ctx)) {
      yield { posts: page.posts, ...page.pause };
      if (page.statuses.some((s) => Date.parse(s.created_at) < cutoff) || page.pause.pauseUntilMs) return;
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
    const floor = cursor === null ? undefined : String(BigInt(cursor) < late ? BigInt(cursor) : late);
    const pages = cursor === null ? this.opts.initialPages : this.opts.maxPagesPerPoll;
    let newest: string | null = null;
    for await (const page of this.descend(f, { floor }, pages, ctx)) {
      if (page.newestId && (newest === null || BigInt(page.newestId) > BigInt(newest))) newest = page.newestId;
      const done = page.exhausted || (cursor === null && page.last);
      const cursorOut = newest && (cursor === null || BigInt(newest) > BigInt(cursor)) ? newest : cursor;
      yield { posts: page.posts, ...(done && cursorOut ? { cursor: cursorOut } : {}), ...page.pause };
      if (done || page.pause.pauseUntilMs) return;
    }
  }

  /** Older statuses, newest first, paging back with `max_id` until the range's start. */
  async *backfill(f: MastodonFeed, range: BackfillRange, ctx: PollContext): AsyncGenerator<FeedPage> {
    const keep = inRange(range);
    for await (const page of this.descend(f, {}, MAX_BACKFILL_PAGES, ctx)) {
      yield { posts: page.posts.filter(keep) };
      if (page.statuses.some((s) => Date.parse(s.created_at) < range.sinceMs)) return;
    }
  }

  private async *firstPoll(f: MastodonFeed, ctx: PollContext): AsyncGenerator<FeedPage> {
    let newest: string | null = null;
    for await (const page of this.descend(f, {}, this.opts.initialPages, ctx)) {
      newest ??= page.newestId;
      // The cursor moves only when the whole first walk is enqueued; a crash half-way re-walks it (duplicates are dropped).
      yield { posts: page.posts, ...(page.last && newest ? { cursor: newest } : {}), ...page.pause };
    }
  }

  /**
   * Forward from the cursor with `min_id`: each answer is the statuses just after it. A status known to be too
   * large bounds the request (`max_id`), so it is never asked for again; once everything below it is read, the
   * cursor passes it.
   */
  private async *forward(f: MastodonFeed, cursor: string, ctx: PollContext): AsyncGenerator<FeedPage> {
    const size = new PageSize(this.opts.pageLimit);
    let after = cursor;
    for (let spent = 0; spent < this.opts.maxPagesPerPoll;) {
      const known = this.oversized.above(f.id, after);
      const read = await this.read(f, { min_id: after, ...(known ? { max_id: known } : {}) }, size, ctx);
      spent += size.cost(read.limit);
      if (read.kind === 'skipped') {
        yield { posts: [], cursor: read.id, ...read.pause };
        if (read.pause.pauseUntilMs) return;
        after = read.id;
        continue;
      }
      const short = read.count < read.limit;
      const next = short ? (known ?? read.parsed.newestId) : read.parsed.newestId;
      if (!next) return;
      yield { posts: read.posts, cursor: next, ...read.pause };
      if ((short && !known) || read.pause.pauseUntilMs) return;
      after = next;
    }
  }

  /**
   * Pages newest first below `from.max` (and above `from.floor`, when given). Each request stops above the
   * next status known to be too large (`since_id`, or `min_id` for search, where it is a time filter), so it
   * is never asked for again; the walk goes on below it. `exhausted` marks the page after which nothing is
   * left; `last`, the page after which no other comes (exhausted, or the budget spent).
   */
  private async *descend(
    f: MastodonFeed,
    from: { max?: string; floor?: string },
    budget: number,
    ctx: PollContext,
  ): AsyncGenerator<{
    posts: Post[];
    statuses: MastodonStatus[];
    newestId: string | null;
    pause: Pause;
    exhausted: boolean;
    last: boolean;
  }> {
    const size = new PageSize(this.opts.pageLimit);
    const lowerParam = f.search ? 'min_id' : 'since_id';
    let max = from.max;
    for (let spent = 0; ;) {
      const known = this.oversized.below(f.id, max, from.floor);
      const lower = known ?? from.floor;
      const read = await this.read(
        f,
        { ...(max ? { max_id: max } : {}), ...(lower ? { [lowerParam]: lower } : {}) },
        size,
        ctx,
      );
      spent += size.cost(read.limit);
      let next: string | undefined;
      if (read.kind === 'skipped') next = read.id;
      else {
        const oldest = (f.search ? oldestByTime(read.parsed.statuses) : undefined) ?? read.parsed.oldestId;
        // A short page ends the walk, unless it ended at a status stepped around: the walk goes on below that.
        next = read.count < read.limit || !oldest ? known : oldest;
      }
      const exhausted = next === undefined;
      const last = exhausted || spent >= budget;
      yield read.kind === 'skipped'
        ? { posts: [], statuses: [], newestId: read.id, pause: read.pause, exhausted, last }
        : {
            posts: read.posts,
            statuses: read.parsed.statuses,
            newestId: read.parsed.newestId,
            pause: read.pause,
            exhausted,
            last,
          };
      if (last) return;
      max = next;
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

  /**
   * One page at the walk's size, asked again smaller while it is over the byte limit. A single status still
   * too large is named from the answer (the Link header of a timeline, else the first bytes, where Mastodon
   * puts `id` first), counted, remembered and stepped over: `skipped` is its id.
   */
  private async read(f: MastodonFeed, params: Record<string, string>, size: PageSize, ctx: PollContext): Promise<Read> {
    const what = `${f.instance.host} #${f.tag}`;
    const answer = await fetchShrinking(size, ctx, what, async (limit) => ({
      res: await this.get(f, this.timelineUrl(f, { ...params, limit: String(limit) }), ctx),
      limit,
    }));
    if ('oversized' in answer) {
      const res = answer.oversized;
      const id = oversizedStatusId(res, f.search === true);
      if (!id)
        throw new SourceError('too_large', `${what}: one status is over the byte limit and its id cannot be read`);
      ctx.reportItemError('too_large', `${what} status ${id} is over ${this.opts.http.maxBytes} bytes on its own`);
      this.oversized.add(f.id, id);
      return { kind: 'skipped', id, limit: 1, pause: this.pauseFrom(res, ctx.now()) };
    }
    const { res, limit } = answer;
    const parsed = parsePage(what, () => (f.search ? parseSearchResults(res.body) : parseTimelinePage(res.body)));
    for (const id of parsed.malformed) ctx.reportItemError('malformed_item', `${what} status ${id}`);
    return {
      kind: 'page',
      parsed,
      posts: parsed.statuses.map((s) => statusToPost(s, f.instance.host, ctx.authorKey)),
      count: parsed.statuses.length + parsed.malformed.length,
      limit,
      pause: this.pauseFrom(res, ctx.now()),
    };
  }

  private async get(f: MastodonFeed, url: string, ctx: PollContext): Promise<HttpResponse> {
    const now = ctx.now();
    // The token goes on tag timelines too: Mastodon 4.5 can require login for hashtag feeds.
    const http = {
      ...this.opts.http,
      keepPrefixBytes: OVERSIZED_PREFIX_BYTES,
      ...(this.opts.accessToken ? { headers: { authorization: `Bearer ${this.opts.accessToken}` } } : {}),
    };
    return fetchPage(url, http, now, {
      resetWaitMs: (r) => resetWait(r, now),
      describe4xx: (r) => `#${f.tag}: ${jsonErrorText(r.body)}`,
    });
  }

  /** Near the end of the rate-limit window, the feed waits for the next one. */
  private pauseFrom(res: HttpResponse, now: number): Pause {
    const remaining = Number(res.headers.get('x-ratelimit-remaining') ?? NaN);
    const reset = resetWait(res, now);
    return remaining <= RATE_LIMIT_RESERVE && reset !== undefined ? { pauseUntilMs: now + reset } : {};
  }
}

type Pause = { pauseUntilMs?: number };

/** A page read, or the one status stepped over because it is too large on its own. */
type Read =
  | { kind: 'page'; parsed: ParsedPage; posts: Post[]; count: number; limit: number; pause: Pause }
  | { kind: 'skipped'; id: string; limit: 1; pause: Pause };

/**
 * The id of the one status in an answer too large to read: the Link header of a timeline page names it
 * (`max_id` of rel="next" is the page's oldest id, here its only one), and Mastodon serialises `id` first, so
 * the first bytes name it too (after `"statuses":` in a search answer).
 */
export function oversizedStatusId(res: Pick<HttpResponse, 'headers' | 'body'>, search: boolean): string | undefined {
  const next = parseLinkHeader(res.headers.get('link')).next;
  const fromLink = next ? new URL(next, 'http://x').searchParams.get('max_id') : null;
  if (!search && fromLink && /^\d+$/.test(fromLink)) return fromLink;
  const at = search ? res.body.indexOf('"statuses"') : 0;
  const id = at < 0 ? undefined : prefixField(res.body.slice(at), 'id');
  return id && /^\d+$/.test(id) ? id : undefined;
}

/** How many skipped statuses a feed remembers: more than a late window can hold, far less than memory. */
const REMEMBERED_PER_FEED = 1_000;

/**
 * Statuses too large on their own, by feed, in this process: later requests (the overlap walk, the next
 * polls) stop short of them instead of shrinking down to them again. Forgotten on restart, when the first
 * walk that meets one finds it again. Ids are snowflakes, compared as numbers.
 */
export class OversizedStatuses {
  private readonly byFeed = new Map<string, bigint[]>();

  add(feed: string, id: string): void {
    const ids = this.byFeed.get(feed) ?? [];
    const n = BigInt(id);
    if (ids.includes(n)) return;
    ids.push(n);
    ids.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    if (ids.length > REMEMBERED_PER_FEED) ids.shift();
    this.byFeed.set(feed, ids);
  }

  /** The smallest remembered id above `after`. */
  above(feed: string, after: string): string | undefined {
    const a = BigInt(after);
    const id = this.byFeed.get(feed)?.find((x) => x > a);
    return id === undefined ? undefined : String(id);
  }

  /** The largest remembered id below `below` (none: no bound) and above `floor` (none: no bound). */
  below(feed: string, below: string | undefined, floor: string | undefined): string | undefined {
    const hi = below === undefined ? undefined : BigInt(below);
    const lo = floor === undefined ? undefined : BigInt(floor);
    const ids = this.byFeed.get(feed) ?? [];
    for (let i = ids.length - 1; i >= 0; i--) {
      const x = ids[i]!;
      if ((hi === undefined || x < hi) && (lo === undefined || x > lo)) return String(x);
    }
    return undefined;
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
