import type { z } from 'zod';
import { SourceError } from './source.ts';

/**
 * What every source's page parser shares: a page that cannot be read at all is refused whole
 * (MalformedPage), while a single bad item is set aside by its id so the rest of the page is used.
 */
export class MalformedPage extends Error {}

/** JSON, or a MalformedPage naming what was expected. */
export function parseJsonBody(body: string, what: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    throw new MalformedPage(`${what} is not JSON`);
  }
}

/** A page's envelope checked against its schema, or a MalformedPage with the given reason. */
export function parseEnvelope<S extends z.ZodType>(json: unknown, schema: S, reason: string): z.output<S> {
  const r = schema.safeParse(json);
  if (!r.success) throw new MalformedPage(reason);
  return r.data;
}

/** Items that match the schema, and the ids (or positions) of those that do not. */
export function parseEach<S extends z.ZodType>(
  items: readonly unknown[],
  schema: S,
  idOf: (item: unknown) => unknown,
): { ok: Array<z.output<S>>; malformed: string[] } {
  const ok: Array<z.output<S>> = [];
  const malformed: string[] = [];
  items.forEach((item, i) => {
    const r = schema.safeParse(item);
    if (r.success) ok.push(r.data);
    else malformed.push(String(idOf(item) ?? `#${i}`));
  });
  return { ok, malformed };
}

/** Runs a page parser in an adapter: a malformed page becomes the SourceError the collector counts and logs. */
export function parsePage<T>(context: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof MalformedPage) throw new SourceError('malformed_page', `${context}: ${err.message}`);
    throw err;
  }
}
