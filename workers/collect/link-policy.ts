import type { Post, SourceName } from '../../shared/post.ts';
import { capText } from '../../shared/text/bounds.ts';
import { hostnameOf, safeHttpUrl } from '../../shared/text/safe-url.ts';

/**
 * Where each platform's posts may link. A post's URL must be http(s), carry no credentials and sit on
 * this host (or a subdomain), or it is dropped before storage: a crafted status cannot send API clients
 * or alert readers to `javascript:` or to a look-alike site.
 * - Mastodon: the host of the status's own federated URI (its origin server); a status cannot claim a URL
 *   on another server than the one that published it.
 * - RSS: items link to their publishers, any host; only the scheme and credential rules apply.
 */
const PLATFORM_HOSTS: Record<Exclude<SourceName, 'mastodon' | 'rss'>, readonly string[]> = {
  bluesky: ['bsky.app'],
  hackernews: ['news.ycombinator.com'],
  reddit: ['reddit.com'],
  telegram: ['t.me'],
};

export function linkHosts(post: Pick<Post, 'source' | 'id'>): readonly string[] | undefined {
  if (post.source === 'rss') return undefined;
  if (post.source === 'mastodon') {
    const origin = hostnameOf(post.id);
    return origin ? [origin] : [];
  }
  return PLATFORM_HOSTS[post.source];
}

/** What collection keeps of a post: text within the cap, and its URL only when it passes the link policy. */
export function boundedPost(post: Post, maxChars: number): { post: Post; urlDropped: boolean } {
  const url = safeHttpUrl(post.url, linkHosts(post));
  const text = capText(post.text, maxChars);
  if (url === post.url && text === post.text) return { post, urlDropped: false };
  return { post: { ...post, url: url ?? '', text }, urlDropped: url === undefined && post.url !== '' };
}
