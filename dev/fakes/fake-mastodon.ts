import type { ServerResponse } from 'node:http';
import { FakeHttpServer, type RecordedRequest } from './http-server.ts';

/** A status as Mastodon's REST API serialises it (the fields stancewatch reads, plus a few it ignores). */
export interface FakeStatus {
  id: string;
  created_at: string;
  uri: string;
  url: string | null;
  content: string;
  spoiler_text: string;
  language: string | null;
  visibility: 'public';
  replies_count: number;
  reblogs_count: number;
  favourites_count: number;
  reblog: FakeStatus | null;
  tags: Array<{ name: string; url: string }>;
  account: { id: string; username: string; acct: string; display_name: string; url: string };
  [extra: string]: unknown;
}

/**
 * A Mastodon instance's hashtag timelines, speaking the real wire format: `min_id` / `max_id` / `since_id`
 * paging (snowflake ids compared numerically), `limit` default 20 and max 40, `Link` headers with
 * rel="next" (older, max_id) and rel="prev" (newer, min_id), X-RateLimit-* headers, and the documented errors.
 */
export class FakeMastodon extends FakeHttpServer {
  private readonly timelines = new Map<string, FakeStatus[]>();
  private nextId = 113_000_000_000_000_000n;
  private remaining = 300;
  /** Tags this instance answers 404 for. */
  readonly missingTags = new Set<string>();
  /** Raw bodies served instead of the timeline (malformed pages). */
  readonly rawBodies: string[] = [];

  /** Adds a status to a tag's timeline and returns it. Ids grow with each call, like snowflakes. */
  post(tag: string, s: Partial<FakeStatus> & { content: string }, createdAt = new Date()): FakeStatus {
    this.nextId += 1_000n + BigInt(Math.floor(Math.random() * 1000));
    const id = String(this.nextId);
    const host = new URL(this.url || 'http://fake.invalid').host;
    const status: FakeStatus = {
      id,
      created_at: createdAt.toISOString(),
      uri: `https://${host}/users/someone/statuses/${id}`,
      url: `https://${host}/@someone/${id}`,
      spoiler_text: '',
      language: 'en',
      visibility: 'public',
      replies_count: 0,
      reblogs_count: 0,
      favourites_count: 0,
      reblog: null,
      tags: [{ name: tag.toLowerCase(), url: `https://${host}/tags/${tag}` }],
      account: {
        id: '1',
        username: 'someone',
        acct: 'someone',
        display_name: 'Someone',
        url: `https://${host}/@someone`,
      },
      ...s,
    };
    const list = this.timelines.get(tag.toLowerCase()) ?? [];
    list.push(status);
    this.timelines.set(tag.toLowerCase(), list);
    return status;
  }

  /** Tokens the instance accepts for full-text search. */
  readonly tokens = new Set<string>();

  protected respond(req: RecordedRequest, res: ServerResponse): void {
    const u = new URL(req.url, this.url);
    if (req.method === 'GET' && u.pathname === '/api/v2/search') {
      // Anonymous full-text search finds accounts and hashtags but never statuses.
      const token = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''))?.[1];
      const q = (u.searchParams.get('q') ?? '').toLowerCase();
      const minId = u.searchParams.get('min_id');
      const limit = Math.min(40, Number(u.searchParams.get('limit') ?? 20));
      let statuses =
        token && this.tokens.has(token)
          ? [...this.timelines.values()].flat().filter((s) => s.content.toLowerCase().includes(q))
          : [];
      statuses = [...new Map(statuses.map((s) => [s.id, s])).values()].sort((a, b) => cmp(b.id, a.id));
      if (minId)
        statuses = statuses
          .filter((s) => cmp(s.id, minId) > 0)
          .reverse()
          .slice(0, limit)
          .reverse();
      else statuses = statuses.slice(0, limit);
      return this.json(res, 200, { accounts: [], statuses, hashtags: [] });
    }
    const m = /^\/api\/v1\/timelines\/tag\/([^/]+)$/.exec(u.pathname);
    if (req.method !== 'GET' || !m) return this.json(res, 404, { error: 'Record not found' });
    const tag = decodeURIComponent(m[1]!).toLowerCase();
    if (this.missingTags.has(tag)) return this.json(res, 404, { error: 'Record not found' });
    this.remaining = Math.max(0, this.remaining - 1);
    const rate = {
      'x-ratelimit-limit': '300',
      'x-ratelimit-remaining': String(this.remaining),
      'x-ratelimit-reset': new Date(Date.now() + 5 * 60_000).toISOString(),
    };
    const raw = this.rawBodies.shift();
    if (raw !== undefined) {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', ...rate });
      res.end(raw);
      return;
    }
    const limit = Math.min(40, Math.max(1, Number(u.searchParams.get('limit') ?? 20) || 20));
    const maxId = u.searchParams.get('max_id');
    const minId = u.searchParams.get('min_id');
    const sinceId = u.searchParams.get('since_id');
    let list = [...(this.timelines.get(tag) ?? [])].sort((a, b) => cmp(b.id, a.id)); // newest first
    if (maxId) list = list.filter((s) => cmp(s.id, maxId) < 0);
    if (sinceId) list = list.filter((s) => cmp(s.id, sinceId) > 0);
    let page: FakeStatus[];
    if (minId) {
      // min_id: the statuses immediately after min_id (the oldest newer ones), still returned newest first.
      page = list
        .filter((s) => cmp(s.id, minId) > 0)
        .reverse()
        .slice(0, limit)
        .reverse();
    } else {
      page = list.slice(0, limit);
    }
    const headers: Record<string, string> = { ...rate };
    if (page.length > 0) {
      const base = `${this.url}/api/v1/timelines/tag/${encodeURIComponent(tag)}`;
      headers.link = `<${base}?limit=${limit}&max_id=${page[page.length - 1]!.id}>; rel="next", <${base}?limit=${limit}&min_id=${page[0]!.id}>; rel="prev"`;
    }
    this.json(res, 200, page, headers);
  }
}

function cmp(a: string, b: string): number {
  const x = BigInt(a),
    y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
