import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import {
  COLLECT_ERROR_REASONS,
  DELIVERY_OUTCOMES,
  DUPLICATE_STAGES,
  SCORE_CACHE_RESULTS,
  SPIKE_KINDS,
  SPIKE_STANCES,
  STANCES,
  WEBHOOK_FORMATS,
  type ScorerKind,
} from './lists.ts';

/**
 * Every metric stancewatch exports, defined once. Labels are bounded: source names, stances, queue
 * names, states, status codes and reasons from fixed lists; never ids, authors or text.
 */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  // These three are gauges named like counters, which `promtool check metrics` rejects; the same numbers are
  // kept, by type, in nodejs_active_handles / nodejs_active_requests / nodejs_active_resources.
  for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) {
    registry.removeSingleMetric(name);
  }
  const r = [registry];

  return {
    registry,
    postsCollected: new Counter({
      name: 'stancewatch_posts_collected_total',
      help: 'Posts read from a source (before relevance filtering and de-duplication).',
      labelNames: ['source'] as const,
      registers: r,
    }),
    postsFiltered: new Counter({
      name: 'stancewatch_posts_filtered_total',
      help: 'Posts dropped because they are not about the case.',
      labelNames: ['source'] as const,
      registers: r,
    }),
    postsDuplicate: new Counter({
      name: 'stancewatch_posts_duplicate_total',
      help: 'Posts seen before (re-polled or re-delivered) and not scored again.',
      labelNames: ['source', 'stage'] as const,
      registers: r,
    }),
    postsScored: new Counter({
      name: 'stancewatch_posts_scored_total',
      help: 'Posts scored, by the stance given and the kind of scorer (builtin or huggingface).',
      labelNames: ['source', 'stance', 'scorer'] as const,
      registers: r,
    }),
    scoreCache: new Counter({
      name: 'stancewatch_score_cache_total',
      help: 'Score look-ups by text fingerprint: hit means a repost or cross-post reused an earlier score, with no model call.',
      labelNames: ['result'] as const,
      registers: r,
    }),
    postsAggregated: new Counter({
      name: 'stancewatch_posts_aggregated_total',
      help: 'Posts counted into the trend buckets (exactly once each), by source, stance and language (en, ru, fr, uk, de, es, it, pt, pl, tr, other, und).',
      labelNames: ['source', 'stance', 'lang'] as const,
      registers: r,
    }),
    modelRequestDuration: new Histogram({
      name: 'stancewatch_model_request_duration_seconds',
      help: 'Duration of one request to the stance model, by outcome.',
      labelNames: ['scorer', 'outcome'] as const,
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
      registers: r,
    }),
    modelItemsPerRequest: new Histogram({
      name: 'stancewatch_model_items_per_request',
      help: 'Posts scored per model request (1 for the serverless client, which cannot batch; up to the batch size for TEI).',
      labelNames: ['scorer'] as const,
      buckets: [1, 2, 4, 8, 16, 32, 64],
      registers: r,
    }),
    modelBreaker: new Gauge({
      name: 'stancewatch_model_breaker_state',
      help: 'Circuit breaker around the stance model in this process: 0 closed, 1 half-open (trying), 2 open (not calling).',
      registers: r,
    }),
    modelUp: new Gauge({
      name: 'stancewatch_model_up',
      help: '1 while the stance model answers (or the built-in scorer is used), 0 while it is down and posts wait.',
      registers: r,
    }),
    modelErrors: new Counter({
      name: 'stancewatch_model_errors_total',
      help: 'Failed model requests, by HTTP status ("timeout", "network" or "malformed" when there is none).',
      labelNames: ['scorer', 'status'] as const,
      registers: r,
    }),
    collectErrors: new Counter({
      name: 'stancewatch_collect_errors_total',
      help: `Collection problems, by source and reason (${COLLECT_ERROR_REASONS.join(', ')}).`,
      labelNames: ['source', 'reason'] as const,
      registers: r,
    }),
    sourceLastSuccess: new Gauge({
      name: 'stancewatch_source_last_success_timestamp_seconds',
      help: 'When a poll of the source last succeeded (Unix time).',
      labelNames: ['source'] as const,
      registers: r,
    }),
    queueJobs: new Gauge({
      name: 'stancewatch_queue_jobs',
      help: 'Jobs in each pipeline queue, by state.',
      labelNames: ['queue', 'state'] as const,
      registers: r,
    }),
    workerHeartbeat: new Gauge({
      name: 'stancewatch_worker_heartbeat_timestamp_seconds',
      help: "Last heartbeat of this process's workers, per queue they consume (Unix time).",
      labelNames: ['queue'] as const,
      registers: r,
    }),
    alertsFired: new Counter({
      name: 'stancewatch_alerts_fired_total',
      help: 'Spike alerts fired.',
      labelNames: ['stance', 'kind'] as const,
      registers: r,
    }),
    alertsResolved: new Counter({
      name: 'stancewatch_alerts_resolved_total',
      help: 'Spike alerts resolved.',
      labelNames: ['stance', 'kind'] as const,
      registers: r,
    }),
    alertDeliveries: new Counter({
      name: 'stancewatch_alert_deliveries_total',
      help: 'Alert webhook deliveries, by outcome (delivered, retrying, failed: failed means given up after every retry).',
      labelNames: ['format', 'outcome'] as const,
      registers: r,
    }),
    spikeActive: new Gauge({
      name: 'stancewatch_spike_active',
      help: '1 while a spike alert of this stance and kind is firing (any window).',
      labelNames: ['stance', 'kind'] as const,
      registers: r,
    }),
    spikeZscore: new Gauge({
      name: 'stancewatch_spike_zscore',
      help: "Robust z-score of the latest window's volume for the stance against its baseline (the largest over windows).",
      labelNames: ['stance'] as const,
      registers: r,
    }),
    redisUp: new Gauge({
      name: 'stancewatch_redis_up',
      help: "1 when Redis answered the last scrape's PING.",
      registers: r,
    }),
    redisUsedMemory: new Gauge({
      name: 'stancewatch_redis_used_memory_bytes',
      help: 'Redis used_memory at the last scrape.',
      registers: r,
    }),
    httpRequestDuration: new Histogram({
      name: 'stancewatch_http_request_duration_seconds',
      help: 'API request duration, by route template and status code.',
      labelNames: ['route', 'method', 'status'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: r,
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

/** Languages that get their own `lang` label value; the rest are "other", so the label stays bounded. */
const METRIC_LANGS = new Set(['en', 'ru', 'fr', 'uk', 'de', 'es', 'it', 'pt', 'pl', 'tr', 'und']);
export function metricLang(lang: string): string {
  return METRIC_LANGS.has(lang) ? lang : 'other';
}

/**
 * Creates the worker-side series at zero, so dashboards and alert rules see them (and `rate()` works)
 * before the first event: a counter that appears only at its first increment hides that first increment.
 */
export function initialiseWorkerSeries(m: Metrics, sources: readonly string[], scorerKind: ScorerKind): void {
  for (const source of sources) {
    m.postsCollected.inc({ source }, 0);
    m.postsFiltered.inc({ source }, 0);
    for (const stage of DUPLICATE_STAGES) m.postsDuplicate.inc({ source, stage }, 0);
    for (const stance of STANCES) m.postsScored.inc({ source, stance, scorer: scorerKind }, 0);
    for (const reason of COLLECT_ERROR_REASONS) m.collectErrors.inc({ source, reason }, 0);
  }
  for (const stance of SPIKE_STANCES) {
    for (const kind of SPIKE_KINDS) {
      m.alertsFired.inc({ stance, kind }, 0);
      m.alertsResolved.inc({ stance, kind }, 0);
    }
  }
  for (const result of SCORE_CACHE_RESULTS) m.scoreCache.inc({ result }, 0);
  for (const format of WEBHOOK_FORMATS) {
    for (const outcome of DELIVERY_OUTCOMES) m.alertDeliveries.inc({ format, outcome }, 0);
  }
}
