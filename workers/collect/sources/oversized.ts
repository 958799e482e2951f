import type { HttpResponse } from '../../../shared/http.ts';
import type { PollContext } from './source.ts';

/**
 * What every pageable source shares when a page is over HTTP_MAX_RESPONSE_BYTES. Refusing the page and
 * keeping the cursor would ask for the same page forever (a feed stalled by two big posts), so the page is
 * asked for again with half as many items, down to one; a single item still too large is named from the
 * first bytes of its answer (or its position) and stepped over, counted, never silently.
 */

/**
 * How much of an oversized answer is kept: enough for the fields a service sends before an item's text (its
 * id, a paging token), never the text itself. Bounded by HTTP_MAX_RESPONSE_BYTES as well.
 */
export const OVERSIZED_PREFIX_BYTES = 4_096;

/**
 * The page size of one walk: halved after a refusal for size, down to one item, and doubled back after each
 * page that fits, up to the normal size (the stretch of big items is probably short, but maybe not over).
 */
export class PageSize {
  private size: number;

  constructor(readonly normal: number) {
    this.size = Math.max(1, normal);
  }

  get current(): number {
    return this.size;
  }

  /** Half of `from` (the size just refused; by default the current one), at least one. */
  shrink(from = this.size): void {
    this.size = Math.max(1, Math.floor(from / 2));
  }

  grow(): void {
    this.size = Math.min(this.normal, this.size * 2);
  }

  /**
   * A page budget is spent in pages of the normal size, so the smaller pages asked after a refusal do not
   * end a poll early: a poll that stopped before it got past a big item would meet it again next time.
   */
  cost(limit: number): number {
    return limit / this.normal;
  }
}

/** The answer to a page request that fits, or the first bytes of a one-item answer still over the limit. */
export type SizedAnswer = { res: HttpResponse; limit: number } | { oversized: HttpResponse; limit: 1 };

/**
 * Asks for a page of `size.current` items (`get` may ask for fewer, and says how many it asked for). While
 * the answer is over the byte limit, the refusal is counted and the same page is asked for with half as many
 * items. A one-item answer still over the limit comes back as `oversized`, for the caller to step past.
 * Either way the walk's next page may be twice as large again.
 * `get` must fetch with `keepPrefixBytes`, so that an oversized answer comes back truncated, not thrown.
 */
export async function fetchShrinking(
  size: PageSize,
  ctx: PollContext,
  what: string,
  get: (limit: number) => Promise<{ res: HttpResponse; limit: number }>,
): Promise<SizedAnswer> {
  for (;;) {
    const { res, limit } = await get(size.current);
    if (!res.truncated || limit <= 1) size.grow();
    if (!res.truncated) return { res, limit };
    if (limit <= 1) return { oversized: res, limit: 1 };
    size.shrink(limit);
    ctx.reportRefusal('too_large', `${what}: ${limit} items are over the byte limit; asking for ${size.current}`);
  }
}

/**
 * The first string value of a JSON field in a (possibly cut) body, found without parsing it: a tolerant
 * look at the start of an oversized answer. `null` is a JSON null; `undefined` means not found.
 */
export function prefixField(prefix: string, field: string): string | null | undefined {
  const m = new RegExp(`"${field}"\\s*:\\s*(?:"([^"\\\\]{1,512})"|(null))`).exec(prefix);
  if (!m) return undefined;
  return m[2] ? null : m[1];
}
