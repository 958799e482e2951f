import { createHmac } from 'node:crypto';

/**
 * A stable pseudonym for an author: HMAC-SHA256 under a secret key, so the same author gets the same
 * pseudonym (useful for counting distinct voices) while nobody without the key can reverse or test it.
 */
export function pseudonymise(key: string, source: string, handle: string): string {
  return createHmac('sha256', key).update(`${source}\u0000${handle.toLowerCase()}`).digest('base64url').slice(0, 16);
}
