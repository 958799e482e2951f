/**
 * The Redis key layout, in one place. Every key stancewatch writes starts with the configured prefix, so
 * several deployments (or test runs) can share one Redis without seeing each other's data.
 */
export type Resolution = 'm' | 'h' | 'd';

export interface Keys {
  /** BullMQ's own prefix (it adds `:<queue>:…`). */
  readonly bullPrefix: string;
  /** Marks a post as handed to the scorer; makes re-polls cheap. */
  seen(postKey: string): string;
  /** Marks a post as counted in the aggregates: the exactly-once guard. */
  counted(postKey: string): string;
  /** Time bucket hash: fields are counts and score sums per source/language/stance. */
  bucket(res: Resolution, startSeconds: number): string;
  /** Cached stance of a text fingerprint under one model: reposts and cross-posts reuse it. */
  scoreCache(modelId: string, fingerprint: string): string;
  /** Held while one worker scores a fingerprint, so concurrent copies wait for its result instead of calling the model. */
  scoreClaim(modelId: string, fingerprint: string): string;
  /** A stored scored post (JSON). */
  post(postKey: string): string;
  /** Recent posts, newest first by creation time; `dim` is "all" or e.g. "stance=support". */
  recent(dim: string): string;
  /** Incremented on every aggregate write; cheap ETag source for pollers. */
  readonly dataVersion: string;
  /** Set of model ids that have produced counted scores. */
  readonly models: string;
  /** Per-feed collection cursor. */
  cursor(feedId: string): string;
  /** Held while a poll of the feed runs, so two workers never poll one feed at once. */
  pollLock(feedId: string): string;
  /** Per-feed "do not poll before" epoch ms, set by rate limits and Retry-After. */
  notBefore(feedId: string): string;
  /** Hash feedId → epoch ms of the last successful poll. */
  readonly sourceLastSuccess: string;
  /** Hash feedId → last error reason. */
  readonly sourceLastError: string;
  /** Sorted set workerId → epoch ms of its last heartbeat: /readyz counts live workers with one ZCOUNT. */
  readonly workers: string;
  /** Capped list of posts the model refused (key, source, reason) and that no fallback scored. */
  readonly unscorable: string;
  /** Hash "stance/kind/window" → JSON detector state of that series. */
  readonly spikeState: string;
  /** Hash "stance/kind/window" → JSON of the latest assessment (for the z-score gauge). */
  readonly spikeLast: string;
  /** One alert (JSON). */
  alert(id: string): string;
  /** Sorted set of alert ids by start time (ms). */
  readonly alerts: string;
  /** Incremented whenever an alert fires or resolves; ETag source for /api/v1/alerts. */
  readonly alertsVersion: string;
  /** JSON {model, up, at, reason}: the stance model's health as the workers last saw it (a reason code, never upstream text). */
  readonly modelState: string;
  /** Token bucket for a source whose limit is per client or IP, shared by all workers processes. */
  sourceBudget(source: string): string;
  /** Token bucket for the model's shared requests-per-minute budget. */
  readonly modelBudget: string;
  /** Random author-hash key, created once when none is configured. */
  readonly authorHashKey: string;
  /** Prefix of the API's per-key rate-limit counters (rate-limiter-flexible appends `:<key id>`). */
  readonly apiRateLimit: string;
  /** Hash token → posts, for one token bucket ("10m" or "h" from `start`), stance and dimension ("all", "source=…", "lang=…", "source=…,lang=…"). */
  tokens(res: string, startSeconds: number, stance: string, dim: string): string;
  /** Sorted set of hour token hashes still to be rolled up from their 10-minute hashes (score: when each may be rolled up). */
  readonly tokensPending: string;
}

export function createKeys(prefix: string): Keys {
  const p = prefix;
  return {
    bullPrefix: `${p}:q`,
    seen: (k) => `${p}:seen:${k}`,
    counted: (k) => `${p}:counted:${k}`,
    bucket: (res, start) => `${p}:b:${res}:${start}`,
    post: (k) => `${p}:post:${k}`,
    scoreCache: (model, fp) => `${p}:score-cache:${model}:${fp}`,
    scoreClaim: (model, fp) => `${p}:score-claim:${model}:${fp}`,
    recent: (dim) => `${p}:recent:${dim}`,
    dataVersion: `${p}:data-version`,
    models: `${p}:models`,
    cursor: (feed) => `${p}:cursor:${feed}`,
    pollLock: (feed) => `${p}:poll-lock:${feed}`,
    notBefore: (feed) => `${p}:not-before:${feed}`,
    sourceLastSuccess: `${p}:source:last-success`,
    sourceLastError: `${p}:source:last-error`,
    workers: `${p}:workers`,
    unscorable: `${p}:unscorable`,
    spikeState: `${p}:spike:state`,
    spikeLast: `${p}:spike:last`,
    alert: (id) => `${p}:alert:${id}`,
    alerts: `${p}:alerts`,
    alertsVersion: `${p}:alerts-version`,
    modelState: `${p}:model:state`,
    modelBudget: `${p}:model:budget`,
    sourceBudget: (source) => `${p}:source-budget:${source}`,
    authorHashKey: `${p}:author-hash-key`,
    apiRateLimit: `${p}:api-rate`,
    tokens: (res, start, stance, dim) => `${p}:tok:${res}:${start}:${stance}:${dim}`,
    tokensPending: `${p}:tok:pending`,
  };
}
