import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { alignDown } from '../../shared/buckets.ts';
import type { Config, Webhook } from '../../shared/config.ts';
import type { Keys } from '../../shared/keys.ts';
import type { Logger } from '../../shared/logger.ts';
import type { Metrics } from '../../shared/metrics.ts';
import type { ScoredPost, Stance } from '../../shared/post.ts';
import { PIPELINE_JOB_OPTIONS, type AlertDeliveryJob } from '../../shared/queues.ts';
import { alertId, describe, type Alert, type AlertDriver, type AlertExample } from '../../shared/spikes/alert.ts';
import { computeDrivers } from '../../shared/drivers/query.ts';
import { TrendReader } from '../../shared/trend-reader.ts';
import {
  INITIAL_STATE, SPIKE_KINDS, SPIKE_STANCES, assessShare, assessVolume, step,
  type DetectorConfig, type SeriesState, type SpikeKind,
} from '../../shared/spikes/detector.ts';
import { cutWindows, type MinuteCounts } from '../../shared/spikes/simulate.ts';

export interface SpikeDeps {
  redis: Redis;
  keys: Keys;
  metrics: Metrics;
  log: Logger;
  detector: DetectorConfig;
  windowsMin: number[];
  baselineMin: number;
  webhooks: Webhook[];
  deliveryQueue: Queue<AlertDeliveryJob>;
}

/** Fewer baseline windows than this (a fresh install) and nothing is judged: there is no "usual" yet. */
const MIN_BASELINE_WINDOWS = 12;
const EXAMPLES = 5;
const EXCERPT_CHARS = 280;

export function detectorFromConfig(cfg: Config): DetectorConfig {
  return {
    pFire: cfg.SPIKE_P_FIRE,
    pResolve: cfg.SPIKE_P_RESOLVE,
    minCount: cfg.SPIKE_MIN_COUNT,
    minTotal: cfg.SPIKE_MIN_TOTAL,
    minShareRise: cfg.SPIKE_MIN_SHARE_RISE,
    resolveAfter: cfg.SPIKE_RESOLVE_AFTER,
    cooldownMs: cfg.SPIKE_COOLDOWN_MINUTES * 60_000,
  };
}

/**
 * One run of the spike detector (scheduled every minute): reads the per-minute buckets of the baseline
 * and the latest windows, steps each (stance, kind, window) series, stores alerts that fire or resolve,
 * and queues their delivery. Only whole minutes are judged: the minute still filling is left out.
 */
export async function detectSpikes(nowMs: number, d: SpikeDeps): Promise<{ fired: string[]; resolved: string[] }> {
  const end = alignDown(Math.floor(nowMs / 1000), 60);
  const span = d.baselineMin + Math.max(...d.windowsMin);
  const minutes = await readMinutes(d, end - span * 60, end);
  const states = await d.redis.hgetall(d.keys.spikeState);
  const fired: string[] = [];
  const resolved: string[] = [];
  const stateUpdates: Record<string, string> = {};
  const lastUpdates: Record<string, string> = {};

  for (const w of d.windowsMin) {
    for (const stance of SPIKE_STANCES) {
      const { current, baseline } = cutWindows(minutes, minutes.length, w, d.baselineMin, stance);
      if (baseline.filter((b) => b.total > 0).length < MIN_BASELINE_WINDOWS) continue;
      for (const kind of SPIKE_KINDS) {
        const series = `${stance}/${kind}/${w}`;
        const a = kind === 'volume' ? assessVolume(current, baseline, d.detector) : assessShare(current, baseline, d.detector);
        const before: SeriesState = states[series] ? (JSON.parse(states[series]) as SeriesState) : INITIAL_STATE;
        const { state, transition } = step(before, a, nowMs, d.detector);
        stateUpdates[series] = JSON.stringify(state);
        lastUpdates[series] = JSON.stringify({ z: a.z, pValue: a.pValue, at: nowMs });
        if (transition.type === 'fire') {
          const alert: Alert = {
            id: alertId(stance, kind, w, transition.startedAt),
            kind, stance, windowMinutes: w, state: 'firing',
            observed: a.observed, expected: a.expected, pValue: a.pValue, z: a.z,
            startedAt: new Date(transition.startedAt).toISOString(), resolvedAt: null,
            summary: describe(stance, kind, w, a),
            examples: await examples(d, stance, (end - w * 60) * 1000, end * 1000),
            drivers: await alertDrivers(d, stance, end - w * 60, end),
          };
          await storeAndDeliver(d, alert, transition.startedAt);
          d.metrics.alertsFired.inc({ stance, kind });
          fired.push(alert.id);
        } else if (transition.type === 'resolve') {
          const id = alertId(stance, kind, w, transition.startedAt);
          const stored = await d.redis.get(d.keys.alert(id));
          if (stored) {
            const alert: Alert = { ...(JSON.parse(stored) as Alert), state: 'resolved', resolvedAt: new Date(transition.resolvedAt).toISOString() };
            await storeAndDeliver(d, alert, transition.startedAt);
          }
          d.metrics.alertsResolved.inc({ stance, kind });
          resolved.push(id);
        }
      }
    }
  }
  if (Object.keys(stateUpdates).length) {
    await d.redis.hset(d.keys.spikeState, stateUpdates);
    await d.redis.hset(d.keys.spikeLast, lastUpdates);
  }
  for (const id of fired) d.log.warn({ alert: id }, 'spike alert fired');
  for (const id of resolved) d.log.info({ alert: id }, 'spike alert resolved');
  return { fired, resolved };
}

/** Per-minute counts of [from, to), read through the same bucket reader as the trends API. */
async function readMinutes(d: SpikeDeps, from: number, to: number): Promise<MinuteCounts[]> {
  const ranges: Array<[number, number]> = [];
  for (let t = from; t < to; t += 60) ranges.push([t, t + 60]);
  const totals = await new TrendReader(d.redis, d.keys).totals(ranges, {});
  return totals.map(({ counts }) => ({ support: counts.support, criticism: counts.criticism, neutral: counts.neutral }));
}

async function examples(d: SpikeDeps, stance: Stance, fromMs: number, toMs: number): Promise<AlertExample[]> {
  const ids = await d.redis.zrange(d.keys.recent(`stance=${stance}`), `(${toMs}`, fromMs, 'BYSCORE', 'REV', 'LIMIT', 0, EXAMPLES);
  if (ids.length === 0) return [];
  const docs = await d.redis.mget(ids.map((k) => d.keys.post(k)));
  return docs.filter((x): x is string => x !== null).map((doc) => {
    const p = JSON.parse(doc) as ScoredPost;
    return { excerpt: p.text.length > EXCERPT_CHARS ? `${p.text.slice(0, EXCERPT_CHARS - 1)}…` : p.text, url: p.url, source: p.source, createdAt: p.createdAt };
  });
}

/** The window against the detector's own baseline, so the drivers explain the comparison that fired. */
async function alertDrivers(d: SpikeDeps, stance: Stance, from: number, to: number): Promise<AlertDriver[]> {
  try {
    const r = await computeDrivers(d.redis, d.keys, { from, to, baselineFrom: from - d.baselineMin * 60, baselineTo: from, stance, top: 10, examples: 0 });
    return r.drivers.map(({ token, kind, label, z, count, baselineCount }) => ({ token, kind, label, z, count, baselineCount }));
  } catch (err) {
    // An alert without drivers is still an alert: it must go out.
    d.log.warn({ err: (err as Error).message }, 'could not compute the drivers of an alert');
    return [];
  }
}

async function storeAndDeliver(d: SpikeDeps, alert: Alert, startedAtMs: number): Promise<void> {
  await d.redis.set(d.keys.alert(alert.id), JSON.stringify(alert));
  await d.redis.zadd(d.keys.alerts, startedAtMs, alert.id);
  await d.redis.incr(d.keys.alertsVersion);
  if (d.webhooks.length === 0) return;
  await d.deliveryQueue.addBulk(d.webhooks.map((webhook, i) => ({
    name: 'deliver',
    data: { webhook, alert },
    // One delivery per webhook and state change, even if this run is retried.
    opts: { ...PIPELINE_JOB_OPTIONS, jobId: `deliver-${alert.id}-${alert.state}-${i}` },
  })));
}

export type { SpikeKind };
