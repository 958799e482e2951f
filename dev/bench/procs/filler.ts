import { loadConfig } from '../../../shared/config.ts';
import { createKeys } from '../../../shared/keys.ts';
import type { ScoredPost } from '../../../shared/post.ts';
import { createRedis } from '../../../shared/redis.ts';
import { TrendWriter } from '../../../workers/aggregate/trend-writer.ts';
import { BUILTIN_MODEL } from '../../../workers/score/builtin/scorer.ts';
import { serve } from '../ipc.ts';

/**
 * Grows the stored data for the read benchmarks (100k → 1M posts) through the real aggregate writer,
 * without collecting or scoring, and plays a live trickle of writes while the API is under load, so the
 * data version moves (once a second) as it does in production.
 */
const cfg = loadConfig(process.env);
const redis = createRedis(cfg.redis.url, 'bench-filler');
const writer = new TrendWriter(redis, createKeys(cfg.redis.prefix), cfg.retention);
const STANCES = ['support', 'criticism', 'neutral'] as const;
const SOURCES = ['mastodon', 'bluesky', 'hackernews', 'reddit', 'telegram', 'rss'] as const;
const LANGS = ['en', 'ru', 'fr', 'uk', 'de', 'und'];
let n = 0;
const make = (createdMs: number): ScoredPost => {
  const i = n++;
  const stance = STANCES[i % 3]!;
  return {
    source: SOURCES[i % SOURCES.length]!,
    id: `fill-${process.pid}-${i}`,
    url: `https://example.org/p/${i}`,
    text: `Durov filler post number ${i}, free speech and accountability`,
    lang: LANGS[i % LANGS.length]!,
    createdAt: new Date(createdMs).toISOString(),
    author: 'A'.repeat(22),
    engagement: { likes: 0, reposts: 0, replies: 0 },
    result: {
      stance,
      score: stance === 'support' ? 0.6 : stance === 'criticism' ? -0.6 : 0,
      confidence: 0.7,
      model: BUILTIN_MODEL,
    },
    scoredAt: new Date().toISOString(),
  };
};
let live: NodeJS.Timeout | undefined;

serve(
  {
    fill: async ({ posts, spreadMs }: { posts: number; spreadMs: number }) => {
      const now = Date.now();
      const t0 = performance.now();
      const BATCH = 200;
      let next = 0;
      const lane = async () => {
        while (next < posts) {
          const from = next;
          next += BATCH;
          const batch = Array.from({ length: Math.min(BATCH, posts - from) }, (_, j) =>
            make(now - Math.floor(((from + j) / posts) * spreadMs)),
          );
          await writer.add(batch, now);
        }
      };
      await Promise.all([lane(), lane(), lane(), lane()]);
      return { posts, seconds: Number(((performance.now() - t0) / 1000).toFixed(1)) };
    },
    live: ({ perSecond }: { perSecond: number }) => {
      clearInterval(live);
      if (perSecond > 0)
        live = setInterval(() => void writer.add(Array.from({ length: perSecond }, () => make(Date.now()))), 1_000);
      return true;
    },
  },
  async () => {
    clearInterval(live);
    await redis.quit();
  },
);
