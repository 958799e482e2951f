import { z } from 'zod';
import type { Post } from '../../../../shared/post.ts';
import { pseudonymise } from '../../../../shared/pseudonym.ts';
import { htmlToText } from '../../../../shared/text/html.ts';
import { resolveLanguage } from '../../../../shared/text/language.ts';
import { parseEach, parseEnvelope, parseJsonBody } from '../page-parsing.ts';

/** Algolia's Hacker News search hit: a story or a comment (fields we use; the rest ignored). */
const hitSchema = z.object({
  objectID: z.string().min(1),
  created_at_i: z.number().int().positive(),
  author: z.string().nullish(),
  title: z.string().nullish(),
  url: z.string().nullish(),
  story_text: z.string().nullish(),
  comment_text: z.string().nullish(),
  points: z.number().nullish(),
  num_comments: z.number().nullish(),
  _tags: z.array(z.string()).default([]),
});
export type HnHit = z.infer<typeof hitSchema>;

const pageSchema = z.object({
  hits: z.array(z.unknown()),
  nbHits: z.number().int().nonnegative(),
  page: z.number().int().nonnegative(),
  nbPages: z.number().int().nonnegative(),
  hitsPerPage: z.number().int().positive(),
});

export interface HnPage {
  hits: HnHit[];
  malformed: string[];
  nbHits: number;
  page: number;
  nbPages: number;
}

export function parseHnPage(body: string): HnPage {
  const page = parseEnvelope(
    parseJsonBody(body, 'search page'),
    pageSchema,
    'search page lacks hits/nbHits/page/nbPages',
  );
  const { ok: hits, malformed } = parseEach(
    page.hits,
    hitSchema,
    (h) => (h as { objectID?: unknown } | null)?.objectID,
  );
  return { hits, malformed, nbHits: page.nbHits, page: page.page, nbPages: page.nbPages };
}

export function hitToPost(hit: HnHit, authorKey: string): Post {
  const isComment = hit._tags.includes('comment');
  const text = isComment
    ? htmlToText(hit.comment_text ?? '')
    : [hit.title ?? '', htmlToText(hit.story_text ?? '')].filter(Boolean).join('\n');
  return {
    source: 'hackernews',
    id: hit.objectID,
    url: `https://news.ycombinator.com/item?id=${encodeURIComponent(hit.objectID)}`,
    text,
    lang: resolveLanguage(text),
    createdAt: new Date(hit.created_at_i * 1000).toISOString(),
    author: pseudonymise(authorKey, 'hackernews', hit.author ?? 'unknown'),
    engagement: { likes: Math.max(0, hit.points ?? 0), reposts: 0, replies: Math.max(0, hit.num_comments ?? 0) },
  };
}
