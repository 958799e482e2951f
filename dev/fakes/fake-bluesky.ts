import type { ServerResponse } from 'node:http';
import { FakeHttpServer, type RecordedRequest } from './http-server.ts';

interface FakePostView {
  uri: string;
  cid: string;
  author: { did: string; handle: string; displayName: string };
  record: { $type: 'app.bsky.feed.post'; text: string; createdAt: string; langs?: string[] };
  replyCount: number;
  repostCount: number;
  likeCount: number;
  quoteCount: number;
  indexedAt: string;
  labels: unknown[];
}

/**
 * A Bluesky PDS as the collector sees it. Imitates (reference: /work/shared/reference/real-services-2026.md,
 * "Bluesky"; bluesky-social/atproto packages/bsky/src/api/app/bsky/feed/searchPosts.ts, atproto#3423, #3891):
 * - createSession / refreshSession; searchPosts refuses anonymous callers (403 AuthMissing) and expired
 *   tokens (400 ExpiredToken); `sort=latest`, `since`, `until`, ratelimit-* headers (reset in epoch seconds);
 * - `since`/`until` filter on sortAt, the earlier of indexedAt and createdAt; a post is searchable only once
 *   indexed (`add(..., { indexedAt })` later than createdAt: it appears inside a window already read);
 * - cursors: v1 numeric offsets with no hitsTotal, or v2 (`searchV2`) opaque base64-JSON cursors with
 *   hitsTotal, which `omitHitsTotal` leaves out; `fillPage` can return an empty page that still has a cursor
 *   (posts added `hidden` count for paging but are dropped from the page);
 * - paging breaks past a depth (as the real one does near 10,000);
 * - `limit` 1 to 100 (the lexicon's bounds; XRPC answers 400 InvalidRequest outside them), and a cursor marks
 *   an offset whatever the `limit` (indigo search/handlers.go `parseCursorLimit`: the cursor is the offset), so
 *   a page asked again from the same cursor with fewer posts starts at the same post;
 * - the answer as packages/bsky/src/api/app/bsky/feed/searchPosts.ts presents it, `{posts, cursor, hitsTotal}`
 *   with each postView's `uri` first: the first bytes of an oversized answer name its first post, but its
 *   cursor comes after the posts.
 */
export class FakeBluesky extends FakeHttpServer {
  readonly posts: FakePostView[] = [];
  /** v2 search: opaque cursors and hitsTotal. */
  searchV2 = true;
  omitHitsTotal = false;
  /** The index's clock: a post is searchable once it is indexed. */
  clock: () => number = Date.now;
  private readonly hidden = new Set<string>();
  handle = 'stancewatch.bsky.social';
  password = 'app-pass-1234';
  cursorBreaksAt = 10_000;
  sessionsCreated = 0;
  private readonly access = new Set<string>();
  private readonly refresh = new Set<string>();
  private n = 0;

  /** A post created at `createdAt`, indexed then (or at `opts.indexedAt`, later); `hidden` is dropped from pages by hydration. */
  add(
    text: string,
    createdAt: Date,
    langs: string[] = ['en'],
    opts: { indexedAt?: Date; hidden?: boolean } = {},
  ): FakePostView {
    const indexedAt = opts.indexedAt ?? createdAt;
    const rkey = `3l${(this.n++).toString(36).padStart(11, 'a')}`;
    const did = `did:plc:user${this.n % 7}`;
    const p: FakePostView = {
      uri: `at://${did}/app.bsky.feed.post/${rkey}`,
      cid: `bafyrei${rkey}`,
      author: { did, handle: `user${this.n % 7}.bsky.social`, displayName: 'User' },
      record: { $type: 'app.bsky.feed.post', text, createdAt: createdAt.toISOString(), langs },
      replyCount: 1,
      repostCount: 2,
      likeCount: 3,
      quoteCount: 0,
      indexedAt: indexedAt.toISOString(),
      labels: [],
    };
    this.posts.push(p);
    if (opts.hidden) this.hidden.add(p.uri);
    return p;
  }

  expireAccessTokens(): void {
    this.access.clear();
  }

  private issue(res: ServerResponse): void {
    const id = `${Date.now()}-${Math.random().toString(36).slice(2)}`;
    this.access.add(`acc-${id}`);
    this.refresh.add(`ref-${id}`);
    this.json(res, 200, {
      did: 'did:plc:stancewatch',
      handle: this.handle,
      accessJwt: `acc-${id}`,
      refreshJwt: `ref-${id}`,
      active: true,
    });
  }

  protected respond(req: RecordedRequest, res: ServerResponse): void {
    const u = new URL(req.url, this.url);
    const bearer = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''))?.[1];
    const rate = {
      'ratelimit-limit': '3000',
      'ratelimit-remaining': '2990',
      'ratelimit-reset': String(Math.floor(Date.now() / 1000) + 300),
      'ratelimit-policy': '3000;w=300',
    };
    if (req.method === 'POST' && u.pathname === '/xrpc/com.atproto.server.createSession') {
      const body = JSON.parse(req.body || '{}') as { identifier?: string; password?: string };
      if (body.identifier !== this.handle || body.password !== this.password)
        return this.json(res, 401, { error: 'AuthenticationRequired', message: 'Invalid identifier or password' });
      this.sessionsCreated++;
      return this.issue(res);
    }
    if (req.method === 'POST' && u.pathname === '/xrpc/com.atproto.server.refreshSession') {
      if (!bearer || !this.refresh.has(bearer))
        return this.json(res, 400, { error: 'ExpiredToken', message: 'Token has expired' });
      this.refresh.delete(bearer);
      return this.issue(res);
    }
    if (req.method === 'GET' && u.pathname === '/xrpc/app.bsky.feed.searchPosts') {
      if (!bearer) return this.json(res, 403, { error: 'AuthMissing', message: 'Authentication Required' });
      if (!this.access.has(bearer)) return this.json(res, 400, { error: 'ExpiredToken', message: 'Token has expired' });
      const q = (u.searchParams.get('q') ?? '').toLowerCase();
      const since = u.searchParams.get('since');
      const until = u.searchParams.get('until');
      const limit = Number(u.searchParams.get('limit') ?? 25);
      if (!Number.isInteger(limit) || limit < 1 || limit > 100)
        return this.json(res, 400, { error: 'InvalidRequest', message: 'limit must be an integer from 1 to 100' });
      const raw = u.searchParams.get('cursor');
      const offset =
        raw === null
          ? 0
          : this.searchV2
            ? Number((JSON.parse(Buffer.from(raw, 'base64').toString('utf8')) as { o?: number }).o ?? NaN)
            : Number(raw);
      if (!Number.isInteger(offset))
        return this.json(res, 400, { error: 'InvalidRequest', message: 'malformed cursor' });
      if (offset >= this.cursorBreaksAt)
        return this.json(res, 502, { error: 'InternalServerError', message: 'Internal Server Error' });
      const now = new Date(this.clock()).toISOString();
      const sortAt = (p: FakePostView) => (p.indexedAt < p.record.createdAt ? p.indexedAt : p.record.createdAt);
      const hits = this.posts
        .filter(
          (p) =>
            p.indexedAt <= now &&
            p.record.text.toLowerCase().includes(q) &&
            (!since || sortAt(p) >= since) &&
            (!until || sortAt(p) < until),
        )
        .sort((a, b) => sortAt(b).localeCompare(sortAt(a)));
      const page = hits.slice(offset, offset + limit).filter((p) => !this.hidden.has(p.uri));
      const more = offset + limit < hits.length;
      const cursor = more
        ? this.searchV2
          ? Buffer.from(JSON.stringify({ o: offset + limit, v: 2 })).toString('base64')
          : String(offset + limit)
        : undefined;
      const total = this.searchV2 && !this.omitHitsTotal ? { hitsTotal: hits.length } : {};
      return this.json(res, 200, { posts: page, ...(cursor ? { cursor } : {}), ...total }, rate);
    }
    this.json(res, 404, { error: 'MethodNotImplemented', message: 'Method Not Implemented' });
  }
}
