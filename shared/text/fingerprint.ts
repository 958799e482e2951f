import { createHash } from 'node:crypto';
import { stripInvisible } from './invisible.ts';

/**
 * A fingerprint of what a post says, not where it came from: the same text cross-posted to two platforms,
 * or reposted with a different link, mention or emoji, gets the same fingerprint, so it is scored once.
 * Pure.
 */
export function normaliseForFingerprint(text: string): string {
  return stripInvisible(text) // zero-width and bidi characters must not make a copy look new
    .normalize('NFKC')
    .toLowerCase()
    .replace(/https?:\/\/\S+/g, ' ')
    .replace(/(^|\s)(rt|via|fwd?)\s*:?\s+/g, ' ')
    .replace(/@[\p{L}\p{N}_.-]+/gu, ' ')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

export function textFingerprint(text: string): string {
  return createHash('sha256').update(normaliseForFingerprint(text)).digest('base64url').slice(0, 22);
}
