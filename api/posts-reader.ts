import type { Redis } from 'ioredis';
import type { Keys } from '../shared/keys.ts';
import type { ScoredPost, Stance } from '../shared/post.ts';
import type { PostsCursor } from './params.ts';

export interface PostFilters {
  stance?: Stance;
  source?: string;
  lang?: string;
}

export interface PostsPage {
  posts: ScoredPost[];
  next?: PostsCursor;
}

const CHUNK = 200;
/** Index entries examined per request at most, so a rare combination of filters cannot make one request expensive. */
const SCAN_CAP = 5_000;

/**
 * Recent scored posts, newest first. Each filter has its own index (a sorted set by creation time); the
 * smallest applicable index is walked and the other filters are checked on the posts themselves.
 */
export class PostsReader {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  async page(f: PostFilters, limit: number, cursor?: PostsCursor): Promise<PostsPage> {
    const index = await this.smallestIndex(f);
    const posts: ScoredPost[] = [];
    let last: PostsCursor | undefined;
    let scanned = 0;
    let offset = 0;
    let exhausted = false;
    scan: while (posts.length < limit && scanned < SCAN_CAP) {
      const raw = await this.redis.zrange(
        index,
        cursor ? cursor.t : '+inf',
        '-inf',
        'BYSCORE',
        'REV',
        'LIMIT',
        offset,
        CHUNK,
        'WITHSCORES',
      );
      const count = raw.length / 2;
      offset += count;
      const entries: PostsCursor[] = [];
      for (let i = 0; i < raw.length; i += 2) {
        const e = { k: raw[i]!, t: Number(raw[i + 1]) };
        // Equal times come in reverse key order: everything down to the cursor's own key was on earlier pages.
        if (cursor && e.t === cursor.t && e.k >= cursor.k) continue;
        entries.push(e);
      }
      const docs = entries.length ? await this.redis.mget(entries.map((e) => this.keys.post(e.k))) : [];
      for (let i = 0; i < entries.length; i++) {
        if (posts.length >= limit || scanned >= SCAN_CAP) break scan; // stopped early: more may follow
        scanned++;
        last = entries[i];
        const doc = docs[i];
        if (!doc) continue; // expired with its retention; the index entry goes at the next trim
        const post = JSON.parse(doc) as ScoredPost;
        if (matches(post, f)) posts.push(post);
      }
      if (count < CHUNK) {
        exhausted = true;
        break;
      }
    }
    return { posts, ...(last && !exhausted ? { next: last } : {}) };
  }

  private async smallestIndex(f: PostFilters): Promise<string> {
    const candidates = [
      f.stance && this.keys.recent(`stance=${f.stance}`),
      f.source && this.keys.recent(`source=${f.source}`),
      f.lang && this.keys.recent(`lang=${f.lang}`),
    ].filter((x): x is string => Boolean(x));
    if (candidates.length === 0) return this.keys.recent('all');
    const sizes = await Promise.all(candidates.map((k) => this.redis.zcard(k)));
    return candidates[sizes.indexOf(Math.min(...sizes))]!;
  }
}

function matches(p: ScoredPost, f: PostFilters): boolean {
  return (
    (!f.stance || p.result.stance === f.stance) &&
    (!f.source || p.source === f.source) &&
    (!f.lang || p.lang === f.lang)
  );
}
