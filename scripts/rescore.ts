import { parseArgs } from 'node:util';
import { boot } from '../shared/runtime.ts';
import type { ScoredPost } from '../shared/post.ts';
import { Rescorer } from '../workers/aggregate/rescorer.ts';
import { chooseScorer } from '../workers/score/choose-scorer.ts';

/**
 * `npm run rescore -- --since 2026-11-28 [--until 2026-11-29] [--model <id>]`
 * Re-scores the stored posts created in the range with the scorer the configuration selects (SCORER,
 * HF_*, TEI_*; `--model` overrides HF_MODEL / TEI_MODEL) and moves each post's counts from its old score
 * to the new one, exactly once. Posts older than POSTS_RETENTION_HOURS are no longer stored and keep their
 * score. Posts already scored by the same model and setup are left alone, so a second run changes nothing.
 */
const { values } = parseArgs({
  options: { since: { type: 'string' }, until: { type: 'string' }, model: { type: 'string' } },
});
const fail = (m: string): never => {
  process.stderr.write(
    `rescore: ${m}\nusage: npm run rescore -- --since <date> [--until <date>] [--model <model id>]\n`,
  );
  process.exit(2);
};
const sinceMs = Date.parse(values.since ?? '');
const untilMs = values.until ? Date.parse(values.until) : Date.now();
if (Number.isNaN(sinceMs)) fail('--since must be a date such as 2026-11-28 or 2026-11-28T12:00:00Z');
if (Number.isNaN(untilMs) || sinceMs >= untilMs) fail('--until must be a date after --since');
if (values.model) {
  process.env.HF_MODEL = values.model;
  process.env.TEI_MODEL = values.model;
}

const rt = await boot('rescore');
const { scorer } = chooseScorer(rt.cfg.scoring, rt);
const rescorer = new Rescorer(rt.redis, rt.keys, rt.cfg.retention);
const target = `${scorer.model.id}@${scorer.model.setup ?? '-'}`;
const CHUNK = 100;
const totals = { examined: 0, rescored: 0, unchanged: 0, skippedSameModel: 0, changedMeanwhile: 0 };
for (let offset = 0; ; offset += CHUNK) {
  const withScores = await rt.redis.zrange(
    rt.keys.recent('all'),
    sinceMs,
    `(${untilMs}`,
    'BYSCORE',
    'LIMIT',
    offset,
    CHUNK,
    'WITHSCORES',
  );
  if (withScores.length === 0) break;
  const ids = withScores.filter((_, i) => i % 2 === 0);
  const docs = await rt.redis.mget(ids.map((id) => rt.keys.post(id)));
  const todo = docs.flatMap((json, i) => {
    if (!json) return [];
    const indexedAtMs = Number(withScores[2 * i + 1]);
    const post = JSON.parse(json) as ScoredPost;
    totals.examined++;
    if (`${post.result.model.id}@${post.result.model.setup ?? '-'}` === target) {
      totals.skippedSameModel++;
      return [];
    }
    return [{ json, post, indexedAtMs }];
  });
  const results = await scorer.score(todo.map((t) => t.post.text));
  for (const [i, t] of todo.entries()) {
    const r = results[i]!;
    if (await rescorer.apply(t.json, t.post, r, t.indexedAtMs)) {
      totals.rescored++;
      if (r.stance === t.post.result.stance) totals.unchanged++;
    } else {
      totals.changedMeanwhile++;
    }
  }
}
process.stdout.write(
  `${JSON.stringify({ rescore: { model: scorer.model.id, setup: scorer.model.setup ?? null, since: new Date(sinceMs).toISOString(), until: new Date(untilMs).toISOString(), ...totals } }, null, 2)}\n`,
);
await rt.redis.quit();
