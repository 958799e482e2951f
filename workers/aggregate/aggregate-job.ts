import { metricLang } from '../../shared/metrics.ts';
import type { HandlerFactory } from '../stage.ts';
import { TokenCounter } from './token-counter.ts';
import { TrendWriter } from './trend-writer.ts';

/**
 * Counts a batch of scored posts into the buckets, each exactly once (see TrendWriter), then the tokens of
 * the posts counted now into the drivers' token hashes (see TokenCounter).
 */
export const aggregateJob: HandlerFactory<'aggregate'> = ({ redis, keys, metrics, cfg }) => {
  const writer = new TrendWriter(redis, keys, cfg.retention);
  const tokens = new TokenCounter(redis, keys);
  return async (job) => {
    const added = await writer.add(job.data.posts);
    await tokens.add(added);
    for (const p of added)
      metrics.postsAggregated.inc({ source: p.source, stance: p.result.stance, lang: metricLang(p.lang) });
    return { added: added.length, duplicates: job.data.posts.length - added.length };
  };
};
