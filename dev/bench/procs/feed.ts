import { readFileSync } from 'node:fs';
import { FakeMastodon } from '../../fakes/fake-mastodon.ts';
import { serve } from '../ipc.ts';

/**
 * The source, out of the measured process: one fake Mastodon instance with several hashtag timelines.
 * `load` fills them with corpus texts made unique by a number, and `shared` copies of statuses that reach
 * every timeline at once (the same text, different statuses: what cross-posts look like to us).
 */
const corpus = readFileSync(new URL('../../../data/sample-corpus.jsonl', import.meta.url), 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l) as { text: string; label: string; lang: string })
  .filter((r) => r.label !== 'off-topic');
const fake = await new FakeMastodon().start();

serve(
  {
    url: () => fake.url,
    load: ({
      tags,
      posts,
      shared,
      spreadMs,
      prefix,
    }: {
      tags: string[];
      posts: number;
      shared: number;
      spreadMs: number;
      prefix: string;
    }) => {
      const start = Date.now() - spreadMs - 60_000;
      for (let i = 0; i < posts; i++) {
        const r = corpus[i % corpus.length]!;
        fake.post(
          tags[i % tags.length]!,
          { content: `<p>${r.text} (${prefix}${i})</p>`, language: r.lang },
          new Date(start + Math.floor((i / posts) * spreadMs)),
        );
      }
      for (let j = 0; j < shared; j++) {
        const r = corpus[j % corpus.length]!;
        for (const tag of tags)
          fake.post(
            tag,
            { content: `<p>${r.text} (${prefix}shared ${j})</p>`, language: r.lang },
            new Date(start + Math.floor((j / shared) * spreadMs)),
          );
      }
      return posts + shared * tags.length;
    },
    /** One live status now; returns its marker text. */
    live: ({ tag, marker }: { tag: string; marker: string }) => {
      fake.post(tag, { content: `<p>Durov: free speech matters ${marker}</p>`, language: 'en' });
      return Date.now();
    },
  },
  () => fake.stop(),
);
