import type { ModelRef, StanceResult } from '../../shared/post.ts';

/** Scores texts for stance toward Durov. Results come back in the order of the texts. */
export interface Scorer {
  readonly model: ModelRef;
  score(texts: string[]): Promise<StanceResult[]>;
}

/** Text with nothing to judge (empty, or only links/mentions/hashtags of a URL) gets neutral without a model call. */
export function hasScorableText(text: string): boolean {
  const stripped = text.replace(/https?:\/\/\S+/g, ' ').replace(/[\s\p{P}\p{S}]+/gu, '');
  return stripped.length >= 3;
}
