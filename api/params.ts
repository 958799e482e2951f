import { INTERVALS, type Interval } from '../shared/buckets.ts';
import { SOURCE_NAMES, STANCES, type SourceName, type Stance } from '../shared/lists.ts';
import { badParam } from './problem.ts';

/**
 * Query-string parsing, one function per kind of parameter, each failing with a 400 that names the
 * parameter. Pure, so every rule is unit-testable.
 */
export type Query = Record<string, unknown>;

export function rejectUnknown(q: Query, allowed: readonly string[]): void {
  for (const name of Object.keys(q)) {
    if (!allowed.includes(name)) throw badParam(name, `unknown parameter "${name}"; allowed: ${allowed.join(', ')}`);
  }
}

function single(q: Query, name: string): string | undefined {
  const v = q[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw badParam(name, `"${name}" must be given once, as a plain value`);
  return v;
}

/** ISO 8601 date-time, or Unix time in seconds. Returns epoch seconds. */
export function parseTime(q: Query, name: string): number | undefined {
  const v = single(q, name);
  if (v === undefined || v === '') return undefined;
  const ms = /^\d{1,12}$/.test(v) ? Number(v) * 1000 : /^\d{4}-\d{2}-\d{2}/.test(v) ? Date.parse(v) : NaN;
  if (!Number.isFinite(ms))
    throw badParam(name, `"${name}" must be an ISO 8601 date-time or Unix seconds, got "${v.slice(0, 40)}"`);
  return Math.floor(ms / 1000);
}

export function parseEnum<T extends string>(q: Query, name: string, values: readonly T[], fallback: T): T;
export function parseEnum<T extends string>(q: Query, name: string, values: readonly T[]): T | undefined;
export function parseEnum<T extends string>(q: Query, name: string, values: readonly T[], fallback?: T): T | undefined {
  const v = single(q, name);
  if (v === undefined || v === '') return fallback;
  if (!(values as readonly string[]).includes(v))
    throw badParam(name, `"${name}" must be one of ${values.join(', ')}, got "${v.slice(0, 40)}"`);
  return v as T;
}

export const parseInterval = (q: Query) => parseEnum(q, 'interval', Object.keys(INTERVALS) as Interval[], '5m');
export const parseSource = (q: Query): SourceName | undefined => parseEnum(q, 'source', SOURCE_NAMES);
export const parseStance = (q: Query): Stance | undefined => parseEnum(q, 'stance', STANCES);

export function parseLang(q: Query): string | undefined {
  const v = single(q, 'lang');
  if (v === undefined || v === '') return undefined;
  if (!/^[a-z]{2,3}$/.test(v))
    throw badParam(
      'lang',
      `"lang" must be an ISO 639-1 code such as en, ru, fr, uk (or "und"), got "${v.slice(0, 40)}"`,
    );
  return v;
}

export function parseLimit(q: Query, min: number, max: number, fallback: number): number {
  const v = single(q, 'limit');
  if (v === undefined || v === '') return fallback;
  const n = /^\d+$/.test(v) ? Number(v) : NaN;
  if (!Number.isInteger(n) || n < min || n > max)
    throw badParam('limit', `"limit" must be a whole number from ${min} to ${max}, got "${v.slice(0, 40)}"`);
  return n;
}

export interface PostsCursor {
  /** createdAt (epoch ms) of the last post returned. */
  t: number;
  /** Its key: breaks ties between posts created in the same millisecond. */
  k: string;
}

export function encodeCursor(c: PostsCursor): string {
  return Buffer.from(JSON.stringify([c.t, c.k])).toString('base64url');
}

export function parseCursor(q: Query): PostsCursor | undefined {
  const v = single(q, 'cursor');
  if (v === undefined || v === '') return undefined;
  try {
    if (!/^[A-Za-z0-9_-]{1,200}$/.test(v)) throw new Error();
    const [t, k] = JSON.parse(Buffer.from(v, 'base64url').toString('utf8')) as unknown[];
    if (
      typeof t !== 'number' ||
      !Number.isInteger(t) ||
      typeof k !== 'string' ||
      !/^[a-z]+-[A-Za-z0-9_-]{10,40}$/.test(k)
    )
      throw new Error();
    return { t, k };
  } catch {
    throw badParam('cursor', '"cursor" is not a cursor this API gave out; start again without it');
  }
}
