/**
 * Token buckets: the time grid token counts are kept on. Coarser than the trend buckets on purpose: words
 * need posts to accumulate before a comparison means anything, and every bucket costs a hash. Pure.
 */
export type TokenResolution = '10m' | 'h';
export const TOKEN_RESOLUTION_SECONDS: Record<TokenResolution, number> = { '10m': 600, h: 3_600 };
/** Finest grain of a drivers query: windows are widened to whole 10-minute buckets. */
export const TOKEN_GRAIN = 600;
/** How long each resolution is kept. Beyond 8 days only hours remain, beyond 90 days nothing. */
export const TOKEN_RETENTION_SECONDS: Record<TokenResolution, number> = { '10m': 8 * 86_400, h: 90 * 86_400 };
/** Fields kept per bucket hash: the K most frequent tokens (see README, "What the bound loses"). */
export const TOKENS_TOP_K = 500;
/** A hash is trimmed back to K once it holds this many fields, so a trim runs once per K new tokens, not per post. */
export const TOKENS_TRIM_AT = 2 * TOKENS_TOP_K;
/** The field holding the number of posts counted into a hash (a token never starts with "="). */
export const POSTS_FIELD = '=posts';

export function tokenBucketsFor(
  createdAtSeconds: number,
): Array<{ res: TokenResolution; start: number; expireAt: number }> {
  return (['10m', 'h'] as const).map((res) => {
    const step = TOKEN_RESOLUTION_SECONDS[res];
    const start = Math.floor(createdAtSeconds / step) * step;
    return { res, start, expireAt: start + step + TOKEN_RETENTION_SECONDS[res] };
  });
}

/** The fewest token buckets tiling [from, to) (both multiples of TOKEN_GRAIN): hours where whole, 10 minutes at the edges. */
export function coverTokenRange(from: number, to: number): Array<{ res: TokenResolution; start: number }> {
  if (from % TOKEN_GRAIN !== 0 || to % TOKEN_GRAIN !== 0)
    throw new RangeError('coverTokenRange needs 10-minute-aligned bounds');
  const out: Array<{ res: TokenResolution; start: number }> = [];
  for (let t = from; t < to;) {
    const res: TokenResolution = t % 3_600 === 0 && t + 3_600 <= to ? 'h' : '10m';
    out.push({ res, start: t });
    t += TOKEN_RESOLUTION_SECONDS[res];
  }
  return out;
}

/** The dimensions one post is counted under, so any combination of the source and language filters reads one hash. */
export function tokenDims(source: string, lang: string): string[] {
  return ['all', `source=${source}`, `lang=${lang}`, `source=${source},lang=${lang}`];
}

export function dimFor(f: { source?: string; lang?: string }): string {
  if (f.source && f.lang) return `source=${f.source},lang=${f.lang}`;
  if (f.source) return `source=${f.source}`;
  if (f.lang) return `lang=${f.lang}`;
  return 'all';
}
