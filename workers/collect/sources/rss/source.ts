import { createHash } from 'node:crypto';
import { fetchPage } from '../fetch-page.ts';
import { parsePage } from '../page-parsing.ts';
import { itemToPost, parseFeed } from './parse.ts';
import { type Feed, type FeedPage, type PollContext, type Source, type SourceFactory } from '../source.ts';

export interface RssOptions {
  feeds: string[];
  pollEveryMs: number;
  http: { timeoutMs: number; maxBytes: number; userAgent: string };
}

interface RssFeed extends Feed {
  url: string;
}

/**
 * Any RSS 2.0 or Atom feeds (news searches for "Durov", outlets' topic feeds). Feeds are not paginated:
 * each poll reads the whole document, and items are de-duplicated on their guid/id by the collector. The
 * cursor records the newest publication time seen, for /readyz and for operators.
 */
export class RssSource implements Source<RssFeed> {
  readonly name = 'rss' as const;
  readonly feeds: RssFeed[];

  constructor(private readonly opts: RssOptions) {
    this.feeds = opts.feeds.map((url) => ({
      id: `rss-${new URL(url).host}-${createHash('sha256').update(url).digest('hex').slice(0, 8)}`,
      source: 'rss' as const,
      pollEveryMs: opts.pollEveryMs,
      url,
    }));
  }

  async *poll(f: RssFeed, cursor: string | null, ctx: PollContext): AsyncGenerator<FeedPage> {
    const res = await fetchPage(
      f.url,
      { ...this.opts.http, accept: 'application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.8' },
      ctx.now(),
    );
    const parsed = parsePage(new URL(f.url).host, () => parseFeed(res.body));
    for (const id of parsed.malformed)
      ctx.reportItemError('malformed_item', `${new URL(f.url).host} item ${id.slice(0, 120)}`);
    const newest = parsed.items.reduce((max, i) => (i.published > max ? i.published : max), cursor ?? '');
    yield {
      posts: parsed.items.map((i) => itemToPost(i, parsed.language, ctx.authorKey)),
      ...(newest ? { cursor: newest } : {}),
    };
  }
}

export const rss: SourceFactory = (cfg) => (cfg.rss.feeds.length ? new RssSource(cfg.rss) : undefined);
