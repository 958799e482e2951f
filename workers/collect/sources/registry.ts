import type { SourcesConfig } from '../../../shared/config.ts';
import { SOURCE_NAMES, type SourceName } from '../../../shared/lists.ts';
import { bluesky } from './bluesky/source.ts';
import { hackernews } from './hackernews/source.ts';
import { mastodon } from './mastodon/source.ts';
import { reddit } from './reddit/source.ts';
import { rss } from './rss/source.ts';
import type { Source, SourceDeps, SourceFactory } from './source.ts';
import { telegram } from './telegram/source.ts';

/** Every source, by name. A name in SOURCE_NAMES without a factory here (or the reverse) does not compile. */
export const SOURCES = { mastodon, bluesky, hackernews, reddit, telegram, rss } satisfies Record<
  SourceName,
  SourceFactory
>;

/** The sources SOURCES enables, each built from its own section. */
export function createSources(cfg: SourcesConfig, deps: SourceDeps): Source[] {
  return SOURCE_NAMES.filter((name) => cfg.enabled.includes(name)).flatMap((name) => SOURCES[name](cfg, deps) ?? []);
}
