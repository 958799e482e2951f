/**
 * Retry timing, pure: what to wait after a failure. The I/O loop that uses it lives in `retry.ts`.
 */

/** Retry-After is either delta-seconds or an HTTP-date (RFC 9110 §10.2.3). Returns milliseconds to wait. */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1_000;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}

/** Exponential backoff with full jitter (AWS architecture blog): spreads retries of many workers apart. */
export function backoffDelay(
  attempt: number,
  baseMs: number,
  maxMs: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** attempt);
  return Math.round(random() * ceiling);
}
