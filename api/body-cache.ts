/**
 * Computed response bodies, kept per (resolved query, data version). Pollers of a dashboard ask the same few
 * queries over and over; while no aggregate write has moved the data version, every one of them gets the
 * body computed for the first, already serialised. Concurrent requests for a body still being computed
 * share that one computation (the promise is cached, not the result), so a burst of pollers after a write
 * costs one bucket read, not one per poller.
 */
export class BodyCache {
  private readonly entries = new Map<string, { version: string; body: Promise<Buffer> }>();

  constructor(private readonly maxEntries = 256) {}

  get(query: string, version: string, compute: () => Promise<unknown>): Promise<Buffer> {
    const hit = this.entries.get(query);
    if (hit && hit.version === version) return hit.body;
    const body = compute().then((value) => Buffer.from(JSON.stringify(value)));
    // A failed computation is not remembered: the next request tries again.
    body.catch(() => this.entries.get(query)?.body === body && this.entries.delete(query));
    this.entries.delete(query); // re-inserted last: the Map's order is least recently computed first
    this.entries.set(query, { version, body });
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    return body;
  }
}
