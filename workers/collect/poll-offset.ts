import { createHash } from 'node:crypto';

/**
 * Where in its period a feed is polled: a fixed offset from a hash of the feed's id. Feeds with the same
 * period no longer all fire at the same instant (a burst of requests, then a burst of scoring), and the
 * offset is the same in every replica and across restarts, so the schedule does not move when one starts.
 */
export function pollOffsetMs(feedId: string, everyMs: number): number {
  const h = createHash('sha256').update(feedId).digest().readUInt32BE(0);
  // Never 0: BullMQ reads offset 0 as "none" and aligns the schedule to the moment it was created.
  return 1 + (h % Math.max(1, everyMs - 1));
}
