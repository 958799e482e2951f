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

/** Mastodon's snowflake id for a time (lib/mastodon/snowflake.rb): milliseconds shifted 16 bits, plus a sequence. */
export function snowflakeAt(ms: number, seq = 0): bigint {
  return (BigInt(Math.floor(ms)) << 16n) + BigInt(seq & 0xffff);
}
const snowflakeTime = (id: string) => Number(BigInt(id) >> 16n);

/**
 * A Mastodon instance, speaking the real wire format. Imitates (reference:
 * /work/shared/reference/real-services-2026.md, "Mastodon"; mastodon/mastodon lib/mastodon/snowflake.rb,
 * app/services/statuses_search_service.rb, app/models/concerns/paginable.rb; mastodon/documentation
 * methods/timelines.md, methods/search.md, entities/Instance.md):
 * - hashtag timelines with `min_id` / `max_id` / `since_id` paging (snowflake ids compared numerically;
 *   app/models/concerns/paginable.rb: `min_id` with `max_id` gives the statuses just after min_id below
 *   max_id, and then `since_id` is ignored; `max_id` with `since_id` the newest between them),
 *   `Link` rel="next" (older, max_id) and rel="prev" (newer, min_id) carrying the `limit` asked for;
 * - `limit` as app/controllers/api/base_controller.rb `limit_param` reads it: default 20, `abs` of the
 *   integer given, at most 40, so any page size from 1 to 40 is served as asked (0 gives an empty page);
 * - the JSON of REST::StatusSerializer, `id` and `created_at` first (app/serializers/rest/status_serializer.rb):
 *   the first bytes of an answer name its first status, however long its content;
 * - ids are snowflakes: a local status gets its id from its arrival time, a remote one (`remote: true`) from its
 *   `created_at`, so a post federated in late (`deliverAt`) has an id below ids already served;
 * - `/api/v2/search` (statuses need a user token): `min_id`/`max_id` are time filters on created_at, and the
 *   answer is the newest `limit` (≤ 40) matches, newest first — not the next ones after the cursor;
 * - 4.5 `timelines_access` for hashtag feeds: `authenticated` answers 401 without a token;
 * - X-RateLimit-* headers (Reset in ISO 8601) and the documented errors.
 */
export class FakeMastodon extends FakeHttpServer {
  private readonly timelines = new Map<string, FakeStatus[]>();
  private lastLocalId = 0n;
  private readonly usedIds = new Set<string>();
  private remaining = 300;
  /** 300 requests per 5 minutes per IP, in windows of the instance clock. */
  private windowEndsAt = 0;
  /** The instance's clock: local ids and late delivery follow it (a test may tie it to its collector's clock). */
  clock: () => number = Date.now;
  /** Mastodon 4.5 hashtag feed access: `authenticated` needs a user token (401 without). */
  tagTimelinesAccess: 'public' | 'authenticated' = 'public';
  /** When a status becomes visible (federated in); absent = at once. */
  private readonly deliverAt = new Map<string, number>();
  /** Tags this instance answers 404 for. */
  readonly missingTags = new Set<string>();
  /** Raw bodies served instead of the timeline (malformed pages). */
  readonly rawBodies: string[] = [];

  /**
   * Adds a status to a tag's timeline and returns it. A local status's id comes from the instance clock (its
   * arrival); a remote one's (`remote`) from `createdAt`, as Mastodon mints them. `deliverAt` hides it until then.
   */
  post(
    tag: string,
    s: Partial<FakeStatus> & { content: string },
    createdAt = new Date(this.clock()),
    opts: { remote?: boolean; deliverAt?: number } = {},
  ): FakeStatus {
    let n: bigint;
    if (opts.remote) {
      do n = snowflakeAt(createdAt.getTime(), Math.floor(Math.random() * 0xffff));
      while (this.usedIds.has(String(n)));
    } else {
      n = snowflakeAt(this.clock(), Math.floor(Math.random() * 0xffff));
      if (n <= this.lastLocalId) n = this.lastLocalId + 1n;
      this.lastLocalId = n;
    }
    const id = String(n);
    this.usedIds.add(id);
    if (opts.deliverAt !== undefined) this.deliverAt.set(id, opts.deliverAt);
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
    if (opts.remote && !s.account) status.account = { ...status.account, acct: 'someone@remote.example' };
    this.timelines.set(tag.toLowerCase(), list);
    this.sorted.delete(tag.toLowerCase());
    return status;
  }

  /** Each timeline newest first with its ids as numbers, kept until the next post: a page is a binary search, not a sort (the bench serves 100k statuses). */
  private readonly sorted = new Map<string, { list: FakeStatus[]; ids: bigint[] }>();
  private newestFirst(tag: string): { list: FakeStatus[]; ids: bigint[] } {
    let s = this.sorted.get(tag);
    if (!s) {
      const list = [...(this.timelines.get(tag) ?? [])].sort((a, b) => cmp(b.id, a.id));
      s = { list, ids: list.map((x) => BigInt(x.id)) };
      this.sorted.set(tag, s);
    }
    return s;
  }

  /** Tokens the instance accepts for full-text search. */
  readonly tokens = new Set<string>();

  private visible = (s: FakeStatus) => (this.deliverAt.get(s.id) ?? 0) <= this.clock();

  protected respond(req: RecordedRequest, res: ServerResponse): void {
    const u = new URL(req.url, this.url);
    const token = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''))?.[1];
    const authed = token !== undefined && this.tokens.has(token);
    if (req.method === 'GET' && u.pathname === '/api/v2/search') {
      // Anonymous full-text search finds accounts and hashtags but never statuses.
      const q = (u.searchParams.get('q') ?? '').toLowerCase();
      const minId = u.searchParams.get('min_id');
      const maxId = u.searchParams.get('max_id');
      const limit = limitParam(u, 20);
      let statuses = authed
        ? [...this.timelines.values()].flat().filter((s) => this.visible(s) && s.content.toLowerCase().includes(q))
        : [];
      // statuses_search_service.rb: min_id/max_id become created_at ranges; the newest matches come first, up to limit.
      if (minId) statuses = statuses.filter((s) => Date.parse(s.created_at) > snowflakeTime(minId));
      if (maxId) statuses = statuses.filter((s) => Date.parse(s.created_at) < snowflakeTime(maxId));
      statuses = [...new Map(statuses.map((s) => [s.id, s])).values()]
        .sort((a, b) => b.created_at.localeCompare(a.created_at) || cmp(b.id, a.id))
        .slice(0, limit);
      return this.json(res, 200, { accounts: [], statuses, hashtags: [] });
    }
    const m = /^\/api\/v1\/timelines\/tag\/([^/]+)$/.exec(u.pathname);
    if (req.method !== 'GET' || !m) return this.json(res, 404, { error: 'Record not found' });
    const tag = decodeURIComponent(m[1]!).toLowerCase();
    if (this.missingTags.has(tag)) return this.json(res, 404, { error: 'Record not found' });
    if (this.tagTimelinesAccess === 'authenticated' && !authed)
      return this.json(res, 401, { error: 'This API requires an authenticated user' });
    if (this.clock() >= this.windowEndsAt) {
      this.windowEndsAt = this.clock() + 5 * 60_000;
      this.remaining = 300;
    }
    this.remaining = Math.max(0, this.remaining - 1);
    const rate = {
      'x-ratelimit-limit': '300',
      'x-ratelimit-remaining': String(this.remaining),
      'x-ratelimit-reset': new Date(this.windowEndsAt).toISOString(),
    };
    const raw = this.rawBodies.shift();
    if (raw !== undefined) {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', ...rate });
      res.end(raw);
      return;
    }
    const limit = limitParam(u, 20);
    const maxId = u.searchParams.get('max_id');
    const minId = u.searchParams.get('min_id');
    // paginable.rb: with min_id, since_id plays no part.
    const sinceId = minId ? null : u.searchParams.get('since_id');
    const all = this.newestFirst(tag);
    // ids fall along the list: [lo, hi) holds those < max_id and > since_id.
    const firstBelow = (id: bigint) => bisect(all.ids, (x) => x < id);
    const lo = maxId ? firstBelow(BigInt(maxId)) : 0;
    const hi = sinceId ? firstBelow(BigInt(sinceId) + 1n) : all.list.length;
    // Late-federated statuses stay invisible until their delivery time.
    const list = all.list.slice(lo, Math.max(lo, hi)).filter(this.visible);
    let page: FakeStatus[];
    if (minId) {
      // min_id: the statuses immediately after min_id (the oldest newer ones), still returned newest first.
      const newer = list.slice(
        0,
        bisect(
          list.map((x) => BigInt(x.id)),
          (x) => x <= BigInt(minId),
        ),
      );
      page = newer.slice(Math.max(0, newer.length - limit));
    } else {
      page = list.slice(0, limit);
    }
    if (limit === 0) page = [];
    const headers: Record<string, string> = { ...rate };
    if (page.length > 0) {
      const base = `${this.url}/api/v1/timelines/tag/${encodeURIComponent(tag)}`;
      headers.link = `<${base}?limit=${limit}&max_id=${page[page.length - 1]!.id}>; rel="next", <${base}?limit=${limit}&min_id=${page[0]!.id}>; rel="prev"`;
    }
    this.json(res, 200, page, headers);
  }
}

/** base_controller.rb `limit_param`: `[params[:limit].to_i.abs, default * 2].min`, the default when absent. */
function limitParam(u: URL, byDefault: number): number {
  const raw = u.searchParams.get('limit');
  if (raw === null) return byDefault;
  return Math.min(byDefault * 2, Math.abs(Number.parseInt(raw, 10) || 0));
}

/** First index whose id satisfies `pred`, for a predicate that is false then true along the list. */
function bisect(ids: bigint[], pred: (id: bigint) => boolean): number {
  let lo = 0,
    hi = ids.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (pred(ids[mid]!)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function cmp(a: string, b: string): number {
  const x = BigInt(a),
    y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
