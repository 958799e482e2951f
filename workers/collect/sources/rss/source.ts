import { createHash } from 'node:crypto';
import { fetchPage } from '../fetch-page.ts';
import { parsePage } from '../page-parsing.ts';
import { closeCutFeed, itemToPost, parseFeed, type ParsedFeed } from './parse.ts';
import { SourceError, type Feed, type FeedPage, type PollContext, type Source, type SourceFactory } from '../source.ts';

export interface RssOptions {
  feeds: string[];
  pollEveryMs: number;
  /**
   * Items published longer ago than this are skipped. Search feeds are ordered by relevance and reach weeks
   * back; an item is counted once, at its pubDate, and must not outlive its seen marker and come back.
   */
  maxAgeMs?: number;
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
      {
        ...this.opts.http,
        accept: 'application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.8',
        keepPrefixBytes: this.opts.http.maxBytes,
      },
      ctx.now(),
    );
    const host = new URL(f.url).host;
    const parsed = res.truncated ? this.cutDocument(host, res.body, ctx) : parsePage(host, () => parseFeed(res.body));
    for (const id of parsed.malformed) ctx.reportItemError('malformed_item', `${host} item ${id.slice(0, 120)}`);
    const newest = parsed.items.reduce((max, i) => (i.published > max ? i.published : max), cursor ?? '');
    const oldest = this.opts.maxAgeMs === undefined ? -Infinity : ctx.now() - this.opts.maxAgeMs;
    const recent = parsed.items.filter((i) => Date.parse(i.published) >= oldest);
    yield {
      posts: recent.map((i) => itemToPost(i, parsed.language, ctx.authorKey)),
      ...(newest ? { cursor: newest } : {}),
    };
  }

  /**
   * A feed is one document with no paging, so one over the byte limit cannot be asked for in parts, nor an
   * item in it skipped by id: its first bytes are read instead, the items whole in them are used, and the
   * rest is dropped (counted, logged). Feeds put the newest items first, so what is lost is the oldest. A
   * document with no whole item in its first bytes is refused, as before, until it shrinks.
   */
  private cutDocument(host: string, body: string, ctx: PollContext): ParsedFeed {
    const whole = closeCutFeed(body);
    let parsed: ParsedFeed | undefined;
    try {
      parsed = whole === null ? undefined : parseFeed(whole);
    } catch {
      // cut inside something that is not an item (a CDATA section, say): nothing can be trusted
    }
    if (!parsed || parsed.items.length + parsed.malformed.length === 0)
      throw new SourceError(
        'too_large',
        `${host}: feed over ${this.opts.http.maxBytes} bytes, no whole item before the limit`,
      );
    ctx.reportRefusal(
      'too_large',
      `${host}: feed over ${this.opts.http.maxBytes} bytes; its first ${parsed.items.length + parsed.malformed.length} items read, the rest dropped`,
    );
    return parsed;
  }
}

export const rss: SourceFactory = (cfg) => (cfg.rss.feeds.length ? new RssSource(cfg.rss) : undefined);
