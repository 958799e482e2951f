/**
 * Post text is capped when it is collected (POST_MAX_CHARS, 5,000 characters by default): a 1 MB post
 * would otherwise be stored, queued, scored and served whole. The stance of a post is in its opening
 * paragraphs (the model reads 1,500 characters anyway), so the rest is dropped, marked with an ellipsis.
 * The cut never splits a surrogate pair or a combining sequence: the result is always valid UTF-16.
 */
export const ELLIPSIS = '…';

/** Default of POST_MAX_CHARS. */
export const DEFAULT_POST_MAX_CHARS = 5_000;

export function capText(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  let end = Math.max(0, maxChars - ELLIPSIS.length);
  // Do not cut between a high and a low surrogate, nor before a combining mark that belongs to the last letter.
  while (end > 0 && /[\uDC00-\uDFFF\p{M}]/u.test(text[end] ?? '')) end--;
  return text.slice(0, end).trimEnd() + ELLIPSIS;
}
