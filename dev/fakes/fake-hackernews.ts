import type { ServerResponse } from 'node:http';
import { FakeHttpServer, type RecordedRequest } from './http-server.ts';

export interface FakeHit {
  objectID: string;
  created_at: string;
  created_at_i: number;
  author: string;
  title: string | null;
  url: string | null;
  story_text: string | null;
  comment_text: string | null;
  points: number | null;
  num_comments: number | null;
  story_id: number | null;
  story_title: string | null;
  parent_id: number | null;
  _tags: string[];
}

/**
 * Algolia's Hacker News search (`/api/v1/search_by_date`). Imitates (reference:
 * /work/shared/reference/real-services-2026.md, "Hacker News (Algolia)"; Algolia's API parameters
 * `hitsPerPage`, `page`, `paginationLimitedTo`):
 * - query matching, `tags=(story,comment)`, `numericFilters` on created_at_i, newest first;
 * - `page` × `hitsPerPage` paging: page p holds hits p·n to p·n+n−1, so any page size from 1 to 1,000 can
 *   start at any multiple of itself; `nbPages` follows the size asked for; nothing past the 1,000th hit;
 * - the answer as hn.algolia.com sends it: keys in alphabetical order, each hit led by `_highlightResult`
 *   (which repeats its text), so a hit's `objectID` and `created_at_i` come after its text, and the first
 *   bytes of an oversized answer never name the hit that made it so.
 */
export class FakeHackerNews extends FakeHttpServer {
  readonly hits: FakeHit[] = [];
  private nextId = 41_300_000;

  add(
    kind: 'story' | 'comment',
    text: string,
    createdAtS: number,
    title = 'Telegram founder Pavel Durov arrested in France',
  ): FakeHit {
    const id = String(this.nextId++);
    const hit: FakeHit = {
      objectID: id,
      created_at: new Date(createdAtS * 1000).toISOString(),
      created_at_i: createdAtS,
      author: `hn_user_${id.slice(-3)}`,
      title: kind === 'story' ? title : null,
      url: kind === 'story' ? 'https://example.org/news' : null,
      story_text: kind === 'story' ? text : null,
      comment_text: kind === 'comment' ? text : null,
      points: kind === 'story' ? 120 : null,
      num_comments: kind === 'story' ? 45 : null,
      story_id: kind === 'comment' ? 41_299_999 : null,
      story_title: kind === 'comment' ? title : null,
      parent_id: kind === 'comment' ? 41_299_999 : null,
      _tags: [kind, `author_hn_user_${id.slice(-3)}`, kind === 'comment' ? 'story_41299999' : `story_${id}`],
    };
    this.hits.push(hit);
    return hit;
  }

  protected respond(req: RecordedRequest, res: ServerResponse): void {
    const u = new URL(req.url, this.url);
    if (u.pathname !== '/api/v1/search_by_date') return this.json(res, 404, { message: 'Not Found', status: 404 });
    const query = (u.searchParams.get('query') ?? '').toLowerCase();
    const tags = (u.searchParams.get('tags') ?? '').replace(/[()]/g, '').split(',').filter(Boolean);
    const filters = (u.searchParams.get('numericFilters') ?? '').split(',').filter(Boolean);
    const hpp = Math.max(0, Math.min(1000, Number.parseInt(u.searchParams.get('hitsPerPage') ?? '20', 10) || 0));
    const page = Number(u.searchParams.get('page') ?? 0);
    let matching = this.hits.filter((h) =>
      `${h.title ?? ''} ${h.story_text ?? ''} ${h.comment_text ?? ''}`.toLowerCase().includes(query),
    );
    if (tags.length) matching = matching.filter((h) => tags.some((t) => h._tags.includes(t)));
    for (const f of filters) {
      const m = /^created_at_i(<=|>=|<|>|=)(\d+)$/.exec(f);
      if (!m) return this.json(res, 400, { message: `invalid numericFilters: ${f}`, status: 400 });
      const v = Number(m[2]);
      const ops: Record<string, (x: number) => boolean> = {
        '<': (x) => x < v,
        '<=': (x) => x <= v,
        '>': (x) => x > v,
        '>=': (x) => x >= v,
        '=': (x) => x === v,
      };
      matching = matching.filter((h) => ops[m[1]!]!(h.created_at_i));
    }
    matching.sort((a, b) => b.created_at_i - a.created_at_i || Number(b.objectID) - Number(a.objectID));
    const reachable = matching.slice(0, 1000);
    const nbPages = hpp === 0 ? 0 : Math.ceil(reachable.length / hpp);
    this.json(
      res,
      200,
      sortedKeys({
        exhaustiveNbHits: true,
        hits: hpp === 0 ? [] : reachable.slice(page * hpp, (page + 1) * hpp).map(asSent),
        hitsPerPage: hpp,
        nbHits: matching.length,
        nbPages,
        page,
        params: u.search.slice(1),
        processingTimeMS: 1,
        query,
      }),
    );
  }
}

/** A hit as Algolia sends it: `_highlightResult` (its text again) first, then its fields in alphabetical order. */
function asSent(hit: FakeHit): Record<string, unknown> {
  const highlight = (value: string | null) => ({ matchLevel: 'none', matchedWords: [], value: value ?? '' });
  const texts = Object.fromEntries(
    (['author', 'comment_text', 'story_text', 'title'] as const)
      .filter((k) => hit[k] !== null)
      .map((k) => [k, highlight(hit[k])]),
  );
  return { _highlightResult: texts, ...sortedKeys({ ...hit }) };
}

function sortedKeys<T extends Record<string, unknown>>(o: T): T {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) as T;
}
