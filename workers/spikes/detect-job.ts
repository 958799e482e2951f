import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { alignDown } from '../../shared/buckets.ts';
import type { SpikesConfig, Webhook } from '../../shared/config.ts';
import type { Keys } from '../../shared/keys.ts';
import type { Logger } from '../../shared/logger.ts';
import type { Metrics } from '../../shared/metrics.ts';
import type { ScoredPost, Stance } from '../../shared/post.ts';
import { deliveryJobOptions, jobIds, type AlertDeliveryJob } from '../../shared/queues.ts';
import { alertId, describe, type Alert, type AlertDriver, type AlertExample } from '../../shared/spikes/alert.ts';
import { computeDrivers } from '../../shared/drivers/query.ts';
import { TokenCounter } from '../aggregate/token-counter.ts';
import { TrendReader } from '../../shared/trend-reader.ts';
import type { HandlerFactory } from '../stage.ts';
import {
  INITIAL_STATE,
  SPIKE_KINDS,
  SPIKE_STANCES,
  assessShare,
  assessVolume,
  step,
  type SeriesState,
  type SpikeKind,
} from '../../shared/spikes/detector.ts';
import { cutWindows, type MinuteCounts } from '../../shared/spikes/simulate.ts';

export interface SpikeDeps {
  redis: Redis;
  keys: Keys;
  metrics: Metrics;
  log: Logger;
  spikes: SpikesConfig;
  webhooks: readonly Webhook[];
  deliveryQueue: Queue<AlertDeliveryJob>;
  delivery: { attempts: number; backoffMs: number };
}

/** One scheduled run of the detector, at the time it runs. */
export const detectJob: HandlerFactory<'spikes'> = ({ redis, keys, metrics, log, cfg, queues }) => {
  const deps = {
    redis,
    keys,
    metrics,
    log,
    spikes: cfg.spikes,
    webhooks: cfg.alerts.webhooks,
    deliveryQueue: queues.alertDelivery,
    delivery: cfg.alerts.delivery,
  };
  const tokens = new TokenCounter(redis, keys);
  return async () => {
    const now = Date.now();
    // Hours of token counts are rolled up here too, so they are even when few posts arrive (TokenCounter).
    await tokens.rollUp(now);
    return detectSpikes(now, deps);
  };
};

/** Fewer baseline windows than this (a fresh install) and nothing is judged: there is no "usual" yet. */
const MIN_BASELINE_WINDOWS = 12;
const EXAMPLES = 5;
const EXCERPT_CHARS = 280;

/**
 * One run of the spike detector (scheduled every minute): reads the per-minute buckets of the baseline
 * and the latest windows, steps each (stance, kind, window) series, stores alerts that fire or resolve,
 * and queues their delivery. Only whole minutes are judged: the minute still filling is left out.
 */
export async function detectSpikes(nowMs: number, deps: SpikeDeps): Promise<{ fired: string[]; resolved: string[] }> {
  const end = alignDown(Math.floor(nowMs / 1000), 60);
  const { detector, windowsMin, baselineMin } = deps.spikes;
  const span = baselineMin + Math.max(...windowsMin);
  const minutes = await readMinutes(deps, end - span * 60, end);
  const states = await deps.redis.hgetall(deps.keys.spikeState);
  const fired: string[] = [];
  const resolved: string[] = [];
  const stateUpdates: Record<string, string> = {};
  const lastUpdates: Record<string, string> = {};

  for (const w of windowsMin) {
    for (const stance of SPIKE_STANCES) {
      const { current, baseline } = cutWindows(minutes, minutes.length, w, baselineMin, stance);
      if (baseline.filter((b) => b.total > 0).length < MIN_BASELINE_WINDOWS) continue;
      for (const kind of SPIKE_KINDS) {
        const series = `${stance}/${kind}/${w}`;
        const a =
          kind === 'volume' ? assessVolume(current, baseline, detector) : assessShare(current, baseline, detector);
        const before: SeriesState = states[series] ? (JSON.parse(states[series]) as SeriesState) : INITIAL_STATE;
        const { state, transition } = step(before, a, nowMs, detector);
        stateUpdates[series] = JSON.stringify(state);
        lastUpdates[series] = JSON.stringify({ z: a.z, pValue: a.pValue, at: nowMs });
        if (transition.type === 'fire') {
          const alert: Alert = {
            id: alertId(stance, kind, w, transition.startedAt),
            kind,
            stance,
            windowMinutes: w,
            state: 'firing',
            observed: a.observed,
            expected: a.expected,
            pValue: a.pValue,
            z: a.z,
            startedAt: new Date(transition.startedAt).toISOString(),
            resolvedAt: null,
            summary: describe(stance, kind, w, a),
            examples: await examples(deps, stance, (end - w * 60) * 1000, end * 1000),
            drivers: await alertDrivers(deps, stance, end - w * 60, end),
          };
          await storeAndDeliver(deps, alert, transition.startedAt);
          deps.metrics.alertsFired.inc({ stance, kind });
          fired.push(alert.id);
        } else if (transition.type === 'resolve') {
          const id = alertId(stance, kind, w, transition.startedAt);
          const stored = await deps.redis.get(deps.keys.alert(id));
          if (stored) {
            const alert: Alert = {
              ...(JSON.parse(stored) as Alert),
              state: 'resolved',
              resolvedAt: new Date(transition.resolvedAt).toISOString(),
            };
            await storeAndDeliver(deps, alert, transition.startedAt);
          }
          deps.metrics.alertsResolved.inc({ stance, kind });
          resolved.push(id);
        }
      }
    }
  }
  if (Object.keys(stateUpdates).length) {
    await deps.redis.hset(deps.keys.spikeState, stateUpdates);
    await deps.redis.hset(deps.keys.spikeLast, lastUpdates);
  }
  for (const id of fired) deps.log.warn({ alert: id }, 'spike alert fired');
  for (const id of resolved) deps.log.info({ alert: id }, 'spike alert resolved');
  return { fired, resolved };
}

/** Per-minute counts of [from, to), read through the same bucket reader as the trends API. */
async function readMinutes(deps: SpikeDeps, from: number, to: number): Promise<MinuteCounts[]> {
  const ranges: Array<[number, number]> = [];
  for (let t = from; t < to; t += 60) ranges.push([t, t + 60]);
  const totals = await new TrendReader(deps.redis, deps.keys).totals(ranges, {});
  return totals.map(({ counts }) => ({
    support: counts.support,
    criticism: counts.criticism,
    neutral: counts.neutral,
  }));
}

async function examples(deps: SpikeDeps, stance: Stance, fromMs: number, toMs: number): Promise<AlertExample[]> {
  const ids = await deps.redis.zrange(
    deps.keys.recent(`stance=${stance}`),
    `(${toMs}`,
    fromMs,
    'BYSCORE',
    'REV',
    'LIMIT',
    0,
    EXAMPLES,
  );
  if (ids.length === 0) return [];
  const docs = await deps.redis.mget(ids.map((k) => deps.keys.post(k)));
  return docs
    .filter((x): x is string => x !== null)
    .map((doc) => {
      const p = JSON.parse(doc) as ScoredPost;
      return {
        excerpt: p.text.length > EXCERPT_CHARS ? `${p.text.slice(0, EXCERPT_CHARS - 1)}…` : p.text,
        url: p.url,
        source: p.source,
        createdAt: p.createdAt,
      };
    });
}

/** The window against the detector's own baseline, so the drivers explain the comparison that fired. */
async function alertDrivers(deps: SpikeDeps, stance: Stance, from: number, to: number): Promise<AlertDriver[]> {
  try {
    const baselineFrom = from - deps.spikes.baselineMin * 60;
    const r = await computeDrivers(deps.redis, deps.keys, {
      from,
      to,
      baselineFrom,
      baselineTo: from,
      stance,
      top: 10,
      examples: 0,
    });
    return r.drivers.map(({ token, kind, label, z, count, baselineCount }) => ({
      token,
      kind,
      label,
      z,
      count,
      baselineCount,
    }));
  } catch (err) {
    // An alert without drivers is still an alert: it must go out.
    deps.log.warn({ err: (err as Error).message }, 'could not compute the drivers of an alert');
    return [];
  }
}

async function storeAndDeliver(deps: SpikeDeps, alert: Alert, startedAtMs: number): Promise<void> {
  await deps.redis.set(deps.keys.alert(alert.id), JSON.stringify(alert));
  await deps.redis.zadd(deps.keys.alerts, startedAtMs, alert.id);
  await deps.redis.incr(deps.keys.alertsVersion);
  if (deps.webhooks.length === 0) return;
  await deps.deliveryQueue.addBulk(
    deps.webhooks.map((webhook, i) => ({
      name: 'deliver',
      data: { webhook, alert },
      opts: {
        ...deliveryJobOptions(deps.delivery.attempts, deps.delivery.backoffMs),
        jobId: jobIds.delivery(alert.id, alert.state, i),
      },
    })),
  );
}

export type { SpikeKind };
