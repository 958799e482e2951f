import { INTERVALS } from '../shared/buckets.ts';
import { SOURCE_NAMES, STANCES } from '../shared/post.ts';
import { SUMMARY_WINDOWS } from './routes.ts';

/** The API's contract. test/api-openapi.test.ts holds it and the router together. */
const problem = { $ref: '#/components/responses/Problem' };
const sourceParam = { name: 'source', in: 'query', schema: { type: 'string', enum: [...SOURCE_NAMES] } };
const langParam = { name: 'lang', in: 'query', schema: { type: 'string', pattern: '^[a-z]{2,3}$' }, description: 'ISO 639-1 code, or "und".' };
const summary = {
  type: 'object',
  required: ['support', 'criticism', 'neutral', 'total', 'supportShare', 'criticismShare', 'meanScore'],
  properties: {
    support: { type: 'integer' }, criticism: { type: 'integer' }, neutral: { type: 'integer' }, total: { type: 'integer' },
    supportShare: { type: ['number', 'null'] }, criticismShare: { type: ['number', 'null'] },
    meanScore: { type: ['number', 'null'], minimum: -1, maximum: 1 },
  },
};
const models = { type: 'object', additionalProperties: { type: 'integer' }, description: 'Posts per scorer id; "builtin-linear-v1" and "builtin-lexicon-v1" are the built-in scorers, not a hosted model.' };
const cached = { ETag: { schema: { type: 'string' } }, 'Cache-Control': { schema: { type: 'string' } } };

export const openapi = {
  openapi: '3.1.0',
  info: {
    title: 'stancewatch',
    version: '0.1.0',
    description: 'How much public discussion of Pavel Durov\'s arrest supports or criticises him, minute by minute. Times are UTC.',
  },
  paths: {
    '/api/v1/trends': {
      get: {
        summary: 'Stance counts per time bucket',
        parameters: [
          { name: 'from', in: 'query', schema: { type: 'string' }, description: 'ISO 8601 or Unix seconds; default `to` − 24 h.' },
          { name: 'to', in: 'query', schema: { type: 'string' }, description: 'ISO 8601 or Unix seconds; default now. The bucket holding it is included.' },
          { name: 'interval', in: 'query', schema: { type: 'string', enum: Object.keys(INTERVALS), default: '5m' } },
          sourceParam, langParam,
        ],
        responses: {
          200: {
            description: 'Buckets, oldest first.',
            headers: cached,
            content: { 'application/json': { schema: {
              type: 'object',
              properties: {
                from: { type: 'string', format: 'date-time' }, to: { type: 'string', format: 'date-time' }, interval: { type: 'string' },
                source: { type: ['string', 'null'] }, lang: { type: ['string', 'null'] }, models,
                buckets: { type: 'array', items: { allOf: [summary, { type: 'object', properties: { start: { type: 'string', format: 'date-time' }, end: { type: 'string', format: 'date-time' } } }] } },
              },
            } } },
          },
          304: { description: 'Not modified (If-None-Match matched).' },
          400: problem,
        },
      },
    },
    '/api/v1/summary': {
      get: {
        summary: 'Totals and shares for a window, and their change against the previous window',
        parameters: [{ name: 'window', in: 'query', schema: { type: 'string', enum: Object.keys(SUMMARY_WINDOWS), default: '24h' } }, sourceParam, langParam],
        responses: {
          200: { description: 'Current and previous window.', headers: cached, content: { 'application/json': { schema: { type: 'object', properties: { window: { type: 'string' }, current: summary, previous: summary, change: { type: 'object' }, models } } } } },
          304: { description: 'Not modified.' },
          400: problem,
        },
      },
    },
    '/api/v1/posts': {
      get: {
        summary: 'Recent scored posts, newest first',
        parameters: [
          { name: 'stance', in: 'query', schema: { type: 'string', enum: [...STANCES] } }, sourceParam, langParam,
          { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 200, default: 50 } },
          { name: 'cursor', in: 'query', schema: { type: 'string' }, description: '`nextCursor` from the previous page.' },
        ],
        responses: {
          200: {
            description: 'A page of posts. `text` is untrusted plain text: escape it before display.',
            headers: cached,
            content: { 'application/json': { schema: { type: 'object', properties: { posts: { type: 'array', items: { $ref: '#/components/schemas/ScoredPost' } }, nextCursor: { type: ['string', 'null'] } } } } },
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
          { name: 'state', in: 'query', schema: { type: 'string', enum: ['firing', 'resolved'] } },
          { name: 'since', in: 'query', schema: { type: 'string' }, description: 'Only alerts that started at or after this time (ISO 8601 or Unix seconds).' },
          { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 500, default: 100 } },
        ],
        responses: {
          200: { description: 'Alerts.', headers: cached, content: { 'application/json': { schema: { type: 'object', properties: { alerts: { type: 'array', items: { $ref: '#/components/schemas/Alert' } } } } } } },
          304: { description: 'Not modified.' },
          400: problem,
        },
      },
    },
    '/api/v1/alerts/{id}': {
      get: {
        summary: 'One alert, with its example posts',
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
        responses: { 200: { description: 'The alert.', content: { 'application/json': { schema: { $ref: '#/components/schemas/Alert' } } } }, 404: problem },
      },
    },
    '/api/v1/openapi.json': { get: { summary: 'This document', responses: { 200: { description: 'OpenAPI 3.1' } } } },
    '/healthz': { get: { summary: 'The process is up', responses: { 200: { description: 'ok' } } } },
    '/readyz': { get: { summary: 'Redis reachable, workers heartbeating, per-feed last success', responses: { 200: { description: 'ready' }, 503: { description: 'not ready' } } } },
    '/metrics': { get: { summary: 'Prometheus metrics', responses: { 200: { description: 'text exposition format', content: { 'text/plain': {} } } } } },
  },
  components: {
    responses: {
      Problem: {
        description: 'RFC 9457 problem details; `param` names the bad query parameter.',
        content: { 'application/problem+json': { schema: { type: 'object', required: ['title', 'status', 'detail'], properties: { type: { type: 'string' }, title: { type: 'string' }, status: { type: 'integer' }, detail: { type: 'string' }, param: { type: 'string' } } } } },
      },
    },
    schemas: {
      Alert: {
        type: 'object',
        properties: {
          id: { type: 'string' }, kind: { type: 'string', enum: ['volume', 'share'] }, stance: { type: 'string', enum: ['support', 'criticism'] },
          windowMinutes: { type: 'integer' }, state: { type: 'string', enum: ['firing', 'resolved'] },
          observed: { type: 'number', description: 'Posts (volume) or share (share) in the window.' }, expected: { type: 'number' },
          pValue: { type: 'number' }, z: { type: 'number' }, startedAt: { type: 'string', format: 'date-time' },
          resolvedAt: { type: ['string', 'null'], format: 'date-time' }, summary: { type: 'string' },
          examples: { type: 'array', maxItems: 5, items: { type: 'object', properties: { excerpt: { type: 'string' }, url: { type: 'string' }, source: { type: 'string' }, createdAt: { type: 'string' } } } },
        },
      },
      ScoredPost: {
        type: 'object',
        properties: {
          source: { type: 'string', enum: [...SOURCE_NAMES] }, id: { type: 'string' }, url: { type: 'string' }, text: { type: 'string' },
          lang: { type: 'string' }, createdAt: { type: 'string', format: 'date-time' }, author: { type: 'string', description: 'Keyed-hash pseudonym.' },
          engagement: { type: 'object', properties: { likes: { type: 'integer' }, reposts: { type: 'integer' }, replies: { type: 'integer' } } },
          result: {
            type: 'object',
            properties: {
              stance: { type: 'string', enum: [...STANCES] }, score: { type: 'number', minimum: -1, maximum: 1 }, confidence: { type: 'number', minimum: 0, maximum: 1 },
              model: { type: 'object', properties: { id: { type: 'string' }, kind: { type: 'string', enum: ['builtin', 'huggingface', 'tei'] } } },
            },
          },
          scoredAt: { type: 'string', format: 'date-time' },
        },
      },
    },
  },
} as const;
