import { z } from 'zod';
import type { Post } from '../../../../shared/post.ts';
import { pseudonymise } from '../../../../shared/pseudonym.ts';
import { resolveLanguage } from '../../../../shared/text/language.ts';
import { parseEach, parseEnvelope, parseJsonBody } from '../page-parsing.ts';

/** app.bsky.feed.defs#postView, the fields we read. */
const postViewSchema = z.object({
  uri: z.string().startsWith('at://'),
  cid: z.string(),
  author: z.object({ did: z.string(), handle: z.string() }),
  record: z.object({ text: z.string(), createdAt: z.string(), langs: z.array(z.string()).optional() }),
  replyCount: z.number().optional(),
  repostCount: z.number().optional(),
  likeCount: z.number().optional(),
  quoteCount: z.number().optional(),
  indexedAt: z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'not a date'),
});
export type PostView = z.infer<typeof postViewSchema>;

const searchSchema = z.object({
  cursor: z.string().optional(),
  hitsTotal: z.number().optional(),
  posts: z.array(z.unknown()),
});

export interface SearchPage {
  posts: PostView[];
  malformed: string[];
  cursor: string | null;
  /** How many posts match in all, when the service says. */
  hitsTotal: number | null;
}

export function parseSearchPage(body: string): SearchPage {
  const page = parseEnvelope(
    parseJsonBody(body, 'searchPosts answer'),
    searchSchema,
    'searchPosts answer has no posts array',
  );
  const { ok: posts, malformed } = parseEach(page.posts, postViewSchema, (p) => (p as { uri?: unknown } | null)?.uri);
  return { posts, malformed, cursor: page.cursor ?? null, hitsTotal: page.hitsTotal ?? null };
}

/**
 * What search's `since`/`until` filter and sort on: the earlier of indexedAt and createdAt (a createdAt that
 * is not a date counts as absent).
 */
export function sortAt(p: PostView): number {
  const created = Date.parse(p.record.createdAt);
  const indexed = Date.parse(p.indexedAt);
  return Number.isNaN(created) ? indexed : Math.min(created, indexed);
}

export function postViewToPost(p: PostView, authorKey: string): Post {
  const rkey = p.uri.split('/').pop()!;
  const created = Date.parse(p.record.createdAt);
  return {
    source: 'bluesky',
    id: p.uri,
    url: `https://bsky.app/profile/${encodeURIComponent(p.author.handle)}/post/${encodeURIComponent(rkey)}`,
    text: p.record.text,
    lang: resolveLanguage(p.record.text, p.record.langs?.[0]),
    // A post's own createdAt is set by the client and can be anything; fall back to when the AppView indexed it.
    createdAt: new Date(Number.isNaN(created) ? Date.parse(p.indexedAt) : created).toISOString(),
    author: pseudonymise(authorKey, 'bluesky', p.author.did),
    engagement: {
      likes: p.likeCount ?? 0,
      reposts: (p.repostCount ?? 0) + (p.quoteCount ?? 0),
      replies: p.replyCount ?? 0,
    },
  };
}
