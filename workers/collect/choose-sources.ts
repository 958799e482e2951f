import type { Redis } from 'ioredis';
import type { Config } from '../../shared/config.ts';
import type { Keys } from '../../shared/keys.ts';
import { RedisRequestBudget } from '../../shared/request-budget.ts';
import type { Logger } from '../../shared/logger.ts';
import { BlueskySource } from './sources/bluesky/source.ts';
import { HackerNewsSource } from './sources/hackernews/source.ts';
import { MastodonSource } from './sources/mastodon/source.ts';
import { REDDIT_REQUESTS_PER_MINUTE, RedditSource } from './sources/reddit/source.ts';
import { RssSource } from './sources/rss/source.ts';
import type { Source } from './sources/source.ts';
import { TelegramSource } from './sources/telegram/source.ts';

/** The sources SOURCES enables, each configured from its own variables. */
export function chooseSources(cfg: Config, log: Logger, redis: Redis, keys: Keys): Source[] {
  const http = { timeoutMs: cfg.HTTP_TIMEOUT_MS, maxBytes: cfg.HTTP_MAX_RESPONSE_BYTES, userAgent: cfg.HTTP_USER_AGENT };
  const on = (name: Config['SOURCES'][number]) => cfg.SOURCES.includes(name);
  const sources: Source[] = [];
  if (on('mastodon')) {
    sources.push(new MastodonSource({
      instances: cfg.MASTODON_INSTANCES, tags: cfg.MASTODON_TAGS, pollEveryMs: cfg.MASTODON_POLL_SECONDS * 1000, pageLimit: cfg.MASTODON_PAGE_LIMIT,
      maxPagesPerPoll: cfg.MASTODON_MAX_PAGES_PER_POLL, initialPages: cfg.MASTODON_INITIAL_PAGES, http, lateWindowMs: cfg.MASTODON_LATE_WINDOW_MINUTES * 60_000,
      ...(cfg.MASTODON_ACCESS_TOKEN ? { accessToken: cfg.MASTODON_ACCESS_TOKEN, searchTerms: cfg.MASTODON_SEARCH_TERMS } : {}),
    }));
  }
  if (on('bluesky')) {
    if (cfg.BLUESKY_HANDLE && cfg.BLUESKY_APP_PASSWORD) {
      sources.push(new BlueskySource({
        serviceUrl: cfg.BLUESKY_SERVICE_URL, handle: cfg.BLUESKY_HANDLE, appPassword: cfg.BLUESKY_APP_PASSWORD, queries: cfg.BLUESKY_QUERIES,
        pollEveryMs: cfg.BLUESKY_POLL_SECONDS * 1000, maxPagesPerPoll: cfg.BLUESKY_MAX_PAGES_PER_POLL,
        initialLookbackMs: cfg.BLUESKY_INITIAL_LOOKBACK_HOURS * 3_600_000, http,
      }));
    } else {
      // Bluesky refuses anonymous search: say so once instead of failing every poll.
      log.info({ source: 'bluesky' }, 'bluesky not configured: set BLUESKY_HANDLE and BLUESKY_APP_PASSWORD (an app password) to collect from it');
    }
  }
  if (on('hackernews')) {
    sources.push(new HackerNewsSource({
      baseUrl: cfg.HN_BASE_URL, queries: cfg.HN_QUERIES, pollEveryMs: cfg.HN_POLL_SECONDS * 1000, hitsPerPage: 100,
      maxPagesPerPoll: cfg.HN_MAX_PAGES_PER_POLL, initialLookbackMs: cfg.HN_INITIAL_LOOKBACK_HOURS * 3_600_000, http,
    }));
  }
  const redditCredentials = Boolean(cfg.REDDIT_CLIENT_ID && cfg.REDDIT_CLIENT_SECRET);
  if (on('reddit') && !redditCredentials) {
    // Anonymous .json requests from servers get a 403 block page, so without credentials Reddit is off: said once.
    log.info({ source: 'reddit' }, 'reddit not configured: anonymous requests from servers are blocked (403); set REDDIT_CLIENT_ID and REDDIT_CLIENT_SECRET of an OAuth app (new apps need Reddit\'s approval since November 2025) to collect from it');
  }
  if (on('reddit') && redditCredentials && (cfg.REDDIT_QUERIES.length || cfg.REDDIT_SUBREDDITS.length)) {
    const oauth = redditCredentials;
    const reddit = new RedditSource({
      // Reddit limits per client and per IP: every workers replica draws on one budget in Redis.
      budget: new RedisRequestBudget(redis, keys.sourceBudget('reddit'), oauth ? REDDIT_REQUESTS_PER_MINUTE.oauth : REDDIT_REQUESTS_PER_MINUTE.public),
      publicUrl: cfg.REDDIT_PUBLIC_URL, oauthUrl: cfg.REDDIT_OAUTH_URL, authUrl: cfg.REDDIT_AUTH_URL,
      ...(cfg.REDDIT_CLIENT_ID && cfg.REDDIT_CLIENT_SECRET ? { clientId: cfg.REDDIT_CLIENT_ID, clientSecret: cfg.REDDIT_CLIENT_SECRET } : {}),
      userAgent: cfg.REDDIT_USER_AGENT, queries: cfg.REDDIT_QUERIES, subreddits: cfg.REDDIT_SUBREDDITS,
      pollEveryMs: cfg.REDDIT_POLL_SECONDS * 1000, maxPagesPerPoll: cfg.REDDIT_MAX_PAGES_PER_POLL,
      http: { timeoutMs: cfg.HTTP_TIMEOUT_MS, maxBytes: cfg.HTTP_MAX_RESPONSE_BYTES },
    });
    sources.push(reddit);
  }
  if (on('telegram') && cfg.TELEGRAM_CHANNELS.length) {
    sources.push(new TelegramSource({
      baseUrl: cfg.TELEGRAM_BASE_URL, channels: cfg.TELEGRAM_CHANNELS, pollEveryMs: cfg.TELEGRAM_POLL_SECONDS * 1000,
      maxPagesPerPoll: cfg.TELEGRAM_MAX_PAGES_PER_POLL, http: { ...http, userAgent: cfg.TELEGRAM_USER_AGENT },
    }));
  }
  if (on('rss') && cfg.RSS_FEEDS.length) {
    sources.push(new RssSource({ feeds: cfg.RSS_FEEDS, pollEveryMs: cfg.RSS_POLL_SECONDS * 1000, maxAgeMs: cfg.RSS_MAX_AGE_HOURS * 3_600_000, http }));
  }
  return sources;
}
