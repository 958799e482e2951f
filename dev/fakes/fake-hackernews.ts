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
 * Algolia's Hacker News search (`/api/v1/search_by_date`): query matching, `tags=(story,comment)`,
 * `numericFilters` on created_at_i, newest first, `page`/`nbPages`/`hitsPerPage`, and the 1,000-hit cap.
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
    const hpp = Math.min(1000, Number(u.searchParams.get('hitsPerPage') ?? 20));
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
    const nbPages = Math.ceil(reachable.length / hpp);
    this.json(res, 200, {
      hits: reachable.slice(page * hpp, (page + 1) * hpp),
      nbHits: matching.length,
      page,
      nbPages,
      hitsPerPage: hpp,
      exhaustiveNbHits: true,
      query,
      params: u.search.slice(1),
      processingTimeMS: 1,
    });
  }
}
