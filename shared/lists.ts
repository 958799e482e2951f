/**
 * Every enumerated list stancewatch uses, defined once. Types, zod enums, metric label initialisation and
 * OpenAPI enums are derived from these arrays, so adding a value here is the whole change.
 */

/** Platforms stancewatch collects from; also the `source` label of metrics, so keep it small. */
export const SOURCE_NAMES = ['mastodon', 'bluesky', 'hackernews', 'reddit', 'telegram', 'rss'] as const;
export type SourceName = (typeof SOURCE_NAMES)[number];

export const STANCES = ['support', 'criticism', 'neutral'] as const;
export type Stance = (typeof STANCES)[number];

/** The kinds of scorer; the `scorer` label of metrics. */
/** Ids of the built-in scorers' results: the trained linear model (the default) and the lexicon. Not hosted models. */
export const BUILTIN_MODEL_IDS = ['builtin-linear-v1', 'builtin-lexicon-v1'] as const;
export type BuiltinModelId = (typeof BUILTIN_MODEL_IDS)[number];

export const SCORER_KINDS = ['builtin', 'huggingface', 'tei'] as const;
export type ScorerKind = (typeof SCORER_KINDS)[number];

/** Why a poll or an item failed; the `reason` label of stancewatch_collect_errors_total. */
export const COLLECT_ERROR_REASONS = [
  'http_4xx',
  'http_5xx',
  'rate_limited',
  'blocked',
  'timeout',
  'network',
  'too_large',
  'malformed_page',
  'malformed_item',
  'unsafe_url',
] as const;
export type CollectErrorReason = (typeof COLLECT_ERROR_REASONS)[number];

/** Where a post was recognised as seen before; the `stage` label of stancewatch_posts_duplicate_total. */
export const DUPLICATE_STAGES = ['collect', 'score'] as const;

export const SCORE_CACHE_RESULTS = ['hit', 'miss'] as const;

/** Only rises are alerted on: a spike of neutral posts is not news. */
export const SPIKE_STANCES = ['support', 'criticism'] as const satisfies readonly Stance[];
export type SpikeStance = (typeof SPIKE_STANCES)[number];

export const SPIKE_KINDS = ['volume', 'share'] as const;
export type SpikeKind = (typeof SPIKE_KINDS)[number];

/** How logs are written: `auto` is readable lines on a terminal and JSON lines anywhere else. */
export const LOG_FORMATS = ['auto', 'json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export const ALERT_STATES = ['firing', 'resolved'] as const;
export type AlertState = (typeof ALERT_STATES)[number];

/**
 * `alertmanager` is Alertmanager's ingest API (`POST /api/v2/alerts`, an array of postable alerts);
 * `alertmanager-webhook` is the notification object Alertmanager itself *sends* to webhook receivers
 * (version 4), for tools written to receive that.
 */
export const WEBHOOK_FORMATS = ['generic', 'slack', 'alertmanager', 'alertmanager-webhook'] as const;
export type WebhookFormat = (typeof WEBHOOK_FORMATS)[number];

/** delivered; retrying (an attempt failed, BullMQ tries again); failed (given up after every retry). */
export const DELIVERY_OUTCOMES = ['delivered', 'retrying', 'failed'] as const;
export type DeliveryOutcome = (typeof DELIVERY_OUTCOMES)[number];

/** Result of one webhook delivery attempt; the `result` label of stancewatch_alert_delivery_attempts_total. */
export const DELIVERY_RESULTS = ['delivered', 'http_4xx', 'http_5xx', 'timeout', 'network'] as const;
export type DeliveryResult = (typeof DELIVERY_RESULTS)[number];

/** What became of a post the model refused: scored by the fallback, or left out as unscorable. */
export const REJECTION_OUTCOMES = ['fallback', 'unscorable'] as const;
export type RejectionOutcome = (typeof REJECTION_OUTCOMES)[number];

/** What a drivers token is; its prefix in the token hashes (w:, #, d:, a:) says which. */
export const TOKEN_KINDS = ['word', 'hashtag', 'domain', 'argument'] as const;
export type TokenKind = (typeof TOKEN_KINDS)[number];

/** The formats of GET /api/v1/export/* and `npm run export`; the first is the default. */
export const EXPORT_FORMATS = ['csv', 'ndjson'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];
