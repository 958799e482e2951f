import { fetchPage } from '../fetch-page.ts';
import { OVERSIZED_PREFIX_BYTES, PageSize, fetchShrinking } from '../oversized.ts';
import { hitToPost, parseHnPage, type HnPage } from './parse.ts';
import { parsePage } from '../page-parsing.ts';
import {
  type BackfillRange,
  type Feed,
  type FeedPage,
  type PollContext,
  type Source,
  type SourceFactory,
  feedIdPart,
} from '../source.ts';

export interface HackerNewsOptions {
  baseUrl: string;
  queries: string[];
  pollEveryMs: number;
  hitsPerPage: number;
  maxPagesPerPoll: number;
  /** How far back the first poll of a query looks. */
  initialLookbackMs: number;
  http: { timeoutMs: number; maxBytes: number; userAgent: string };
}

interface HnFeed extends Feed {
  query: string;
}

/** Algolia answers at most this many hits per query, whatever the paging. */
const ALGOLIA_CAP = 1_000;
/** Items reach the index a little after they are created: the live edge stays this far behind now. */
const INDEX_LAG_S = 120;
const FIRST_WINDOW_S = 6 * 3_600;
/** Each poll re-reads this far below the cursor: items become searchable with a lag; the seen markers drop repeats. */
const OVERLAP_S = 10 * 60;

/**
 * Hacker News through Algolia's `search_by_date` (stories and comments, no key). Results come newest first
 * and stop near 1,000 per query, so a poll walks forward in time windows (`created_at_i>lo`,
 * `created_at_i<=hi`), reads each window completely, and persists `hi` as the cursor after it. A window
 * with more than Algolia will return is halved until it fits, so nothing in it is skipped; the live edge
 * stays two minutes behind now, so items still being indexed are not jumped over.
 */
export class HackerNewsSource implements Source<HnFeed> {
  readonly name = 'hackernews' as const;
  readonly feeds: HnFeed[];

  constructor(private readonly opts: HackerNewsOptions) {
    this.feeds = opts.queries.map((query) => ({
      id: `hackernews-${feedIdPart(query)}`,
      source: 'hackernews' as const,
      pollEveryMs: opts.pollEveryMs,
      query,
    }));
  }

  async *poll(f: HnFeed, cursor: string | null, ctx: PollContext): AsyncGenerator<FeedPage> {
    yield* this.walk(
      f,
      cursor ? Number(cursor) - OVERLAP_S : Math.floor((ctx.now() - this.opts.initialLookbackMs) / 1000),
      Math.floor(ctx.now() / 1000) - INDEX_LAG_S,
      ctx,
      this.opts.maxPagesPerPoll,
    );
  }

  async *backfill(f: HnFeed, range: BackfillRange, ctx: PollContext): AsyncGenerator<FeedPage> {
    yield* this.walk(
      f,
      Math.floor(range.sinceMs / 1000) - 1,
      Math.floor(range.untilMs / 1000) - 1,
      ctx,
      Number.MAX_SAFE_INTEGER,
    );
  }

  /**
   * Reads (lo, end] window by window, oldest first. Within a window, hits are read by position (newest
   * first): a page too large is asked for again with fewer hits from the same position, and a hit too large
   * on its own is stepped over by its position. Its id cannot be known (Algolia sends a hit's keys in
   * alphabetical order, the highlighted text first), so it is reported by its window and position.
   */
  private async *walk(
    f: HnFeed,
    lo: number,
    end: number,
    ctx: PollContext,
    pageBudget: number,
  ): AsyncGenerator<FeedPage> {
    let windowS = FIRST_WINDOW_S;
    let budget = pageBudget;
    const size = new PageSize(this.opts.hitsPerPage);
    window: while (lo < end && budget > 0) {
      const hi = Math.min(lo + windowS, end);
      let pos = 0;
      let sized = false;
      for (;;) {
        const read = await this.read(f, lo, hi, pos, size, ctx);
        budget -= size.cost(read.limit);
        if (read.kind === 'page' && !sized) {
          sized = true;
          // A window must fit Algolia's cap and what is left of this poll's budget, or the cursor would never move.
          const capacity = Math.min(ALGOLIA_CAP, (budget + 1) * this.opts.hitsPerPage);
          if (read.nbHits > capacity && hi - lo > 1) {
            windowS = Math.max(1, Math.floor((hi - lo) * Math.min(0.5, (0.8 * capacity) / read.nbHits)));
            continue window;
          }
          // One second holds more than the budget: the next poll goes on.
          if (Math.ceil(Math.min(read.nbHits, ALGOLIA_CAP) / this.opts.hitsPerPage) > budget + 1) return;
        }
        const count = read.kind === 'page' ? read.hits.length + read.malformed.length : 1;
        pos += count;
        const last = read.kind === 'page' && (count === 0 || pos >= Math.min(read.nbHits, ALGOLIA_CAP));
        yield {
          posts: read.kind === 'page' ? read.hits.map((h) => hitToPost(h, ctx.authorKey)) : [],
          ...(last ? { cursor: String(hi) } : {}),
        };
        if (last) break;
      }
      lo = hi;
      // Grow back gradually: the busy stretch that made the window small is probably not over.
      windowS = Math.min(FIRST_WINDOW_S, windowS * 2);
    }
  }

  /** The hits of (lo, hi] from position `pos` on, as many as fit, or the one hit there stepped over. */
  private async read(
    f: HnFeed,
    lo: number,
    hi: number,
    pos: number,
    size: PageSize,
    ctx: PollContext,
  ): Promise<({ kind: 'page'; limit: number } & HnPage) | { kind: 'skipped'; limit: 1 }> {
    const what = `hackernews "${f.query}"`;
    const answer = await fetchShrinking(size, ctx, what, async (limit) => {
      // Algolia pages by `page` × `hitsPerPage`: a page must start exactly at `pos`.
      const perPage = pageSizeAt(pos, limit);
      return { res: await this.get(f, lo, hi, pos / perPage, perPage, ctx), limit: perPage };
    });
    if ('oversized' in answer) {
      ctx.reportItemError(
        'too_large',
        `${what}: hit ${pos + 1} of those created in (${iso(lo)}, ${iso(hi)}] is over ${this.opts.http.maxBytes} bytes on its own`,
      );
      return { kind: 'skipped', limit: 1 };
    }
    const parsed = parsePage(what, () => parseHnPage(answer.res.body));
    for (const id of parsed.malformed) ctx.reportItemError('malformed_item', `${what} hit ${id}`);
    return { kind: 'page', ...parsed, limit: answer.limit };
  }

  private async get(f: HnFeed, lo: number, hi: number, page: number, hitsPerPage: number, ctx: PollContext) {
    const u = new URL(
      'api/v1/search_by_date',
      this.opts.baseUrl.endsWith('/') ? this.opts.baseUrl : `${this.opts.baseUrl}/`,
    );
    u.searchParams.set('query', f.query);
    u.searchParams.set('tags', '(story,comment)');
    u.searchParams.set('numericFilters', `created_at_i>${lo},created_at_i<=${hi}`);
    u.searchParams.set('hitsPerPage', String(hitsPerPage));
    u.searchParams.set('page', String(page));
    return fetchPage(u.toString(), { ...this.opts.http, keepPrefixBytes: OVERSIZED_PREFIX_BYTES }, ctx.now());
  }
}

/** The largest page size up to `limit` whose pages have a boundary at `pos` (any size at the start). */
export function pageSizeAt(pos: number, limit: number): number {
  for (let d = Math.max(1, limit); d > 1; d--) if (pos % d === 0) return d;
  return 1;
}

const iso = (s: number) => new Date(s * 1000).toISOString();

export const hackernews: SourceFactory = (cfg) => new HackerNewsSource(cfg.hackernews);
