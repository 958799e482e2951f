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
 * A Bluesky PDS as the collector sees it: createSession / refreshSession, searchPosts that refuses
 * anonymous callers (403 AuthMissing) and expired tokens (400 ExpiredToken), `sort=latest`, `since`,
 * `until`, offset cursors that break past a limit (as the real one does near 10,000), ratelimit-* headers.
 */
export class FakeBluesky extends FakeHttpServer {
  readonly posts: FakePostView[] = [];
  handle = 'stancewatch.bsky.social';
  password = 'app-pass-1234';
  cursorBreaksAt = 10_000;
  sessionsCreated = 0;
  private readonly access = new Set<string>();
  private readonly refresh = new Set<string>();
  private n = 0;

  add(text: string, indexedAt: Date, langs: string[] = ['en']): FakePostView {
    const rkey = `3l${(this.n++).toString(36).padStart(11, 'a')}`;
    const did = `did:plc:user${this.n % 7}`;
    const p: FakePostView = {
      uri: `at://${did}/app.bsky.feed.post/${rkey}`,
      cid: `bafyrei${rkey}`,
      author: { did, handle: `user${this.n % 7}.bsky.social`, displayName: 'User' },
      record: { $type: 'app.bsky.feed.post', text, createdAt: indexedAt.toISOString(), langs },
      replyCount: 1,
      repostCount: 2,
      likeCount: 3,
      quoteCount: 0,
      indexedAt: indexedAt.toISOString(),
      labels: [],
    };
    this.posts.push(p);
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
      const limit = Math.min(100, Number(u.searchParams.get('limit') ?? 25));
      const offset = Number(u.searchParams.get('cursor') ?? 0);
      if (offset >= this.cursorBreaksAt)
        return this.json(res, 502, { error: 'InternalServerError', message: 'Internal Server Error' });
      const hits = this.posts
        .filter(
          (p) =>
            p.record.text.toLowerCase().includes(q) &&
            (!since || p.indexedAt >= since) &&
            (!until || p.indexedAt < until),
        )
        .sort((a, b) => b.indexedAt.localeCompare(a.indexedAt));
      const page = hits.slice(offset, offset + limit);
      return this.json(
        res,
        200,
        {
          ...(offset + limit < hits.length ? { cursor: String(offset + limit) } : {}),
          hitsTotal: hits.length,
          posts: page,
        },
        rate,
      );
    }
    this.json(res, 404, { error: 'MethodNotImplemented', message: 'Method Not Implemented' });
  }
}
