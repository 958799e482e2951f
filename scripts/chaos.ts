import { parseArgs } from 'node:util';
import { runChaos } from '../dev/chaos.ts';

/**
 * `npm run chaos -- [--trials 20] [--posts 60] [--seed N]`: SIGKILLs the real workers process at chosen and
 * random moments (dev/chaos.ts) with each scorer in turn, and prints one JSON line per trial and a total.
 * Exits 1 if any post was lost or counted twice, or anything but JSON reached the log.
 */
const { values } = parseArgs({
  options: {
    trials: { type: 'string', default: '20' },
    posts: { type: 'string', default: '60' },
    seed: { type: 'string' },
  },
});
const trials = Number(values.trials);
const posts = Number(values.posts);
if (!Number.isInteger(trials) || trials < 1 || trials > 1_000)
  throw new Error('--trials must be a whole number from 1 to 1000');
if (!Number.isInteger(posts) || posts < 1 || posts > 10_000)
  throw new Error('--posts must be a whole number from 1 to 10000');
const seed = values.seed ? Number(values.seed) : Date.now() % 1_000_000;
process.stderr.write(`chaos: ${trials} trials, ${posts} posts each, seed ${seed}\n`);
const results = await runChaos({
  trials,
  postsPerTrial: posts,
  seed,
  onTrial: (r) => process.stdout.write(`${JSON.stringify(r)}\n`),
});
const sum = (f: (r: (typeof results)[number]) => number) => results.reduce((a, r) => a + f(r), 0);
const total = {
  trials: results.length,
  seed,
  posts: sum((r) => r.posts),
  kills: sum((r) => r.kills),
  lost: sum((r) => r.lost),
  doubled: sum((r) => r.doubled),
  parkedJobs: sum((r) => r.parkedJobs),
  jobsKilledTwice: results.filter((r) => r.sameJobStalls >= 2).length,
  nonJsonLogLines: sum((r) => r.nonJsonLogLines),
};
process.stdout.write(`${JSON.stringify({ total })}\n`);
process.exit(total.lost === 0 && total.doubled === 0 && total.nonJsonLogLines === 0 ? 0 : 1);
