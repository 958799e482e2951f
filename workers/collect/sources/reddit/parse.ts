import { z } from 'zod';
import type { Post } from '../../../../shared/post.ts';
import { pseudonymise } from '../../../../shared/pseudonym.ts';
import { resolveLanguage } from '../../../../shared/text/language.ts';
import { parseEach, parseEnvelope, parseJsonBody } from '../page-parsing.ts';

/** A Reddit listing child: a link (t3) or a comment (t1). `raw_json=1` keeps text free of HTML entities. */
const linkSchema = z.object({
  kind: z.literal('t3'),
  data: z.object({
    id: z.string(),
    name: z.string().startsWith('t3_'),
    title: z.string(),
    selftext: z.string().default(''),
    author: z.string(),
    subreddit: z.string(),
    created_utc: z.number(),
    permalink: z.string(),
    score: z.number().default(0),
    num_comments: z.number().default(0),
  }),
});
const commentSchema = z.object({
  kind: z.literal('t1'),
  data: z.object({
    id: z.string(),
    name: z.string().startsWith('t1_'),
    body: z.string(),
    author: z.string(),
    link_title: z.string().optional(),
    subreddit: z.string(),
    created_utc: z.number(),
    permalink: z.string(),
    score: z.number().default(0),
  }),
});
const childSchema = z.discriminatedUnion('kind', [linkSchema, commentSchema]);
export type RedditThing = z.infer<typeof childSchema>;

const listingSchema = z.object({
  kind: z.literal('Listing'),
  data: z.object({
    after: z.string().nullable(),
    before: z.string().nullable().optional(),
    children: z.array(z.unknown()),
  }),
});

export interface Listing {
  things: RedditThing[];
  malformed: string[];
  after: string | null;
}

export function parseListing(body: string): Listing {
  const listing = parseEnvelope(parseJsonBody(body, 'listing'), listingSchema, 'not a Listing');
  const { ok: things, malformed } = parseEach(
    listing.data.children,
    childSchema,
    (c) => (c as { data?: { name?: unknown } } | null)?.data?.name,
  );
  return { things, malformed, after: listing.data.after };
}

export function thingToPost(t: RedditThing, authorKey: string): Post {
  const text = t.kind === 't3' ? [t.data.title, t.data.selftext].filter((x) => x.trim()).join('\n') : t.data.body;
  return {
    source: 'reddit',
    id: t.data.name,
    url: `https://www.reddit.com${t.data.permalink}`,
    text,
    lang: resolveLanguage(text),
    createdAt: new Date(t.data.created_utc * 1000).toISOString(),
    author: pseudonymise(authorKey, 'reddit', t.data.author),
    engagement: { likes: Math.max(0, t.data.score), reposts: 0, replies: t.kind === 't3' ? t.data.num_comments : 0 },
  };
}
