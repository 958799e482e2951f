import { INTERVALS } from '../shared/buckets.ts';
import {
  ALERT_STATES,
  EXPORT_FORMATS,
  SCORER_KINDS,
  SOURCE_NAMES,
  SPIKE_KINDS,
  SPIKE_STANCES,
  STANCES,
  TOKEN_KINDS,
} from '../shared/lists.ts';
import { SUMMARY_WINDOWS } from './routes.ts';

/** The API's contract. test/api.test.ts holds it and the router together. */
const problem = { $ref: '#/components/responses/Problem' };
/** The range of a trends query, shared by /trends and its export. */
const trendsRangeParams = [
  {
    name: 'from',
    in: 'query',
    schema: { type: 'string' },
    description: 'ISO 8601 or Unix seconds; default `to` − 24 h.',
  },
  {
    name: 'to',
    in: 'query',
    schema: { type: 'string' },
    description: 'ISO 8601 or Unix seconds; default now. The bucket holding it is included.',
  },
  { name: 'interval', in: 'query', schema: { type: 'string', enum: Object.keys(INTERVALS), default: '5m' } },
];

const sourceParam = { name: 'source', in: 'query', schema: { type: 'string', enum: [...SOURCE_NAMES] } };
const langParam = {
  name: 'lang',
  in: 'query',
  schema: { type: 'string', pattern: '^[a-z]{2,3}$' },
  description: 'ISO 639-1 code, or "und".',
};
const summary = {
  type: 'object',
  required: ['support', 'criticism', 'neutral', 'total', 'supportShare', 'criticismShare', 'meanScore'],
  properties: {
    support: { type: 'integer' },
    criticism: { type: 'integer' },
    neutral: { type: 'integer' },
    total: { type: 'integer' },
    supportShare: { type: ['number', 'null'] },
    criticismShare: { type: ['number', 'null'] },
    meanScore: { type: ['number', 'null'], minimum: -1, maximum: 1 },
  },
};
const models = {
  type: 'object',
  additionalProperties: { type: 'integer' },
  description:
    'Posts per scorer id; "builtin-linear-v1" and "builtin-lexicon-v1" are the built-in scorers, not a hosted model.',
};
const formatParam = {
  name: 'format',
  in: 'query',
  schema: { type: 'string', enum: [...EXPORT_FORMATS], default: EXPORT_FORMATS[0] },
};
const cached = { ETag: { schema: { type: 'string' } }, 'Cache-Control': { schema: { type: 'string' } } };

export const openapi = {
  openapi: '3.1.0',
  info: {
    title: 'stancewatch',
    version: '0.1.0',
    description:
      "How much public discussion of Pavel Durov's arrest supports or criticises him, minute by minute. Times are UTC.",
  },
  paths: {
    '/api/v1/trends': {
      get: {
        summary: 'Stance counts per time bucket',
        parameters: [...trendsRangeParams, sourceParam, langParam],
        responses: {
          200: {
            description: 'Buckets, oldest first.',
            headers: cached,
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  properties: {
                    from: { type: 'string', format: 'date-time' },
                    to: { type: 'string', format: 'date-time' },
                    interval: { type: 'string' },
                    source: { type: ['string', 'null'] },
                    lang: { type: ['string', 'null'] },
                    models,
                    buckets: {
                      type: 'array',
                      items: {
                        allOf: [
                          summary,
                          {
                            type: 'object',
                            properties: {
                              start: { type: 'string', format: 'date-time' },
                              end: { type: 'string', format: 'date-time' },
                            },
                          },
                        ],
                      },
                    },
                  },
                },
              },
            },
          },
          304: { description: 'Not modified (If-None-Match matched).' },
          400: problem,
        },
      },
    },
    '/api/v1/summary': {
      get: {
        summary: 'Totals and shares for a window, and their change against the previous window',
        parameters: [
          {
            name: 'window',
            in: 'query',
            schema: { type: 'string', enum: Object.keys(SUMMARY_WINDOWS), default: '24h' },
          },
          sourceParam,
          langParam,
        ],
        responses: {
          200: {
            description: 'Current and previous window.',
            headers: cached,
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  properties: {
                    window: { type: 'string' },
                    current: summary,
                    previous: summary,
                    change: { type: 'object' },
                    models,
                  },
                },
              },
            },
          },
          304: { description: 'Not modified.' },
          400: problem,
        },
      },
    },
    '/api/v1/posts': {
      get: {
        summary: 'Recent scored posts, newest first',
        parameters: [
          { name: 'stance', in: 'query', schema: { type: 'string', enum: [...STANCES] } },
          sourceParam,
          langParam,
          { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 200, default: 50 } },
          {
            name: 'cursor',
            in: 'query',
            schema: { type: 'string' },
            description: '`nextCursor` from the previous page.',
          },
        ],
        responses: {
          200: {
            description: 'A page of posts. `text` is untrusted plain text: escape it before display.',
            headers: cached,
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  properties: {
                    posts: { type: 'array', items: { $ref: '#/components/schemas/ScoredPost' } },
                    nextCursor: { type: ['string', 'null'] },
                  },
                },
              },
            },
          },
          304: { description: 'Not modified.' },
          400: problem,
        },
      },
    },
    '/api/v1/alerts': {
      get: {
        summary: 'Spike alerts, newest first',
        parameters: [
          { name: 'state', in: 'query', schema: { type: 'string', enum: [...ALERT_STATES] } },
          {
            name: 'since',
            in: 'query',
            schema: { type: 'string' },
            description: 'Only alerts that started at or after this time (ISO 8601 or Unix seconds).',
          },
          { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 500, default: 100 } },
        ],
        responses: {
          200: {
            description: 'Alerts.',
            headers: cached,
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  properties: { alerts: { type: 'array', items: { $ref: '#/components/schemas/Alert' } } },
                },
              },
            },
          },
          304: { description: 'Not modified.' },
          400: problem,
        },
      },
    },
    '/api/v1/alerts/{id}': {
      get: {
        summary: 'One alert, with its example posts',
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
        responses: {
          200: {
            description: 'The alert.',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Alert' } } },
          },
          404: problem,
        },
      },
    },
    '/api/v1/drivers': {
      get: {
        summary:
          'What distinguishes a window from its baseline: words, hashtags, linked domains and argument categories',
        description:
          "Ranked by the weighted log-odds ratio with an informative Dirichlet prior (Monroe, Colaresi & Quinn 2008), with z-scores, for the posts of one stance (or all) and the same filters in both windows. Both windows are widened to whole 10-minute buckets. Token counts are kept per bucket for the top 500 tokens only; see the README. Also returns the window's most representative stored posts.",
        parameters: [
          {
            name: 'from',
            in: 'query',
            schema: { type: 'string' },
            description: 'Window start (ISO 8601 or Unix seconds); default `to` − 1 h.',
          },
          {
            name: 'to',
            in: 'query',
            schema: { type: 'string' },
            description: 'Window end; default now. At most 7 days after `from`.',
          },
          {
            name: 'baseline',
            in: 'query',
            schema: { type: 'string', default: '24h' },
            description:
              'A duration (`90m`, `6h`, `7d`): the window of that length just before `from`. Or an interval `start/end` (ISO 8601 or Unix seconds) ending by `from`. At most 30 days.',
          },
          {
            name: 'stance',
            in: 'query',
            schema: { type: 'string', enum: [...STANCES] },
            description: 'Compare only posts of this stance (default: all posts).',
          },
          sourceParam,
          langParam,
          {
            name: 'limit',
            in: 'query',
            schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
            description: 'Drivers to return.',
          },
        ],
        responses: {
          200: {
            description: 'Drivers, best first, and representative posts.',
            headers: cached,
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  properties: {
                    window: { type: 'object' },
                    baseline: { type: 'object' },
                    posts: {
                      type: 'object',
                      properties: { window: { type: 'integer' }, baseline: { type: 'integer' } },
                    },
                    drivers: { type: 'array', items: { $ref: '#/components/schemas/Driver' } },
                    examples: { type: 'array', items: { type: 'object' } },
                    cost: { type: 'object', properties: { redisCommands: { type: 'integer' } } },
                  },
                },
              },
            },
          },
          304: { description: 'Not modified.' },
          400: problem,
        },
      },
    },
    '/api/v1/export/posts': {
      get: {
        summary: 'Every stored post that matches, streamed as CSV or NDJSON, oldest first',
        description:
          'Streams in constant memory. Each post carries its source URL, language, stance, score, confidence, model id and a keyed-hash pseudonym of its author. CSV text cells that start with = + - @ get a leading apostrophe (spreadsheet formula injection). Only posts still stored are exported (POSTS_RETENTION_HOURS, POSTS_RETENTION_MAX).',
        parameters: [
          {
            name: 'from',
            in: 'query',
            schema: { type: 'string' },
            description: 'Created at or after (ISO 8601 or Unix seconds); default: the oldest stored post.',
          },
          {
            name: 'to',
            in: 'query',
            schema: { type: 'string' },
            description: 'Created before (ISO 8601 or Unix seconds); default: no limit.',
          },
          { name: 'stance', in: 'query', schema: { type: 'string', enum: [...STANCES] } },
          sourceParam,
          langParam,
          formatParam,
        ],
        responses: {
          200: {
            description: 'The posts: a CSV header row then one row per post, or one JSON object per line.',
            content: {
              'text/csv': {},
              'application/x-ndjson': { schema: { $ref: '#/components/schemas/ExportedPost' } },
            },
          },
          400: problem,
        },
      },
    },
    '/api/v1/export/trends': {
      get: {
        summary: 'Stance counts per bucket, streamed as CSV or NDJSON',
        description:
          'The rows of /api/v1/trends (same from, to, interval and filters), with no bucket limit short of 600,000.',
        parameters: [...trendsRangeParams, sourceParam, langParam, formatParam],
        responses: {
          200: {
            description: 'One row (or JSON line) per bucket, oldest first.',
            content: { 'text/csv': {}, 'application/x-ndjson': {} },
          },
          400: problem,
        },
      },
    },
    '/': {
      get: {
        summary: 'The live dashboard (HTML; reads only this API)',
        responses: {
          200: {
            description: 'The page, under a Content-Security-Policy that allows nothing inline.',
            content: { 'text/html': {} },
          },
          503: problem,
        },
      },
    },
    '/api/v1/openapi.json': { get: { summary: 'This document', responses: { 200: { description: 'OpenAPI 3.1' } } } },
    '/healthz': { get: { summary: 'The process is up', responses: { 200: { description: 'ok' } } } },
    '/readyz': {
      get: {
        summary: 'Redis reachable, workers heartbeating, per-feed last success',
        responses: { 200: { description: 'ready' }, 503: { description: 'not ready' } },
      },
    },
    '/metrics': {
      get: {
        summary: 'Prometheus metrics',
        responses: { 200: { description: 'text exposition format', content: { 'text/plain': {} } } },
      },
    },
  },
  security: [{}, { bearer: [] }, { apiKey: [] }],
  components: {
    securitySchemes: {
      bearer: { type: 'http', scheme: 'bearer', description: 'Needed on /api/v1/* when API_KEYS_SHA256 is set.' },
      apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
    },
    responses: {
      Problem: {
        description: 'RFC 9457 problem details; `param` names the bad query parameter.',
        content: {
          'application/problem+json': {
            schema: {
              type: 'object',
              required: ['title', 'status', 'detail'],
              properties: {
                type: { type: 'string' },
                title: { type: 'string' },
                status: { type: 'integer' },
                detail: { type: 'string' },
                param: { type: 'string' },
              },
            },
          },
        },
      },
      Unauthorized: { description: 'API keys are configured and none, or a wrong one, was sent (problem details).' },
      TooManyRequests: {
        description: "This key's requests-per-minute budget is used up; see Retry-After (problem details).",
      },
    },
    schemas: {
      Driver: {
        type: 'object',
        properties: {
          token: { type: 'string', description: 'w:word, #hashtag, d:domain or a:argument' },
          kind: { type: 'string', enum: [...TOKEN_KINDS] },
          label: { type: 'string' },
          delta: { type: 'number', description: 'Weighted log-odds ratio, window against baseline.' },
          z: { type: 'number' },
          count: { type: 'integer', description: 'Posts in the window with the token.' },
          baselineCount: { type: 'integer' },
        },
      },
      ExportedPost: {
        type: 'object',
        properties: {
          createdAt: { type: 'string', format: 'date-time' },
          source: { type: 'string', enum: [...SOURCE_NAMES] },
          url: { type: 'string' },
          lang: { type: 'string' },
          stance: { type: 'string', enum: [...STANCES] },
          score: { type: 'number' },
          confidence: { type: 'number' },
          model: { type: 'string' },
          author: { type: 'string', description: 'Keyed-hash pseudonym.' },
          text: { type: 'string', description: 'Untrusted plain text.' },
        },
      },
      Alert: {
        type: 'object',
        properties: {
          id: { type: 'string' },
          kind: { type: 'string', enum: [...SPIKE_KINDS] },
          stance: { type: 'string', enum: [...SPIKE_STANCES] },
          windowMinutes: { type: 'integer' },
          state: { type: 'string', enum: [...ALERT_STATES] },
          observed: { type: 'number', description: 'Posts (volume) or share (share) in the window.' },
          expected: { type: 'number' },
          pValue: { type: 'number' },
          z: { type: 'number' },
          startedAt: { type: 'string', format: 'date-time' },
          resolvedAt: { type: ['string', 'null'], format: 'date-time' },
          summary: { type: 'string' },
          examples: {
            type: 'array',
            maxItems: 5,
            items: {
              type: 'object',
              properties: {
                excerpt: { type: 'string' },
                url: { type: 'string' },
                source: { type: 'string' },
                createdAt: { type: 'string' },
              },
            },
          },
          drivers: {
            type: 'array',
            maxItems: 10,
            items: { $ref: '#/components/schemas/Driver' },
            description:
              "What distinguished the window from the detector's baseline when the alert fired (as GET /api/v1/drivers).",
          },
        },
      },
      ScoredPost: {
        type: 'object',
        properties: {
          source: { type: 'string', enum: [...SOURCE_NAMES] },
          id: { type: 'string' },
          url: {
            type: 'string',
            description: 'An http(s) link on the platform\'s host, or "" when the platform gave none we could trust.',
          },
          text: { type: 'string', description: 'Untrusted plain text, at most POST_MAX_CHARS characters.' },
          lang: { type: 'string' },
          createdAt: { type: 'string', format: 'date-time' },
          author: { type: 'string', description: 'Keyed-hash pseudonym.' },
          engagement: {
            type: 'object',
            properties: { likes: { type: 'integer' }, reposts: { type: 'integer' }, replies: { type: 'integer' } },
          },
          result: {
            type: 'object',
            properties: {
              stance: { type: 'string', enum: [...STANCES] },
              score: { type: 'number', minimum: -1, maximum: 1 },
              confidence: { type: 'number', minimum: 0, maximum: 1 },
              model: {
                type: 'object',
                properties: { id: { type: 'string' }, kind: { type: 'string', enum: [...SCORER_KINDS] } },
              },
            },
          },
          scoredAt: { type: 'string', format: 'date-time' },
        },
      },
    },
  },
} as const;
