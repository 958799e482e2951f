import type { ServerResponse } from 'node:http';
import { FakeHttpServer, type RecordedRequest } from './http-server.ts';

interface Thing {
  kind: 't3' | 't1';
  data: Record<string, unknown> & { name: string; created_utc: number; subreddit: string };
}

/**
 * The page Reddit serves anonymous callers from server/datacenter addresses, 403 text/html (as reported in
 * D4Vinci/Scrapling#402, jina-ai/reader#1226, TauricResearch/TradingAgents#935, karanb192/reddit-mcp-buddy#34).
 */
export const REDDIT_BLOCK_PAGE = `<!DOCTYPE html>
<html><head><title>Blocked</title></head>
<body><h1>whoa there, pardner!</h1>
<p>You've been blocked by network security.</p>
<p>To continue, log in to your Reddit account or use your developer token.</p>
<p>If you think you've been blocked by mistake, file a ticket below and we'll look into it.</p>
</body></html>`;

/**
 * Reddit as a client sees it. Imitates (reference: /work/shared/reference/real-services-2026.md, "Reddit";
 * prawcore rate_limit.py; Reddit OAuth2 wiki):
 * - `/search` and `/r/<sub>/comments` listings (newest first, `limit` default 25 and at most 100, `after`;
 *   the Listing JSON puts `after` before `children`, as reddit.com does: with `limit=1` the first bytes of an
 *   answer name its one item, however long its text), the OAuth API
 *   (oauth.reddit.com) with bearer tokens, the client-credentials token endpoint (Basic id:secret);
 * - anonymous `.json` requests from a server address get **403 with the HTML block page** (`blockAnonymous`,
 *   on by default, as from any datacenter); `blockAnonymous = false` stands for a residential address;
 * - X-Ratelimit-Remaining/-Used/-Reset (seconds), and the throttling of generic User-Agents.
 */
export class FakeReddit extends FakeHttpServer {
  /** Anonymous .json callers get the block page (every server address in 2025-2026). */
  blockAnonymous = true;
  readonly things: Thing[] = [];
  clientId = 'cid';
  clientSecret = 'csecret';
  tokensIssued = 0;
  private readonly validTokens = new Set<string>();
  private seq = 1000;
  remaining = 99;

  addLink(sub: string, title: string, selftext: string, createdUtc: number): Thing {
    const id = (this.seq++).toString(36);
    const t: Thing = {
      kind: 't3',
      data: {
        id,
        name: `t3_${id}`,
        title,
        selftext,
        author: `u_${id}`,
        subreddit: sub,
        created_utc: createdUtc,
        permalink: `/r/${sub}/comments/${id}/slug/`,
        url: `https://www.reddit.com/r/${sub}/comments/${id}/slug/`,
        score: 42,
        num_comments: 7,
      },
    };
    this.things.push(t);
    return t;
  }

  addComment(sub: string, body: string, createdUtc: number): Thing {
    const id = (this.seq++).toString(36);
    const t: Thing = {
      kind: 't1',
      data: {
        id,
        name: `t1_${id}`,
        body,
        author: `u_${id}`,
        subreddit: sub,
        created_utc: createdUtc,
        link_id: 't3_abc',
        parent_id: 't3_abc',
        link_title: 'Durov arrested',
        permalink: `/r/${sub}/comments/abc/slug/${id}/`,
        score: 3,
      },
    };
    this.things.push(t);
    return t;
  }

  revokeTokens(): void {
    this.validTokens.clear();
  }

  protected respond(req: RecordedRequest, res: ServerResponse): void {
    const u = new URL(req.url, this.url);
    const ua = String(req.headers['user-agent'] ?? '');
    if (!/^[\w.-]+:[\w.-]+:[\w.-]+ \(by \/u\/[\w-]+\)$/.test(ua))
      return this.json(res, 429, { message: 'Too Many Requests', error: 429 });
    if (req.method === 'POST' && u.pathname === '/api/v1/access_token') {
      const expected = `Basic ${Buffer.from(`${this.clientId}:${this.clientSecret}`).toString('base64')}`;
      if (req.headers.authorization !== expected || !req.body.includes('grant_type=client_credentials'))
        return this.json(res, 401, { message: 'Unauthorized', error: 401 });
      const token = `tok-${++this.tokensIssued}`;
      this.validTokens.add(token);
      return this.json(res, 200, { access_token: token, token_type: 'bearer', expires_in: 86_400, scope: '*' });
    }
    const json = u.pathname.endsWith('.json');
    const path = u.pathname.replace(/\.json$/, '');
    if (json && this.blockAnonymous) {
      res.writeHead(403, { 'content-type': 'text/html; charset=utf-8' });
      res.end(REDDIT_BLOCK_PAGE);
      return;
    }
    if (!json) {
      const token = /^[Bb]earer (.+)$/.exec(String(req.headers.authorization ?? ''))?.[1];
      if (!token || !this.validTokens.has(token)) return this.json(res, 401, { message: 'Unauthorized', error: 401 });
    }
    let list: Thing[];
    const sub = /^\/r\/([^/]+)\/comments$/.exec(path)?.[1];
    if (path === '/search') {
      const q = (u.searchParams.get('q') ?? '').toLowerCase();
      list = this.things.filter(
        (t) => t.kind === 't3' && `${t.data.title} ${t.data.selftext}`.toLowerCase().includes(q),
      );
    } else if (sub) {
      list = this.things.filter((t) => t.kind === 't1' && t.data.subreddit.toLowerCase() === sub.toLowerCase());
    } else {
      return this.json(res, 404, { message: 'Not Found', error: 404 });
    }
    list = [...list].sort((a, b) => b.data.created_utc - a.data.created_utc);
    const after = u.searchParams.get('after');
    if (after) list = list.slice(list.findIndex((t) => t.data.name === after) + 1);
    const limit = Math.min(100, Math.max(1, Number.parseInt(u.searchParams.get('limit') ?? '25', 10) || 25));
    const page = list.slice(0, limit);
    this.remaining = Math.max(0, this.remaining - 1);
    const more = list.length > limit;
    this.json(
      res,
      200,
      {
        kind: 'Listing',
        data: {
          after: more ? page.at(-1)!.data.name : null,
          before: null,
          dist: page.length,
          modhash: '',
          geo_filter: '',
          children: page,
        },
      },
      {
        'x-ratelimit-used': String(100 - this.remaining),
        'x-ratelimit-remaining': String(this.remaining),
        'x-ratelimit-reset': '420',
      },
    );
  }
}
