import { fetchPage } from '../fetch-page.ts';
import { hitToPost, parseHnPage } from './parse.ts';
import { parsePage } from '../page-parsing.ts';
import {
  type BackfillRange,
  type Feed,
  type FeedPage,
  type PollContext,
  type Source,
  type SourceFactory,
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
      id: `hackernews-${query.replace(/[^\p{L}\p{N}]+/gu, '_')}`,
      source: 'hackernews' as const,
      pollEveryMs: opts.pollEveryMs,
      query,
    }));
  }

  async *poll(f: HnFeed, cursor: string | null, ctx: PollContext): AsyncGenerator<FeedPage> {
    yield* this.walk(
      f,
      cursor ? Number(cursor) : Math.floor((ctx.now() - this.opts.initialLookbackMs) / 1000),
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

  /** Reads (lo, end] window by window, oldest first. */
  private async *walk(
    f: HnFeed,
    lo: number,
    end: number,
    ctx: PollContext,
    pageBudget: number,
  ): AsyncGenerator<FeedPage> {
    let windowS = FIRST_WINDOW_S;
    let budget = pageBudget;
    while (lo < end && budget > 0) {
      const hi = Math.min(lo + windowS, end);
      const first = await this.fetch(f, lo, hi, 0, ctx);
      budget--;
      // A window must fit Algolia's cap and what is left of this poll's budget, or the cursor would never move.
      const capacity = Math.min(ALGOLIA_CAP, (budget + 1) * this.opts.hitsPerPage);
      if (first.nbHits > capacity && hi - lo > 1) {
        windowS = Math.max(1, Math.floor((hi - lo) * Math.min(0.5, (0.8 * capacity) / first.nbHits)));
        continue;
      }
      if (first.nbPages > budget + 1) return; // one second holds more than the budget: the next poll goes on
      let res = first;
      for (let page = 0; ; page++) {
        const last = page + 1 >= res.nbPages || res.hits.length + res.malformed.length === 0;
        yield { posts: res.hits.map((h) => hitToPost(h, ctx.authorKey)), ...(last ? { cursor: String(hi) } : {}) };
        if (last) break;
        res = await this.fetch(f, lo, hi, page + 1, ctx);
        budget--;
      }
      lo = hi;
      // Grow back gradually: the busy stretch that made the window small is probably not over.
      windowS = Math.min(FIRST_WINDOW_S, windowS * 2);
    }
  }

  private async fetch(f: HnFeed, lo: number, hi: number, page: number, ctx: PollContext) {
    const u = new URL(
      'api/v1/search_by_date',
      this.opts.baseUrl.endsWith('/') ? this.opts.baseUrl : `${this.opts.baseUrl}/`,
    );
    u.searchParams.set('query', f.query);
    u.searchParams.set('tags', '(story,comment)');
    u.searchParams.set('numericFilters', `created_at_i>${lo},created_at_i<=${hi}`);
    u.searchParams.set('hitsPerPage', String(this.opts.hitsPerPage));
    u.searchParams.set('page', String(page));
    const res = await fetchPage(u.toString(), this.opts.http, ctx.now());
    const parsed = parsePage(`hackernews "${f.query}"`, () => parseHnPage(res.body));
    for (const id of parsed.malformed) ctx.reportItemError('malformed_item', `hackernews "${f.query}" hit ${id}`);
    return parsed;
  }
}

export const hackernews: SourceFactory = (cfg) => new HackerNewsSource(cfg.hackernews);
