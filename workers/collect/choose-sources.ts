import type { Config } from '../../shared/config.ts';
import { MastodonSource } from './sources/mastodon.ts';
import type { Source } from './sources/source.ts';

export function chooseSources(cfg: Config): Source[] {
  const http = { timeoutMs: cfg.HTTP_TIMEOUT_MS, maxBytes: cfg.HTTP_MAX_RESPONSE_BYTES, userAgent: cfg.HTTP_USER_AGENT };
  const sources: Source[] = [];
  if (cfg.SOURCES.includes('mastodon')) {
    sources.push(
      new MastodonSource({
        instances: cfg.MASTODON_INSTANCES,
        tags: cfg.MASTODON_TAGS,
        pollEveryMs: cfg.MASTODON_POLL_SECONDS * 1000,
        pageLimit: cfg.MASTODON_PAGE_LIMIT,
        maxPagesPerPoll: cfg.MASTODON_MAX_PAGES_PER_POLL,
        initialPages: cfg.MASTODON_INITIAL_PAGES,
        http,
      }),
    );
  }
  return sources;
}
