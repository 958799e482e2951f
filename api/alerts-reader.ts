import type { Redis } from 'ioredis';
import type { Keys } from '../shared/keys.ts';
import type { AlertState } from '../shared/lists.ts';
import type { Alert } from '../shared/spikes/alert.ts';

/** Spike alerts as the detector stored them, newest first. */
export class AlertsReader {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  async list(f: { state?: AlertState; since?: number; limit: number }): Promise<Alert[]> {
    const min = f.since !== undefined ? f.since * 1000 : '-inf';
    // A resolved alert may have started before `since`; the index is small (alerts are rare), so read generously.
    const ids = await this.redis.zrange(this.keys.alerts, '+inf', min, 'BYSCORE', 'REV', 'LIMIT', 0, f.limit * 4);
    if (ids.length === 0) return [];
    const docs = await this.redis.mget(ids.map((id) => this.keys.alert(id)));
    return docs
      .filter((d): d is string => d !== null)
      .map((d) => JSON.parse(d) as Alert)
      .filter((a) => !f.state || a.state === f.state)
      .slice(0, f.limit);
  }

  async get(id: string): Promise<Alert | null> {
    if (!/^[a-z]+-[a-z]+-\d+m-\d+$/.test(id)) return null;
    const doc = await this.redis.get(this.keys.alert(id));
    return doc ? (JSON.parse(doc) as Alert) : null;
  }
}
