import { z } from 'zod';
import type { Post } from '../../../../shared/post.ts';
import { pseudonymise } from '../../../../shared/pseudonym.ts';
import { htmlToText } from '../../../../shared/text/html.ts';
import { resolveLanguage } from '../../../../shared/text/language.ts';
import { MalformedPage, parseJsonBody } from '../page-parsing.ts';

/** The fields of a Mastodon Status we use; everything else is ignored, missing optional fields tolerated. */
const baseStatus = z.object({
  id: z.string().regex(/^\d+$/),
  created_at: z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'not a date'),
  uri: z.string().min(1),
  url: z.string().nullish(),
  content: z.string(),
  spoiler_text: z.string().nullish(),
  language: z.string().nullish(),
  visibility: z.string().nullish(),
  replies_count: z.number().int().nonnegative().nullish(),
  reblogs_count: z.number().int().nonnegative().nullish(),
  favourites_count: z.number().int().nonnegative().nullish(),
  account: z.object({ acct: z.string().min(1) }),
});
const statusSchema = baseStatus.extend({ reblog: baseStatus.nullish() });
export type MastodonStatus = z.infer<typeof statusSchema>;

export interface ParsedPage {
  statuses: MastodonStatus[];
  /** Ids (or positions) of items that did not match the Status shape. */
  malformed: string[];
  /** Largest status id on the page (ids are snowflakes: compare as BigInt), null for an empty page. */
  newestId: string | null;
  oldestId: string | null;
}

/** A timeline page must be a JSON array; a single bad item is skipped, a bad page is refused whole. */
export function parseTimelinePage(body: string): ParsedPage {
  const json = parseJsonBody(body, 'timeline page');
  if (!Array.isArray(json)) throw new MalformedPage('timeline page is not a JSON array');
  return parseStatusArray(json);
}

/** `/api/v2/search` answers `{accounts, statuses, hashtags}`. */
export function parseSearchResults(body: string): ParsedPage {
  const json = parseJsonBody(body, 'search answer') as { statuses?: unknown } | null;
  if (!json || !Array.isArray(json.statuses)) throw new MalformedPage('search answer has no statuses array');
  return parseStatusArray(json.statuses);
}

function parseStatusArray(json: unknown[]): ParsedPage {
  const statuses: MastodonStatus[] = [];
  const malformed: string[] = [];
  let newest: bigint | null = null;
  let oldest: bigint | null = null;
  json.forEach((item, i) => {
    // The id orders the timeline even when the rest of the item is broken, so the cursor can move past it.
    const rawId = (item as { id?: unknown } | null)?.id;
    if (typeof rawId === 'string' && /^\d+$/.test(rawId)) {
      const id = BigInt(rawId);
      if (newest === null || id > newest) newest = id;
      if (oldest === null || id < oldest) oldest = id;
    }
    const parsed = statusSchema.safeParse(item);
    if (parsed.success) statuses.push(parsed.data);
    else malformed.push(typeof rawId === 'string' ? rawId : `#${i}`);
  });
  return {
    statuses,
    malformed,
    newestId: newest === null ? null : String(newest),
    oldestId: oldest === null ? null : String(oldest),
  };
}

/** A status as a Post. A boost counts as the boosted status, so the original is scored once. */
export function statusToPost(status: MastodonStatus, instanceHost: string, authorKey: string): Post {
  const s = status.reblog ?? status;
  const text = htmlToText([s.spoiler_text, s.content].filter((x) => x && x.length > 0).join('\n'));
  // A local account's acct has no domain; qualify it so that the pseudonym is the same from every instance.
  const acct = s.account.acct.includes('@') ? s.account.acct : `${s.account.acct}@${instanceHost}`;
  return {
    source: 'mastodon',
    id: s.uri,
    url: s.url ?? s.uri,
    text,
    lang: resolveLanguage(text, s.language),
    createdAt: new Date(s.created_at).toISOString(),
    author: pseudonymise(authorKey, 'mastodon', acct),
    engagement: { likes: s.favourites_count ?? 0, reposts: s.reblogs_count ?? 0, replies: s.replies_count ?? 0 },
  };
}
