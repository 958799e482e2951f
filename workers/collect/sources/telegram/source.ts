import { fetchPage } from '../fetch-page.ts';
import { parsePage } from '../page-parsing.ts';
import { messageToPost, parseChannelPage, wholePart } from './parse.ts';
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

const MAX_BACKFILL_PAGES = 5_000;

export interface TelegramOptions {
  baseUrl: string;
  channels: string[];
  pollEveryMs: number;
  maxPagesPerPoll: number;
  http: { timeoutMs: number; maxBytes: number; userAgent: string };
}

interface TelegramFeed extends Feed {
  channel: string;
}

/**
 * Public Telegram channels through their web preview (`/s/<channel>`; newer with `?after=<id>`, older
 * with `?before=<id>`), parsed as HTML. No account needed. A channel without a public preview redirects
 * away from `/s/`, which is reported as such. The cursor is the newest message id read.
 */
export class TelegramSource implements Source<TelegramFeed> {
  readonly name = 'telegram' as const;
  readonly feeds: TelegramFeed[];

  constructor(private readonly opts: TelegramOptions) {
    this.feeds = opts.channels.map((channel) => ({
      id: `telegram-${channel}`,
      source: 'telegram' as const,
      pollEveryMs: opts.pollEveryMs,
      channel,
    }));
  }

  async *poll(f: TelegramFeed, cursor: string | null, ctx: PollContext): AsyncGenerator<FeedPage> {
    let after = cursor ? Number(cursor) : null;
    for (let page = 0; page < this.opts.maxPagesPerPoll; page++) {
      const res = await this.fetch(f, after === null ? {} : { after: String(after) }, ctx);
      // t.me answers `after=` beyond the newest message with the newest page again: keep only what is new.
      const fresh = res.messages.filter((m) => after === null || m.id > after);
      const maxId = res.maxId !== null && (after === null || res.maxId > after) ? res.maxId : null;
      if (maxId === null) return;
      yield { posts: fresh.map((m) => messageToPost(m, f.channel, ctx.authorKey)), cursor: String(maxId) };
      if (after === null) return; // first poll: the newest page is where we start
      after = maxId;
    }
  }

  /**
   * Messages created in the range, walking back from the newest with `before=`. The "more" link is
   * sometimes missing (the oldest id on the page serves as well) and runs of deleted messages leave empty
   * pages (stepped over 20 ids at a time); ids already seen are not yielded twice. A page cut short by the
   * byte limit lacks its newest messages: they are read forward with `after=` before going back on.
   */
  async *backfill(f: TelegramFeed, range: BackfillRange, ctx: PollContext): AsyncGenerator<FeedPage> {
    const keep = inRange(range);
    let before: number | null = null;
    const seen = new Set<number>();
    for (let page = 0; page < MAX_BACKFILL_PAGES; page++) {
      const res = await this.fetch(f, before === null ? {} : { before: String(before) }, ctx);
      const fresh = res.messages.filter((m) => !seen.has(m.id));
      for (const m of fresh) seen.add(m.id);
      const posts = fresh.map((m) => messageToPost(m, f.channel, ctx.authorKey)).filter(keep);
      if (posts.length) yield { posts };
      if (res.cutAt !== null) yield* this.between(f, res.maxId ?? res.cutAt - 1, before, keep, seen, ctx);
      if (res.minId === null) {
        if (before === null || before <= 21) return;
        before -= 20;
        continue;
      }
      const oldest = Math.min(...res.messages.map((m) => Date.parse(m.date)));
      if (oldest < range.sinceMs || res.minId <= 1) return;
      before = Math.min(res.before ?? res.minId, res.minId);
    }
  }

  /** The messages after `after` and before `until` (none: up to the newest), read forward. */
  private async *between(
    f: TelegramFeed,
    after: number,
    until: number | null,
    keep: (p: { createdAt: string }) => boolean,
    seen: Set<number>,
    ctx: PollContext,
  ): AsyncGenerator<FeedPage> {
    for (let page = 0; page < MAX_BACKFILL_PAGES; page++) {
      const res = await this.fetch(f, { after: String(after) }, ctx);
      const fresh = res.messages.filter((m) => m.id > after && (until === null || m.id < until) && !seen.has(m.id));
      for (const m of fresh) seen.add(m.id);
      const posts = fresh.map((m) => messageToPost(m, f.channel, ctx.authorKey)).filter(keep);
      if (posts.length) yield { posts };
      if (res.maxId === null || res.maxId <= after || (until !== null && res.maxId >= until - 1)) return;
      after = res.maxId;
    }
  }

  /**
   * One preview page. t.me has no page-size parameter, so a page over the byte limit cannot be asked for
   * smaller: its first bytes are read instead (messages come oldest first, each whole before the next
   * starts), the messages complete in them are used, and the page stops where the first cut one starts
   * (`cutAt`); the next request starts there. A message that does not fit even alone is skipped by its id.
   */
  private async fetch(f: TelegramFeed, params: Record<string, string>, ctx: PollContext) {
    const u = new URL(
      `s/${encodeURIComponent(f.channel)}`,
      this.opts.baseUrl.endsWith('/') ? this.opts.baseUrl : `${this.opts.baseUrl}/`,
    );
    for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
    const res = await fetchPage(
      u.toString(),
      { ...this.opts.http, accept: 'text/html', keepPrefixBytes: this.opts.http.maxBytes },
      ctx.now(),
    );
    if (!new URL(res.url).pathname.startsWith('/s/')) {
      throw new SourceError(
        'http_4xx',
        `telegram channel ${f.channel} has no public preview (redirected away from /s/)`,
      );
    }
    const what = `telegram ${f.channel}`;
    const parsed = parsePage(what, () => parseChannelPage(res.body, f.channel));
    const { page, cutAt } = res.truncated ? wholePart(parsed, res.body, f.channel) : { page: parsed, cutAt: null };
    if (res.truncated && cutAt === null)
      throw new SourceError(
        'too_large',
        `${what}: the page is over ${this.opts.http.maxBytes} bytes before its first message`,
      );
    for (const id of page.malformed) ctx.reportItemError('malformed_item', `telegram ${id}`);
    if (cutAt !== null && page.maxId === null) {
      ctx.reportItemError('too_large', `${what}/${cutAt} is over ${this.opts.http.maxBytes} bytes on its own`);
      return { ...page, maxId: cutAt, minId: cutAt, cutAt };
    }
    if (cutAt !== null)
      ctx.reportRefusal('too_large', `${what}: page over ${this.opts.http.maxBytes} bytes; read up to ${page.maxId}`);
    return { ...page, cutAt };
  }
}

export const telegram: SourceFactory = (cfg) =>
  cfg.telegram.channels.length ? new TelegramSource(cfg.telegram) : undefined;
