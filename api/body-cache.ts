import { promisify } from 'node:util';
import { gzip } from 'node:zlib';

const gzipAsync = promisify(gzip);
/** Bodies smaller than this are sent as they are: gzip would save a few hundred bytes at best. */
const GZIP_FROM_BYTES = 1_024;

/** A computed body, gzipped once when it is worth it, and the data version it was computed at (its ETag's). */
export interface CachedBody {
  version: string;
  body: Buffer;
  gzipped?: Buffer;
}

interface Encoded {
  body: Buffer;
  gzipped?: Buffer;
}

interface Entry {
  version: string;
  body: Promise<Encoded>;
  /** When its computation started (ms): the refresh floor counts from here. */
  startedAt: number;
  /** A newer version's body being computed while this one is still served. */
  refreshing?: Promise<void>;
}

/**
 * Computed response bodies, kept per resolved query with the data version they were computed at. Pollers of
 * a dashboard ask the same few queries over and over; every one of them gets the body computed for the
 * first, already serialised. Concurrent requests for a body still being computed share that one computation
 * (the promise is cached, not the result), so a burst of pollers after a write costs one bucket read.
 * Each body is also gzipped once, off the event loop: a 24-hour trend at 1-minute buckets is 260 KB of JSON
 * and about 25 KB gzipped, and writing 260 KB per request was the largest cost of serving it.
 *
 * Stale while revalidating: once a body exists, a newer data version does not make requests wait. They get
 * the body they had (with its own version's ETag, so HTTP caching stays truthful) while one refresh runs in
 * the background, and a query is refreshed at most once per `refreshFloorMs`. Under a steady stream of writes
 * (every counted post moves the version) a 24-hour trend is then computed about once a second instead of
 * once per write, and no request ever waits for a recomputation: served data is at most `refreshFloorMs`
 * plus one computation old, which is far below the minute buckets' own grain.
 */
export class BodyCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly maxEntries = 256,
    private readonly refreshFloorMs = 0,
    private readonly now: () => number = Date.now,
  ) {}

  async get(query: string, version: string, compute: () => Promise<unknown>): Promise<CachedBody> {
    const hit = this.entries.get(query);
    // Without a floor a request never gets an older version's body: it waits for (or starts) its own.
    if (!hit || (hit.version !== version && this.refreshFloorMs === 0))
      return this.settle(query, this.start(query, version, compute));
    if (hit.version !== version && !hit.refreshing && this.now() - hit.startedAt >= this.refreshFloorMs) {
      const next = this.start(query, version, compute, hit);
      // A failed refresh keeps the old body: the next request after the floor tries again.
      hit.refreshing = next.body.then(
        () => void this.replace(query, next),
        () => (hit.refreshing = undefined),
      );
    }
    return this.settle(query, hit);
  }

  private start(query: string, version: string, compute: () => Promise<unknown>, old?: Entry): Entry {
    const entry: Entry = {
      version,
      startedAt: this.now(),
      body: compute().then(encode),
    };
    if (!old) this.replace(query, entry);
    return entry;
  }

  private replace(query: string, entry: Entry): void {
    this.entries.delete(query); // re-inserted last: the Map's order is least recently computed first
    this.entries.set(query, entry);
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }

  private async settle(query: string, entry: Entry): Promise<CachedBody> {
    try {
      return { version: entry.version, ...(await entry.body) };
    } catch (err) {
      // A failed computation is not remembered: the next request tries again.
      if (this.entries.get(query) === entry) this.entries.delete(query);
      throw err;
    }
  }
}

async function encode(value: unknown): Promise<Encoded> {
  const body = Buffer.from(JSON.stringify(value));
  return body.length < GZIP_FROM_BYTES ? { body } : { body, gzipped: await gzipAsync(body) };
}
