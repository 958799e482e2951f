import type { ChainableCommander, Redis } from 'ioredis';
import type { Keys } from '../keys.ts';
import { STANCES, type Stance } from '../lists.ts';
import type { ScoredPost } from '../post.ts';
import {
  POSTS_FIELD,
  TOKEN_GRAIN,
  coverTokenRange,
  dimFor,
  pendingMember,
  tenMinuteStartsOf,
  type TokenResolution,
} from './buckets.ts';
import { fightinWords, type Driver } from './fightin-words.ts';
import { tokensOf } from './tokens.ts';

export interface DriversQuery {
  /** Window and baseline, epoch seconds, [from, to). Widened to whole 10-minute buckets. */
  from: number;
  to: number;
  baselineFrom: number;
  baselineTo: number;
  stance?: Stance;
  source?: string;
  lang?: string;
  top?: number;
  examples?: number;
}

export interface RepresentativePost {
  excerpt: string;
  url: string;
  source: string;
  lang: string;
  stance: Stance;
  createdAt: string;
}

export interface DriversResult {
  window: { from: number; to: number };
  baseline: { from: number; to: number };
  /** Posts counted into the compared token hashes. */
  posts: { window: number; baseline: number };
  drivers: Driver[];
  examples: RepresentativePost[];
  /** Redis commands this answer took (the cost the README quotes). */
  redisCommands: number;
}

const EXCERPT_CHARS = 280;
/** Posts of the window examined for representative examples, newest first. */
const EXAMPLE_SCAN = 300;

export const alignDownTo = (s: number) => Math.floor(s / TOKEN_GRAIN) * TOKEN_GRAIN;
export const alignUpTo = (s: number) => Math.ceil(s / TOKEN_GRAIN) * TOKEN_GRAIN;

/**
 * What distinguishes the window from the baseline (same stance and filters): token counts summed over the
 * fewest token buckets (one pipelined HGETALL per bucket and stance; see readTokenHashes), ranked by Fightin' Words, and the stored
 * posts of the window that carry the most of the top drivers.
 */
export async function computeDrivers(redis: Redis, keys: Keys, q: DriversQuery): Promise<DriversResult> {
  const from = alignDownTo(q.from);
  const to = Math.max(alignUpTo(q.to), from + TOKEN_GRAIN);
  const baselineTo = Math.min(alignUpTo(q.baselineTo), from);
  const baselineFrom = Math.min(alignDownTo(q.baselineFrom), baselineTo);
  const stances = q.stance ? [q.stance] : [...STANCES];
  const dim = dimFor(q);
  const sides = [coverTokenRange(from, to), coverTokenRange(baselineFrom, baselineTo)];
  const read = await readTokenHashes(
    redis,
    keys,
    sides.map((cover) => cover.flatMap((b) => stances.map((s) => ({ ...b, stance: s })))),
    dim,
  );
  const [target, baseline] = read.sides;
  const drivers = fightinWords(target.counts, baseline.counts, { top: q.top ?? 20 });
  const ex = await representative(redis, keys, q, from, to, drivers, q.examples ?? 5);
  return {
    window: { from, to },
    baseline: { from: baselineFrom, to: baselineTo },
    posts: { window: target.posts, baseline: baseline.posts },
    drivers,
    examples: ex.posts,
    redisCommands: read.commands + ex.commands,
  };
}

/** The window's stored posts ranked by the summed z of the top drivers they contain: the posts that say what the spike says. */
async function representative(
  redis: Redis,
  keys: Keys,
  q: DriversQuery,
  from: number,
  to: number,
  drivers: Driver[],
  n: number,
): Promise<{ posts: RepresentativePost[]; commands: number }> {
  if (n === 0 || drivers.length === 0) return { posts: [], commands: 0 };
  const index = keys.recent(
    q.stance ? `stance=${q.stance}` : q.source ? `source=${q.source}` : q.lang ? `lang=${q.lang}` : 'all',
  );
  const ids = await redis.zrange(index, `(${to * 1000}`, from * 1000, 'BYSCORE', 'REV', 'LIMIT', 0, EXAMPLE_SCAN);
  if (ids.length === 0) return { posts: [], commands: 1 };
  const docs = await redis.mget(ids.map((k) => keys.post(k)));
  const weight = new Map(drivers.map((d) => [d.token, d.z]));
  const seen = new Set<string>();
  const scored: Array<{ p: ScoredPost; score: number }> = [];
  for (const doc of docs) {
    if (!doc) continue;
    const p = JSON.parse(doc) as ScoredPost;
    if (
      (q.stance && p.result.stance !== q.stance) ||
      (q.source && p.source !== q.source) ||
      (q.lang && p.lang !== q.lang)
    )
      continue;
    if (seen.has(p.text)) continue; // a repost says nothing new
    seen.add(p.text);
    const score = tokensOf(p.text).reduce((a, t) => a + (weight.get(t) ?? 0), 0);
    if (score > 0) scored.push({ p, score });
  }
  scored.sort((a, b) => b.score - a.score);
  return {
    posts: scored.slice(0, n).map(({ p }) => ({
      excerpt: p.text.length > EXCERPT_CHARS ? `${p.text.slice(0, EXCERPT_CHARS - 1)}…` : p.text,
      url: p.url,
      source: p.source,
      lang: p.lang,
      stance: p.result.stance,
      createdAt: p.createdAt,
    })),
    commands: 2,
  };
}

type TokenSide = { counts: Map<string, number>; posts: number };

/**
 * Sums token hashes per side. An hour whose roll-up is still pending is read from its six 10-minute hashes
 * instead, in a second round trip; whether each hour is pending comes with the first (one ZMSCORE, whatever
 * the number of hours).
 */
async function readTokenHashes(
  redis: Redis,
  keys: Keys,
  sides: Array<Array<{ res: TokenResolution; start: number; stance: string }>>,
  dim: string,
): Promise<{ sides: [TokenSide, TokenSide]; commands: number }> {
  const hourMembers = sides.flat().flatMap((b) => (b.res === 'h' ? [pendingMember(b.start, b.stance, dim)] : []));
  const first = redis.pipeline();
  if (hourMembers.length) first.zmscore(keys.tokensPending, ...hourMembers);
  for (const side of sides) for (const b of side) first.hgetall(keys.tokens(b.res, b.start, b.stance, dim));
  const replies = await execOrThrow(first);
  const scores = hourMembers.length ? (replies.shift() as Array<string | null>) : [];
  const pending = new Set(hourMembers.filter((_, j) => scores[j] !== null));
  let i = 0;
  const hashes = sides.map((side) =>
    side.map((b) => {
      const hash = replies[i++] as Record<string, string>;
      return { b, hash: b.res === 'h' && pending.has(pendingMember(b.start, b.stance, dim)) ? undefined : hash };
    }),
  );
  const second = redis.pipeline();
  for (const side of hashes)
    for (const h of side)
      if (!h.hash) for (const s of tenMinuteStartsOf(h.b.start)) second.hgetall(keys.tokens('10m', s, h.b.stance, dim));
  const more = second.length ? await execOrThrow(second) : [];
  let m = 0;
  const out = hashes.map((side) => {
    const sum: TokenSide = { counts: new Map(), posts: 0 };
    const add = (hash: Record<string, string>) => {
      for (const [token, n] of Object.entries(hash)) {
        if (token === POSTS_FIELD) sum.posts += Number(n);
        else if (!token.startsWith('=')) sum.counts.set(token, (sum.counts.get(token) ?? 0) + Number(n));
      }
    };
    for (const h of side) {
      if (h.hash) add(h.hash);
      else for (const _ of tenMinuteStartsOf(h.b.start)) add(more[m++] as Record<string, string>);
    }
    return sum;
  }) as [TokenSide, TokenSide];
  return { sides: out, commands: (hourMembers.length ? 1 : 0) + i + more.length };
}

async function execOrThrow(pipeline: ChainableCommander): Promise<unknown[]> {
  return ((await pipeline.exec()) ?? []).map(([err, value]) => {
    if (err) throw err;
    return value;
  });
}
