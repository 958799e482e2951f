import { request, Agent } from 'node:http';
import fc from 'fast-check';
import type { Redis } from 'ioredis';
import { openapi } from '../api/openapi.ts';
import type { Keys } from '../shared/keys.ts';
import type { ScoredPost } from '../shared/post.ts';
import { TrendWriter } from '../workers/aggregate/trend-writer.ts';

/**
 * Property-based fuzzing of the API (fast-check), shared by `npm test` (a few hundred requests) and
 * `npm run fuzz -- --runs 10000`. The operations and their parameters are read from the OpenAPI document,
 * so an endpoint added there is fuzzed without touching this file. Each request mixes valid values,
 * out-of-range and wrong-typed values, malformed percent-encoding, repeated and unknown parameters and
 * huge values; the property: no answer is 5xx, and every 4xx is problem+json whose `status` is the status.
 */
interface Param {
  name: string;
  in: 'query' | 'path';
  schema: { type?: string; enum?: readonly string[]; minimum?: number; maximum?: number; pattern?: string };
}
export interface Operation {
  method: string;
  path: string;
  params: Param[];
}

export function operations(
  doc: { paths: Record<string, Record<string, { parameters?: readonly unknown[] }>> } = openapi as never,
): Operation[] {
  return Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({
      method: method.toUpperCase(),
      path,
      params: (op.parameters ?? []) as Param[],
    })),
  );
}

/** Bytes that break percent-decoding: truncated escapes, non-hex digits, overlong and surrogate UTF-8, lone bytes. */
const MALFORMED = [
  '%',
  '%E0%A4%A',
  '%zz',
  '%C3%28',
  '%ED%A0%80',
  '%C0%AF',
  '%%',
  '%FF%FE',
  '%E2%82',
  '%0',
  '%u0041',
  '%00',
];
/** Printable ASCII that may travel unencoded in a request target (no space, no #). */
const RAW_SAFE = /^[!$&'()*+,\-./0-9:;=?@A-Z_a-z~%[\]{}|^`"<>\\]*$/;

const fragment = fc.oneof(
  fc.constantFrom(...MALFORMED),
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'grapheme', maxLength: 8 }),
  fc.constantFrom(
    '-1',
    '0',
    '1e9',
    'NaN',
    'Infinity',
    '2024-13-45T99:99:99Z',
    '9999999999999',
    '__proto__',
    'constructor',
    '../..',
    '\u202Eevil',
    'du\u200Brov',
    "'; DROP",
    '<script>',
  ),
);

function valueFor(p: Param): fc.Arbitrary<string> {
  const s = p.schema ?? {};
  const valid: Array<fc.Arbitrary<string>> = [];
  if (s.enum) valid.push(fc.constantFrom(...s.enum));
  if (s.type === 'integer')
    valid.push(fc.integer({ min: (s.minimum ?? 0) - 5, max: (s.maximum ?? 1_000) + 5 }).map(String));
  if (p.name === 'from' || p.name === 'to' || p.name === 'since') {
    valid.push(
      fc
        .date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
        .map((d) => d.toISOString()),
    );
    valid.push(fc.integer({ min: 0, max: 4_102_444_800 }).map(String));
  }
  if (s.pattern === '^[a-z]{2,3}$') valid.push(fc.constantFrom('en', 'ru', 'fr', 'und', 'xx'));
  return fc.oneof(
    { weight: 3, arbitrary: valid.length ? fc.oneof(...valid) : fc.string({ maxLength: 20 }) },
    { weight: 3, arbitrary: fc.array(fragment, { minLength: 1, maxLength: 4 }).map((a) => a.join('')) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom('a', '%41', '9', 'é'), fc.integer({ min: 1_000, max: 20_000 }))
        .map(([c, n]) => c.repeat(n)),
    },
    { weight: 1, arbitrary: fc.constant('') },
  );
}

/** A value as it goes on the wire: percent-encoded, or raw when that is representable (so malformed escapes stay malformed). */
const onWire = (v: string, raw: boolean) => (raw && RAW_SAFE.test(v) ? v : encodeURIComponent(v));

export interface FuzzRequest {
  method: string;
  target: string;
  headers: Record<string, string>;
  operation: string;
}

export function requestArbitrary(ops: Operation[] = operations()): fc.Arbitrary<FuzzRequest> {
  return fc.constantFrom(...ops).chain((op) => {
    const query = op.params.filter((p) => p.in === 'query');
    const pathParams = op.params.filter((p) => p.in === 'path');
    const names = [...query.map((p) => p.name), 'unknown', 'limit[]', '__proto__', ''];
    const pair = fc.oneof(
      {
        weight: 4,
        arbitrary: query.length
          ? fc.constantFrom(...query).chain((p) => valueFor(p).map((v) => [p.name, v] as const))
          : fc.constant(['x', '1'] as const),
      },
      {
        weight: 1,
        arbitrary: fc.tuple(
          fc.oneof(fc.constantFrom(...names), fc.string({ maxLength: 6 }), fc.constantFrom(...MALFORMED)),
          fc.string({ maxLength: 10 }),
        ),
      },
    );
    return fc
      .record({
        method: fc.oneof(
          { weight: 12, arbitrary: fc.constant(op.method) },
          { weight: 1, arbitrary: fc.constantFrom('HEAD', 'POST', 'DELETE', 'OPTIONS', 'PUT') },
        ),
        path: fc.tuple(...pathParams.map((p) => fc.tuple(valueFor(p), fc.boolean()))).map((vals) => {
          let path = op.path;
          pathParams.forEach((p, i) => {
            path = path.replace(`{${p.name}}`, onWire(vals[i]![0], vals[i]![1]) || 'x');
          });
          return path;
        }),
        // Repeated parameters come from drawing the same name twice.
        pairs: fc.array(fc.tuple(pair, fc.boolean(), fc.boolean()), { maxLength: 6 }),
        etag: fc.option(
          fc.oneof(
            fc.constant('*'),
            fc.string({ maxLength: 30 }).filter((s) => /^[\x20-\x7e]*$/.test(s)),
          ),
          { nil: undefined },
        ),
        trailing: fc.constantFrom('', '', '', '/', '//', '%2F', '?', '#x', '&'),
      })
      .map(({ method, path, pairs, etag, trailing }): FuzzRequest => {
        const qs = pairs.map(([[k, v], rawK, rawV]) => `${onWire(k, rawK)}=${onWire(v, rawV)}`).join('&');
        return {
          method,
          operation: `${op.method} ${op.path}`,
          target: `${path}${trailing === '#x' ? '' : trailing}${qs ? `${path.includes('?') || trailing === '?' ? '&' : '?'}${qs}` : ''}`,
          headers: etag !== undefined ? { 'if-none-match': etag } : ({} as Record<string, string>),
        };
      });
  });
}

export interface Answer {
  status: number;
  contentType: string;
  body: string;
}

const agent = new Agent({ keepAlive: true, maxSockets: 8 });

/** One raw request (node:http, so the request target goes out byte for byte). */
export function send(base: string, r: FuzzRequest): Promise<Answer> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: u.hostname, port: u.port, method: r.method, path: r.target, headers: r.headers, agent },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            contentType: String(res.headers['content-type'] ?? ''),
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** Why an answer breaks the property, or undefined when it keeps it. */
export function violation(r: FuzzRequest, a: Answer): string | undefined {
  if (a.status >= 500) return `${a.status} for ${r.method} ${r.target.slice(0, 200)}`;
  if (a.status >= 400) {
    if (!a.contentType.startsWith('application/problem+json'))
      return `${a.status} without problem+json (${a.contentType}) for ${r.method} ${r.target.slice(0, 200)}`;
    if (r.method === 'HEAD') return undefined;
    try {
      const p = JSON.parse(a.body) as { status?: unknown; title?: unknown; detail?: unknown };
      if (p.status !== a.status || typeof p.title !== 'string' || typeof p.detail !== 'string')
        return `malformed problem for ${r.target.slice(0, 200)}: ${a.body.slice(0, 200)}`;
    } catch {
      return `problem body is not JSON for ${r.target.slice(0, 200)}`;
    }
  }
  return undefined;
}

export interface FuzzFigures {
  requests: number;
  byStatus: Record<string, number>;
  byOperation: Record<string, number>;
  violations: string[];
  seconds: number;
}

/** Runs the property `runs` times against a live API; returns the figures instead of throwing, so a script can print them. */
export async function fuzzApi(base: string, runs: number, seed?: number): Promise<FuzzFigures> {
  const figures: FuzzFigures = { requests: 0, byStatus: {}, byOperation: {}, violations: [], seconds: 0 };
  const started = performance.now();
  await fc.assert(
    fc.asyncProperty(requestArbitrary(), async (r) => {
      const a = await send(base, r);
      figures.requests++;
      figures.byStatus[a.status] = (figures.byStatus[a.status] ?? 0) + 1;
      figures.byOperation[r.operation] = (figures.byOperation[r.operation] ?? 0) + 1;
      const v = violation(r, a);
      if (v) figures.violations.push(v);
      return true; // collect every violation rather than shrinking the first
    }),
    { numRuns: runs, endOnFailure: true, ...(seed !== undefined ? { seed } : {}) },
  );
  figures.seconds = (performance.now() - started) / 1000;
  return figures;
}

/** A few stored posts and counts, so that the fuzzed reads have data to page through. */
export async function seedForFuzz(redis: Redis, keys: Keys, now = Date.now()): Promise<void> {
  const writer = new TrendWriter(redis, keys, {
    countedSeconds: 86_400,
    postsSeconds: 86_400,
    postsMax: 1_000,
    bucketsSeconds: { m: 86_400, h: 86_400, d: 86_400 },
  });
  const posts: ScoredPost[] = Array.from({ length: 30 }, (_, i) => ({
    source: 'mastodon',
    id: `https://a.social/s/${i}`,
    url: i % 7 === 0 ? 'javascript:alert(1)' : `https://a.social/@x/${i}`,
    text: `Durov post ${i}`,
    lang: i % 2 ? 'en' : 'ru',
    createdAt: new Date(now - i * 60_000).toISOString(),
    author: 'h',
    engagement: { likes: 0, reposts: 0, replies: 0 },
    result: {
      stance: (['support', 'criticism', 'neutral'] as const)[i % 3]!,
      score: 0,
      confidence: 0.5,
      model: { id: 'builtin-lexicon-v1', kind: 'builtin' },
    },
    scoredAt: new Date(now).toISOString(),
  }));
  await writer.add(posts, now);
  // A heartbeating worker, so /readyz is ready: its 503 means "not ready", not a failure to answer.
  await redis.zadd(keys.workers, now, 'fuzz');
}

export function closeFuzzAgent(): void {
  agent.destroy();
}
