import { createHash } from 'node:crypto';

import type { ScorerKind, SourceName, Stance } from './lists.ts';

export type { ScorerKind, SourceName, Stance };

/** One public post, normalised to the same shape whatever the platform. */
export interface Post {
  source: SourceName;
  /** Stable id within the source (for Mastodon, the federated status URI, so copies on two instances are one post). */
  id: string;
  /** Where a user can read the original. */
  url: string;
  /** Plain text: HTML already removed. Untrusted: never render it as HTML. */
  text: string;
  /** ISO 639-1 code, or "und" when unknown. */
  lang: string;
  /** ISO 8601, UTC. */
  createdAt: string;
  /** Keyed hash of the author's handle: never the handle itself. */
  author: string;
  /** `views` where the platform shows them (Telegram channels). */
  engagement: { likes: number; reposts: number; replies: number; views?: number };
}

/** Which scorer produced a result, travelling with every score so model and fallback output never mix silently. */
export interface ModelRef {
  /** e.g. "builtin-lexicon-v1", "hf:MoritzLaurer/mDeBERTa-v3-base-xnli-multilingual-nli-2mil7" or "tei:…". */
  id: string;
  kind: ScorerKind;
  /** Version of how the model was asked (hypotheses, labels): answers to different questions never mix. */
  setup?: string;
}

export interface StanceResult {
  stance: Stance;
  /** In [-1, 1]; positive means support. */
  score: number;
  /** In [0, 1]. */
  confidence: number;
  model: ModelRef;
}

export interface ScoredPost extends Post {
  result: StanceResult;
  scoredAt: string;
}

/**
 * The identity under which a post is de-duplicated, counted and stored. A hash keeps it short and free of
 * characters that Redis keys or BullMQ job ids dislike (`:`), whatever the source's own id looks like.
 */
export function postKey(post: Pick<Post, 'source' | 'id'>): string {
  const digest = createHash('sha256').update(`${post.source}\u0000${post.id}`).digest('base64url').slice(0, 22);
  return `${post.source}-${digest}`;
}
