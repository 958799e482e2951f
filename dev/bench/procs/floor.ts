import { parseTimelinePage, statusToPost } from '../../../workers/collect/sources/mastodon/parse.ts';
import { parseLinkHeader } from '../../../workers/collect/sources/link-header.ts';
import { LinearScorer } from '../../../workers/score/builtin/linear.ts';
import { tokensOf } from '../../../shared/drivers/tokens.ts';
import { textFingerprint } from '../../../shared/text/fingerprint.ts';
import type { Post } from '../../../shared/post.ts';
import { serve } from '../ipc.ts';

/**
 * The per-post work no pipeline design can skip, in one process with no Redis, queue or network: parse the
 * source's page and validate each status, turn its HTML into text, score it with the built-in model,
 * fingerprint it for the score cache and take its tokens for the drivers. The pages are the fake Mastodon's
 * own wire bodies, fetched once before the clock starts. Each step runs over all posts in turn and is timed
 * by process.cpuUsage(); the best of three passes is kept, so a busy moment on the machine does not count.
 */
const cpuUs = () => {
  const c = process.cpuUsage();
  return c.user + c.system;
};

async function pages(url: string, tag: string, want: number): Promise<string[]> {
  const bodies: string[] = [];
  let next: string | undefined = `${url}/api/v1/timelines/tag/${tag}?limit=40`;
  let n = 0;
  while (next && n < want) {
    const res: Response = await fetch(next);
    const body = await res.text();
    if (!res.ok) throw new Error(`floor: ${res.status} from the fake`);
    bodies.push(body);
    n += (JSON.parse(body) as unknown[]).length;
    next = parseLinkHeader(res.headers.get('link')).next;
  }
  return bodies;
}

function timeSteps(bodies: string[]) {
  const scorer = new LinearScorer();
  const us: Record<string, number> = {};
  const step = <T>(name: string, f: () => T): T => {
    const t = cpuUs();
    const out = f();
    us[name] = cpuUs() - t;
    return out;
  };
  const statuses = step('parse and validate the page', () => bodies.flatMap((b) => parseTimelinePage(b).statuses));
  const posts: Post[] = step('HTML to text, language', () =>
    statuses.map((s) => statusToPost(s, 'bench.example', 'k')),
  );
  step('score (built-in linear)', () => posts.map((p) => scorer.scoreText(p.text)));
  step('fingerprint', () => posts.map((p) => textFingerprint(p.text)));
  step('tokens for the drivers', () => posts.map((p) => tokensOf(p.text)));
  return { posts: posts.length, us };
}

serve({
  run: async ({ url, tag, posts }: { url: string; tag: string; posts: number }) => {
    const bodies = await pages(url, tag, posts);
    let best: ReturnType<typeof timeSteps> | undefined;
    let bestTotal = Infinity;
    for (let pass = 0; pass < 3; pass++) {
      const r = timeSteps(bodies);
      const total = Object.values(r.us).reduce((a, b) => a + b, 0);
      if (total < bestTotal) [best, bestTotal] = [r, total];
    }
    const n = best!.posts;
    return {
      posts: n,
      cpuUsPerPost: Number((bestTotal / n).toFixed(1)),
      byStepUsPerPost: Object.fromEntries(Object.entries(best!.us).map(([k, v]) => [k, Number((v / n).toFixed(1))])),
    };
  },
});
