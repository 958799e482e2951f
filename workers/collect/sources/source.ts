import type { CollectErrorReason, SourceName } from '../../../shared/lists.ts';
import type { Redis } from 'ioredis';
import type { SourcesConfig } from '../../../shared/config.ts';
import type { Keys } from '../../../shared/keys.ts';
import type { Logger } from '../../../shared/logger.ts';
import type { Post } from '../../../shared/post.ts';

/**
 * The contract every collector implements. A source owns one or more feeds (a Mastodon instance + tag,
 * a Telegram channel, an RSS URL …); each feed has its own cursor, persisted by the collector.
 */
export interface Feed {
  /** Unique and stable: it names the cursor in Redis and the job scheduler. No ":" (BullMQ ids). */
  id: string;
  source: SourceName;
  pollEveryMs: number;
}

/** Search text as part of a feed id: letters and digits kept, any other run one "_" (so never a ":"). */
export function feedIdPart(text: string): string {
  return text.replace(/[^\p{L}\p{N}]+/gu, '_');
}

export interface FeedPage {
  /** Posts read from this page, already normalised (relevance is the collector's job). */
  posts: Post[];
  /**
   * The cursor to persist once these posts are safely enqueued; absent means "do not move the cursor yet"
   * (e.g. the middle of a first backward walk).
   */
  cursor?: string;
  /** The service asked us to slow down: do not poll this feed again before this time (epoch ms). */
  pauseUntilMs?: number;
}

/** A poll that cannot go on. The collector counts it, logs it once, and keeps the cursor where it was. */
export class SourceError extends Error {
  constructor(
    readonly reason: CollectErrorReason,
    message: string,
    readonly pauseUntilMs?: number,
  ) {
    super(message);
    this.name = 'SourceError';
  }
}

export interface PollContext {
  /** Key for author pseudonyms. */
  authorKey: string;
  now(): number;
  /** A single item could not be used (malformed, or too large on its own): counted and logged; the page goes on. */
  reportItemError(reason: CollectErrorReason, detail: string): void;
  /**
   * A page was refused and the poll goes on without it: asked for again with fewer items, or read only as far
   * as it fits (a `too_large` answer). Counted under `reason` like any failure, so operators see it.
   */
  reportRefusal(reason: CollectErrorReason, detail: string): void;
}

/**
 * `F` is the source's own feed type: the collector hands each source back the feeds it made, so a source
 * never has to look its feed up again.
 */
export interface Source<F extends Feed = Feed> {
  readonly name: SourceName;
  readonly feeds: readonly F[];
  /** Pages from the cursor onwards, oldest unread first, so persisting each page's cursor leaves no gap. */
  poll(feed: F, cursor: string | null, ctx: PollContext): AsyncGenerator<FeedPage>;
  /**
   * History between two times, where the service keeps it and lets it be paged (absent where it does not,
   * e.g. RSS). Cursors on these pages are ignored: a backfill never moves the live cursor.
   */
  backfill?(feed: F, range: BackfillRange, ctx: PollContext): AsyncGenerator<FeedPage>;
}

export interface BackfillRange {
  sinceMs: number;
  untilMs: number;
}

/** Keeps the posts created inside the range. */
export function inRange(range: BackfillRange) {
  return (p: { createdAt: string }) => {
    const t = Date.parse(p.createdAt);
    return t >= range.sinceMs && t < range.untilMs;
  };
}

export interface SourceDeps {
  redis: Redis;
  keys: Keys;
  log: Logger;
}

/**
 * Builds a source from its section of the settings (`cfg.<name>`); `undefined` when it has nothing to do
 * (no feeds, or missing credentials, which it says once in the log).
 */
export type SourceFactory = (cfg: SourcesConfig, deps: SourceDeps) => Source | undefined;
