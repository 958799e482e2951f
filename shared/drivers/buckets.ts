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

/**
 * A post's 10-minute token bucket and the hour bucket it rolls up into. Posts are written to the 10-minute
 * hash only; the hour hash is the sum of its six, made once the hour is over and quiet
 * (workers/aggregate/count-tokens.lua).
 */
export function tokenBucketFor(
  createdAtSeconds: number,
): Record<'tenMinutes' | 'hour', { start: number; expireAt: number }> {
  const at = (res: TokenResolution) => {
    const step = TOKEN_RESOLUTION_SECONDS[res];
    const start = Math.floor(createdAtSeconds / step) * step;
    return { start, expireAt: tokenExpireAt(res, start) };
  };
  return { tenMinutes: at('10m'), hour: at('h') };
}

/** When a token hash expires (epoch s): its bucket's end plus its resolution's retention. */
export const tokenExpireAt = (res: TokenResolution, start: number) =>
  start + TOKEN_RESOLUTION_SECONDS[res] + TOKEN_RETENTION_SECONDS[res];

/**
 * An hour is rolled up once it has been over, and not written to, for this long: late posts mostly land
 * before, and a catch-up of old hours finishes writing them first.
 */
export const TOKEN_ROLLUP_AFTER_SECONDS = 600;

/** One hour hash waiting for its roll-up, as a member of the pending set (a dimension never holds "|"). */
export const pendingMember = (hourStart: number, stance: string, dim: string) => `${hourStart}|${stance}|${dim}`;

export function parsePendingMember(member: string): { hourStart: number; stance: string; dim: string } {
  const [hourStart, stance, dim] = member.split('|');
  return { hourStart: Number(hourStart), stance: stance!, dim: dim! };
}

/** The six 10-minute bucket starts of an hour. */
export const tenMinuteStartsOf = (hourStart: number) =>
  Array.from(
    { length: TOKEN_RESOLUTION_SECONDS.h / TOKEN_RESOLUTION_SECONDS['10m'] },
    (_, i) => hourStart + i * TOKEN_RESOLUTION_SECONDS['10m'],
  );

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
