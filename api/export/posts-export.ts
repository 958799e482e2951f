import type { Redis } from 'ioredis';
import type { Keys } from '../../shared/keys.ts';
import type { ExportFormat, Stance } from '../../shared/lists.ts';
import type { ScoredPost } from '../../shared/post.ts';
import { csvRow } from './csv.ts';

export interface PostsExportFilters {
  /** Epoch ms, inclusive. */
  fromMs: number;
  /** Epoch ms, exclusive. */
  toMs: number;
  stance?: Stance;
  source?: string;
  lang?: string;
}

/** Posts fetched per round trip: the export holds at most this many in memory, whatever the total. */
export const EXPORT_CHUNK = 500;

/**
 * Every stored post in [fromMs, toMs) that matches the filters, oldest first, read in chunks by keyset
 * pagination over the smallest applicable recent-posts index (a sorted set by creation time). The position
 * is the last score plus the keys already given at that score, so equal timestamps are neither skipped nor
 * repeated, and Redis never has to walk an offset.
 */
export async function* exportPosts(
  redis: Redis,
  keys: Keys,
  f: PostsExportFilters,
  chunk = EXPORT_CHUNK,
): AsyncGenerator<ScoredPost> {
  const index = await smallestIndex(redis, keys, f);
  let min = String(f.fromMs);
  let lastScore: number | undefined;
  let atLastScore = new Set<string>();
  for (;;) {
    const limit = chunk + atLastScore.size;
    const raw = await redis.zrange(index, min, `(${f.toMs}`, 'BYSCORE', 'LIMIT', 0, limit, 'WITHSCORES');
    const entries: Array<{ k: string; t: number }> = [];
    for (let i = 0; i < raw.length; i += 2) {
      const e = { k: raw[i]!, t: Number(raw[i + 1]) };
      if (e.t === lastScore && atLastScore.has(e.k)) continue;
      entries.push(e);
    }
    if (entries.length) {
      const docs = await redis.mget(entries.map((e) => keys.post(e.k)));
      for (const doc of docs) {
        if (!doc) continue; // expired with its retention; its index entry goes at the next trim
        const post = JSON.parse(doc) as ScoredPost;
        if (matches(post, f)) yield post;
      }
      const last = entries[entries.length - 1]!;
      if (last.t !== lastScore) atLastScore = new Set();
      for (const e of entries) if (e.t === last.t) atLastScore.add(e.k);
      lastScore = last.t;
      min = String(last.t);
    }
    if (raw.length / 2 < limit) return;
  }
}

async function smallestIndex(redis: Redis, keys: Keys, f: PostsExportFilters): Promise<string> {
  const candidates = [
    f.stance && keys.recent(`stance=${f.stance}`),
    f.source && keys.recent(`source=${f.source}`),
    f.lang && keys.recent(`lang=${f.lang}`),
  ].filter((x): x is string => Boolean(x));
  if (candidates.length === 0) return keys.recent('all');
  const sizes = await Promise.all(candidates.map((k) => redis.zcard(k)));
  return candidates[sizes.indexOf(Math.min(...sizes))]!;
}

function matches(p: ScoredPost, f: PostsExportFilters): boolean {
  return (
    (!f.stance || p.result.stance === f.stance) &&
    (!f.source || p.source === f.source) &&
    (!f.lang || p.lang === f.lang)
  );
}

/** What an exported post says: where to read it, its language and score, which scorer gave it, and a pseudonym for its author. */
export interface ExportedPost {
  createdAt: string;
  source: string;
  url: string;
  lang: string;
  stance: Stance;
  score: number;
  confidence: number;
  model: string;
  /** Keyed-hash pseudonym (HMAC), as stored: never the handle. */
  author: string;
  text: string;
}

export const POST_COLUMNS = [
  'createdAt',
  'source',
  'url',
  'lang',
  'stance',
  'score',
  'confidence',
  'model',
  'author',
  'text',
] as const satisfies ReadonlyArray<keyof ExportedPost>;

export function exportedPost(p: ScoredPost): ExportedPost {
  return {
    createdAt: p.createdAt,
    source: p.source,
    url: p.url,
    lang: p.lang,
    stance: p.result.stance,
    score: p.result.score,
    confidence: p.result.confidence,
    model: p.result.model.id,
    author: p.author,
    text: p.text,
  };
}

/** The export as lines of text (a CSV header first), ready for a stream. */
export async function* postLines(posts: AsyncIterable<ScoredPost>, format: ExportFormat): AsyncGenerator<string> {
  if (format === 'csv') yield csvRow(POST_COLUMNS);
  for await (const p of posts) {
    const row = exportedPost(p);
    yield format === 'csv' ? csvRow(POST_COLUMNS.map((c) => row[c])) : `${JSON.stringify(row)}\n`;
  }
}
