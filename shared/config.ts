import { z } from 'zod';
import { DEFAULT_HYPOTHESES } from './hypotheses.ts';
import type { Resolution } from './keys.ts';
import {
  LOG_FORMATS,
  SCORER_KINDS,
  SOURCE_NAMES,
  STANCES,
  WEBHOOK_FORMATS,
  type ScorerKind,
  type Stance,
  type WebhookFormat,
} from './lists.ts';
import type { DetectorConfig } from './spikes/detector.ts';
import { urlCredentials } from './redact.ts';
import { DEFAULT_POST_MAX_CHARS } from './text/bounds.ts';
import { redactUrlCredentials } from './text/safe-url.ts';

/**
 * Every setting stancewatch reads from the environment, validated once at start-up.
 * The README's configuration table is the user-facing twin of this schema: keep them together.
 */

/**
 * The serverless default must be a model the provider serves for zero-shot classification: since July 2025
 * hf-inference serves a limited set, and its documented zero-shot model is facebook/bart-large-mnli (English).
 * The multilingual NLI model is the recommended choice where we run it ourselves (an Inference Endpoint or TEI).
 */
const DEFAULT_HF_MODEL = 'facebook/bart-large-mnli';
const DEFAULT_HF_PROVIDER = 'hf-inference';
const DEFAULT_SELF_HOSTED_MODEL = 'MoritzLaurer/mDeBERTa-v3-base-xnli-multilingual-nli-2mil7';
const DEFAULT_MASTODON_TAGS = ['durov', 'FreeDurov', 'СвободуДурову', 'PavelDurov'];

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/** Comma-separated list; empty entries dropped. */
const list = z.string().transform((s) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x.length > 0),
);

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });

const optionalSecret = z
  .string()
  .optional()
  .transform((s) => (s && s.trim().length > 0 ? s.trim() : undefined));

const optionalUrl = z
  .string()
  .optional()
  .transform((s) => (s && s.trim().length > 0 ? s.trim() : undefined))
  .pipe(httpUrl.optional());

/** A webhook as `format=url` or a bare URL (generic). */
const WEBHOOK_ENTRY = new RegExp(`^(${WEBHOOK_FORMATS.join('|')})=(.+)$`);
const webhook = z.string().transform((entry, ctx) => {
  const m = WEBHOOK_ENTRY.exec(entry);
  const format = (m?.[1] ?? 'generic') as WebhookFormat;
  const url = m?.[2] ?? entry;
  if (!/^https?:\/\/[^\s]+$/.test(url)) {
    ctx.addIssue({
      code: 'custom',
      message: `each entry must be format=URL (format: ${WEBHOOK_FORMATS.join(', ')}) or a URL`,
    });
    return z.NEVER;
  }
  return { format, url };
});
export type Webhook = z.output<typeof webhook>;

export const envSchema = z.object({
  REDIS_URL: z
    .string()
    .default('redis://127.0.0.1:6379')
    .pipe(z.url({ protocol: /^rediss?$/, error: 'must be a redis:// or rediss:// URL' })),
  REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_{}-]+$/, 'letters, digits, _ - { } only')
    .default('stancewatch'),
  PORT: int(0, 65535).default(8080),
  WORKERS_METRICS_PORT: int(0, 65535).default(9091),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_FORMAT: z.enum(LOG_FORMATS).default('auto'),

  SOURCES: list.default([...SOURCE_NAMES]).pipe(z.array(z.enum(SOURCE_NAMES)).min(0)),
  MASTODON_INSTANCES: list.default(['https://mastodon.social']).pipe(z.array(httpUrl).min(1)),
  MASTODON_TAGS: list
    .default(DEFAULT_MASTODON_TAGS)
    .pipe(z.array(z.string().regex(/^[\p{L}\p{N}_]+$/u, 'hashtags are letters, digits and _')).min(1)),
  MASTODON_POLL_SECONDS: int(5, 86_400).default(60),
  MASTODON_PAGE_LIMIT: int(1, 40).default(40),
  MASTODON_MAX_PAGES_PER_POLL: int(1, 100).default(5),
  MASTODON_INITIAL_PAGES: int(1, 500).default(1),
  MASTODON_ACCESS_TOKEN: optionalSecret,
  MASTODON_LATE_WINDOW_MINUTES: int(0, 24 * 60).default(15),
  MASTODON_SEARCH_TERMS: list.default(['Durov', 'Дуров']),

  BLUESKY_SERVICE_URL: httpUrl.default('https://bsky.social'),
  BLUESKY_HANDLE: optionalSecret,
  BLUESKY_APP_PASSWORD: optionalSecret,
  BLUESKY_QUERIES: list.default(['durov', 'дуров', 'FreeDurov']).pipe(z.array(z.string()).min(1)),
  BLUESKY_POLL_SECONDS: int(10, 86_400).default(120),
  BLUESKY_MAX_PAGES_PER_POLL: int(1, 100).default(10),
  BLUESKY_INITIAL_LOOKBACK_HOURS: int(1, 24 * 30).default(24),

  HN_BASE_URL: httpUrl.default('https://hn.algolia.com'),
  HN_QUERIES: list.default(['durov']).pipe(z.array(z.string()).min(1)),
  HN_POLL_SECONDS: int(10, 86_400).default(120),
  HN_MAX_PAGES_PER_POLL: int(1, 200).default(20),
  HN_INITIAL_LOOKBACK_HOURS: int(1, 24 * 365).default(24),

  REDDIT_PUBLIC_URL: httpUrl.default('https://www.reddit.com'),
  REDDIT_OAUTH_URL: httpUrl.default('https://oauth.reddit.com'),
  REDDIT_AUTH_URL: httpUrl.default('https://www.reddit.com'),
  REDDIT_CLIENT_ID: optionalSecret,
  REDDIT_CLIENT_SECRET: optionalSecret,
  REDDIT_USER_AGENT: z
    .string()
    .regex(/^[\w.-]+:[\w.-]+:[\w.-]+ \(by \/u\/[\w-]+\)$/, 'must read <platform>:<app id>:<version> (by /u/<name>)')
    .default('server:stancewatch:0.1 (by /u/stancewatch)'),
  REDDIT_QUERIES: list.default(['durov']),
  REDDIT_SUBREDDITS: list.default(['Telegram']),
  REDDIT_POLL_SECONDS: int(10, 86_400).default(300),
  REDDIT_MAX_PAGES_PER_POLL: int(1, 10).default(5),

  TELEGRAM_BASE_URL: httpUrl.default('https://t.me'),
  TELEGRAM_CHANNELS: list
    .default(['durov', 'tass_agency', 'rian_ru', 'meduzalive', 'bbcrussian'])
    .pipe(z.array(z.string().regex(/^[A-Za-z0-9_]{4,64}$/, 'channel usernames are letters, digits and _'))),
  TELEGRAM_POLL_SECONDS: int(10, 86_400).default(120),
  TELEGRAM_MAX_PAGES_PER_POLL: int(1, 100).default(5),
  TELEGRAM_USER_AGENT: z
    .string()
    .min(1)
    .default('Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36'),

  // Google News search feeds are ordered by relevance and weeks deep: `when:1d` keeps them to the last day.
  RSS_FEEDS: list
    .default([
      'https://news.google.com/rss/search?q=Durov+when:1d&hl=en-US&gl=US&ceid=US:en',
      'https://news.google.com/rss/search?q=Durov+when:1d&hl=fr&gl=FR&ceid=FR:fr',
      'https://news.google.com/rss/search?q=%D0%94%D1%83%D1%80%D0%BE%D0%B2+when:1d&hl=ru&gl=RU&ceid=RU:ru',
    ])
    .pipe(z.array(httpUrl)),
  RSS_MAX_AGE_HOURS: int(1, 24 * 365).default(48),
  RSS_POLL_SECONDS: int(60, 86_400).default(300),

  HTTP_TIMEOUT_MS: int(100, 120_000).default(10_000),
  HTTP_MAX_RESPONSE_BYTES: int(1_000, 100_000_000).default(2_000_000),
  HTTP_USER_AGENT: z.string().min(1).default('stancewatch/0.1 (+https://github.com/stancewatch/stancewatch)'),

  SCORER: z.enum(['auto', ...SCORER_KINDS]).default('auto'),
  HF_TOKEN: optionalSecret,
  HF_ENDPOINT_URL: optionalUrl,
  HF_MODEL: z.string().min(1).default(DEFAULT_HF_MODEL),
  HF_PROVIDER: z
    .string()
    .regex(/^[a-z0-9-]+$/, 'a provider name such as hf-inference')
    .default(DEFAULT_HF_PROVIDER),
  HF_ROUTER_URL: httpUrl.default('https://router.huggingface.co'),
  HF_HUB_URL: httpUrl.default('https://huggingface.co'),
  HF_TIMEOUT_MS: int(100, 300_000).default(20_000),
  HF_CONCURRENCY: int(1, 64).default(4),
  HF_MAX_ATTEMPTS: int(1, 20).default(4),
  HF_BACKOFF_BASE_MS: int(1, 60_000).default(500),
  HF_BACKOFF_MAX_MS: int(1, 600_000).default(30_000),
  HF_TASK: z.enum(['zero-shot-classification', 'text-classification']).default('zero-shot-classification'),
  HF_LABEL_MAP: list
    .default(['FAVOR=support', 'AGAINST=criticism', 'NONE=neutral'])
    .pipe(
      z.array(
        z.string().regex(new RegExp(`^[^=]+=(${STANCES.join('|')})$`), `each entry is LABEL=${STANCES.join('|')}`),
      ),
    ),
  HF_MULTI_LABEL: z
    .enum(['true', 'false'], { error: 'must be true or false' })
    .default('false')
    .transform((v) => v === 'true'),
  HYPOTHESIS_SUPPORT: z.string().min(5).default(DEFAULT_HYPOTHESES.support),
  HYPOTHESIS_CRITICISM: z.string().min(5).default(DEFAULT_HYPOTHESES.criticism),
  HYPOTHESIS_NEUTRAL: z.string().min(5).default(DEFAULT_HYPOTHESES.neutral),
  TEI_URL: optionalUrl,
  TEI_API_KEY: optionalSecret,
  TEI_MODEL: z.string().min(1).default(DEFAULT_SELF_HOSTED_MODEL),
  TEI_MAX_BATCH: int(3, 1_024).default(32),
  MODEL_REQUESTS_PER_MINUTE: int(0, 1_000_000).default(0),
  MODEL_BREAKER_FAILURES: int(1, 1_000).default(3),
  MODEL_BREAKER_COOLDOWN_SECONDS: int(1, 86_400).default(60),
  SCORER_FALLBACK: z.enum(['none', 'builtin']).default('none'),
  BUILTIN_MODEL: z.enum(['linear', 'lexicon']).default('linear'),

  SCORE_BATCH_SIZE: int(1, 1_000).default(50),
  SCORE_WORKER_CONCURRENCY: int(1, 64).default(2),
  AUTHOR_HASH_KEY: optionalSecret,
  SEEN_TTL_DAYS: int(1, 3_650).default(14),
  POSTS_RETENTION_HOURS: int(1, 24 * 365).default(72),
  POSTS_RETENTION_MAX: int(10, 10_000_000).default(20_000),
  MINUTE_BUCKETS_RETENTION_DAYS: int(1, 365).default(8),
  HOUR_BUCKETS_RETENTION_DAYS: int(1, 3_650).default(1_100),
  DAY_BUCKETS_RETENTION_DAYS: int(1, 36_500).default(3_650),
  TRENDS_MAX_BUCKETS: int(10, 100_000).default(1_500),
  WORKER_HEARTBEAT_SECONDS: int(1, 3_600).default(10),
  JOB_LOCK_SECONDS: int(1, 3_600).default(30),
  JOB_MAX_STALLS: int(1, 1_000).default(10),
  SHUTDOWN_GRACE_SECONDS: int(0, 600).default(8),
  REDIS_COMMAND_TIMEOUT_MS: int(50, 60_000).default(2_000),

  SPIKE_WINDOWS_MINUTES: list
    .default(['5', '15'])
    .pipe(
      z
        .array(z.string().regex(/^\d+$/, 'whole minutes').transform(Number).pipe(z.number().int().min(1).max(240)))
        .min(1),
    ),
  SPIKE_BASELINE_MINUTES: int(30, 7 * 24 * 60).default(360),
  SPIKE_P_FIRE: z.coerce.number().gt(0).lt(1).default(1e-6),
  SPIKE_P_RESOLVE: z.coerce.number().gt(0).lt(1).default(0.01),
  SPIKE_MIN_COUNT: int(1, 1_000_000).default(10),
  SPIKE_MIN_TOTAL: int(1, 1_000_000).default(20),
  SPIKE_MIN_SHARE_RISE: z.coerce.number().min(0).max(1).default(0.15),
  SPIKE_RESOLVE_AFTER: int(1, 1_000).default(3),
  SPIKE_COOLDOWN_MINUTES: int(0, 10_000).default(30),
  ALERT_WEBHOOKS: list.default([]).pipe(z.array(webhook)),
  ALERT_WEBHOOK_SECRET: optionalSecret,
  ALERT_DELIVERY_ATTEMPTS: int(1, 20).default(6),
  ALERT_DELIVERY_BACKOFF_MS: int(10, 600_000).default(5_000),
  PUBLIC_BASE_URL: httpUrl.default('http://127.0.0.1:8080'),

  POST_MAX_CHARS: int(280, 100_000).default(DEFAULT_POST_MAX_CHARS),
  API_MAX_RESPONSE_BYTES: int(100_000, 100_000_000).default(1_000_000),
  API_REFRESH_FLOOR_MS: int(0, 60_000).default(1_000),
  API_KEYS_SHA256: list.default([]).pipe(
    z.array(
      z
        .string()
        .regex(/^[0-9a-f]{64}$/i, 'each entry is the hex SHA-256 of a key (`printf %s KEY | sha256sum`)')
        .transform((h) => h.toLowerCase()),
    ),
  ),
  API_RATE_LIMIT_PER_MINUTE: int(0, 1_000_000).default(600),
  API_CORS_ORIGINS: list
    .default([])
    .pipe(z.array(z.union([z.literal('*'), httpUrl.transform((u) => new URL(u).origin)]))),
  API_METRICS_PORT: int(0, 65535).optional(),
});

export type Env = z.infer<typeof envSchema>;

/** The settings, by the part of stancewatch that uses them: each module receives its own section, never the env. */
export type Config = ReturnType<typeof sections>;
export type RedisConfig = Config['redis'];
export type ApiConfig = Config['api'];
export type WorkersConfig = Config['workers'];
export type SourcesConfig = Config['sources'];
export type ScoringConfig = Config['scoring'];
export type RetentionConfig = Config['retention'];
export type SpikesConfig = Config['spikes'];
export type AlertsConfig = Config['alerts'];
export type HttpSettings = SourcesConfig['http'];

const DAY_SECONDS = 86_400;
const seconds = (s: number) => s * 1_000;
const hours = (h: number) => h * 3_600_000;
/** Optional settings stay absent rather than present-but-undefined, so a section can be spread as options. */
const ifSet = <K extends string, V>(key: K, value: V | undefined) =>
  (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };

/** The one place where environment variables become settings. */
function sections(env: Env, scorer: ScorerKind) {
  const http = {
    timeoutMs: env.HTTP_TIMEOUT_MS,
    maxBytes: env.HTTP_MAX_RESPONSE_BYTES,
    userAgent: env.HTTP_USER_AGENT,
  };
  const day = DAY_SECONDS;
  return {
    logLevel: env.LOG_LEVEL,
    logFormat: env.LOG_FORMAT,
    /** Every process: how long running work gets after SIGTERM before it is handed back. */
    shutdownGraceMs: seconds(env.SHUTDOWN_GRACE_SECONDS),
    /** commandTimeoutMs bounds the API's fail-fast connection (reads, /readyz, /metrics), not the workers'. */
    redis: { url: env.REDIS_URL, prefix: env.REDIS_PREFIX, commandTimeoutMs: env.REDIS_COMMAND_TIMEOUT_MS },
    api: {
      port: env.PORT,
      maxBuckets: env.TRENDS_MAX_BUCKETS,
      maxPostChars: env.POST_MAX_CHARS,
      maxResponseBytes: env.API_MAX_RESPONSE_BYTES,
      refreshFloorMs: env.API_REFRESH_FLOOR_MS,
      ...ifSet('metricsPort', env.API_METRICS_PORT),
      access: {
        keySha256: env.API_KEYS_SHA256,
        ratePerMinute: env.API_RATE_LIMIT_PER_MINUTE,
        corsOrigins: env.API_CORS_ORIGINS,
      },
    },
    workers: {
      metricsPort: env.WORKERS_METRICS_PORT,
      heartbeatSeconds: env.WORKER_HEARTBEAT_SECONDS,
      jobLockMs: seconds(env.JOB_LOCK_SECONDS),
      maxStalls: env.JOB_MAX_STALLS,
      scoreBatchSize: env.SCORE_BATCH_SIZE,
      scoreConcurrency: env.SCORE_WORKER_CONCURRENCY,
      ...ifSet('authorHashKey', env.AUTHOR_HASH_KEY),
    },
    sources: {
      enabled: env.SOURCES,
      http,
      /** Post text is cut to this many characters when collected. */
      maxPostChars: env.POST_MAX_CHARS,
      mastodon: {
        instances: env.MASTODON_INSTANCES,
        tags: env.MASTODON_TAGS,
        pollEveryMs: seconds(env.MASTODON_POLL_SECONDS),
        pageLimit: env.MASTODON_PAGE_LIMIT,
        maxPagesPerPoll: env.MASTODON_MAX_PAGES_PER_POLL,
        initialPages: env.MASTODON_INITIAL_PAGES,
        lateWindowMs: env.MASTODON_LATE_WINDOW_MINUTES * 60_000,
        http,
        ...(env.MASTODON_ACCESS_TOKEN
          ? { accessToken: env.MASTODON_ACCESS_TOKEN, searchTerms: env.MASTODON_SEARCH_TERMS }
          : {}),
      },
      bluesky: {
        serviceUrl: env.BLUESKY_SERVICE_URL,
        ...ifSet('handle', env.BLUESKY_HANDLE),
        ...ifSet('appPassword', env.BLUESKY_APP_PASSWORD),
        queries: env.BLUESKY_QUERIES,
        pollEveryMs: seconds(env.BLUESKY_POLL_SECONDS),
        maxPagesPerPoll: env.BLUESKY_MAX_PAGES_PER_POLL,
        initialLookbackMs: hours(env.BLUESKY_INITIAL_LOOKBACK_HOURS),
        http,
      },
      hackernews: {
        baseUrl: env.HN_BASE_URL,
        queries: env.HN_QUERIES,
        pollEveryMs: seconds(env.HN_POLL_SECONDS),
        hitsPerPage: 100,
        maxPagesPerPoll: env.HN_MAX_PAGES_PER_POLL,
        initialLookbackMs: hours(env.HN_INITIAL_LOOKBACK_HOURS),
        http,
      },
      reddit: {
        publicUrl: env.REDDIT_PUBLIC_URL,
        oauthUrl: env.REDDIT_OAUTH_URL,
        authUrl: env.REDDIT_AUTH_URL,
        ...(env.REDDIT_CLIENT_ID && env.REDDIT_CLIENT_SECRET
          ? { clientId: env.REDDIT_CLIENT_ID, clientSecret: env.REDDIT_CLIENT_SECRET }
          : {}),
        userAgent: env.REDDIT_USER_AGENT,
        queries: env.REDDIT_QUERIES,
        subreddits: env.REDDIT_SUBREDDITS,
        pollEveryMs: seconds(env.REDDIT_POLL_SECONDS),
        maxPagesPerPoll: env.REDDIT_MAX_PAGES_PER_POLL,
        http: { timeoutMs: http.timeoutMs, maxBytes: http.maxBytes },
      },
      telegram: {
        baseUrl: env.TELEGRAM_BASE_URL,
        channels: env.TELEGRAM_CHANNELS,
        pollEveryMs: seconds(env.TELEGRAM_POLL_SECONDS),
        maxPagesPerPoll: env.TELEGRAM_MAX_PAGES_PER_POLL,
        http: { ...http, userAgent: env.TELEGRAM_USER_AGENT },
      },
      rss: {
        feeds: env.RSS_FEEDS,
        pollEveryMs: seconds(env.RSS_POLL_SECONDS),
        maxAgeMs: hours(env.RSS_MAX_AGE_HOURS),
        http,
      },
    },
    scoring: {
      kind: scorer,
      fallback: env.SCORER_FALLBACK,
      builtinModel: env.BUILTIN_MODEL,
      hypotheses: {
        support: env.HYPOTHESIS_SUPPORT,
        criticism: env.HYPOTHESIS_CRITICISM,
        neutral: env.HYPOTHESIS_NEUTRAL,
      },
      multiLabel: env.HF_MULTI_LABEL,
      /** Shared by every model scorer: the HF_ prefix predates TEI. */
      retries: {
        timeoutMs: env.HF_TIMEOUT_MS,
        maxAttempts: env.HF_MAX_ATTEMPTS,
        backoffBaseMs: env.HF_BACKOFF_BASE_MS,
        backoffMaxMs: env.HF_BACKOFF_MAX_MS,
      },
      requestsPerMinute: env.MODEL_REQUESTS_PER_MINUTE,
      breaker: { failures: env.MODEL_BREAKER_FAILURES, cooldownMs: seconds(env.MODEL_BREAKER_COOLDOWN_SECONDS) },
      cacheTtlSeconds: env.SEEN_TTL_DAYS * day,
      huggingface: {
        ...ifSet('token', env.HF_TOKEN),
        ...ifSet('endpointUrl', env.HF_ENDPOINT_URL),
        model: env.HF_MODEL,
        provider: env.HF_PROVIDER,
        routerUrl: env.HF_ROUTER_URL,
        hubUrl: env.HF_HUB_URL,
        concurrency: env.HF_CONCURRENCY,
        ...(env.HF_TASK === 'text-classification' ? { classifier: { labelMap: parseLabelMap(env.HF_LABEL_MAP) } } : {}),
      },
      tei: {
        ...ifSet('url', env.TEI_URL),
        ...ifSet('apiKey', env.TEI_API_KEY),
        modelLabel: env.TEI_MODEL,
        maxBatch: env.TEI_MAX_BATCH,
      },
    },
    retention: {
      /** How long a post is remembered as seen (collector) and as counted (aggregator). */
      seenSeconds: env.SEEN_TTL_DAYS * day,
      countedSeconds: env.SEEN_TTL_DAYS * day,
      postsSeconds: env.POSTS_RETENTION_HOURS * 3_600,
      postsMax: env.POSTS_RETENTION_MAX,
      bucketsSeconds: {
        m: env.MINUTE_BUCKETS_RETENTION_DAYS * day,
        h: env.HOUR_BUCKETS_RETENTION_DAYS * day,
        d: env.DAY_BUCKETS_RETENTION_DAYS * day,
      } satisfies Record<Resolution, number>,
    },
    spikes: {
      windowsMin: env.SPIKE_WINDOWS_MINUTES,
      baselineMin: env.SPIKE_BASELINE_MINUTES,
      detector: {
        pFire: env.SPIKE_P_FIRE,
        pResolve: env.SPIKE_P_RESOLVE,
        minCount: env.SPIKE_MIN_COUNT,
        minTotal: env.SPIKE_MIN_TOTAL,
        minShareRise: env.SPIKE_MIN_SHARE_RISE,
        resolveAfter: env.SPIKE_RESOLVE_AFTER,
        cooldownMs: env.SPIKE_COOLDOWN_MINUTES * 60_000,
      } satisfies DetectorConfig,
    },
    alerts: {
      webhooks: env.ALERT_WEBHOOKS,
      ...ifSet('secret', env.ALERT_WEBHOOK_SECRET),
      baseUrl: env.PUBLIC_BASE_URL,
      timeoutMs: env.HTTP_TIMEOUT_MS,
      delivery: { attempts: env.ALERT_DELIVERY_ATTEMPTS, backoffMs: env.ALERT_DELIVERY_BACKOFF_MS },
    },
  };
}

/** Each `LABEL=stance` entry of HF_LABEL_MAP, labels lower-cased (they compare case-insensitively). */
export function parseLabelMap(entries: readonly string[]): ReadonlyMap<string, Stance> {
  return new Map(
    entries.map((e) => {
      const [label, stance] = e.split('=') as [string, Stance];
      return [label.trim().toLowerCase(), stance];
    }),
  );
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Names of variables that hold secrets: their values must never be echoed back in errors. */
const SECRET_VARIABLES = new Set([
  'TEI_API_KEY',
  'HF_TOKEN',
  'AUTHOR_HASH_KEY',
  'REDIS_URL',
  'ALERT_WEBHOOKS',
  'ALERT_WEBHOOK_SECRET',
  'MASTODON_ACCESS_TOKEN',
  'BLUESKY_HANDLE',
  'BLUESKY_APP_PASSWORD',
  'REDDIT_CLIENT_ID',
  'REDDIT_CLIENT_SECRET',
]);

/** The variables, validated; one ConfigError names every bad one. Only `loadConfig` and the README sync test read this. */
export function parseEnv(env: NodeJS.ProcessEnv = process.env): Env {
  const relevant: Record<string, string | undefined> = {};
  for (const key of Object.keys(envSchema.shape)) {
    const value = env[key];
    // An empty variable means "not set", as it does in docker-compose's `VAR=` lines.
    relevant[key] = value === '' ? undefined : value;
  }
  const parsed = envSchema.safeParse(relevant);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? '?');
      const shown = SECRET_VARIABLES.has(name)
        ? ''
        : ` (got ${redactUrlCredentials(JSON.stringify(relevant[name]) ?? 'nothing')})`;
      return `${name}: ${issue.message}${shown}`;
    });
    throw new ConfigError(problems);
  }
  return parsed.data;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const cfg = parseEnv(env);
  const auto = cfg.TEI_URL ? 'tei' : cfg.HF_TOKEN || cfg.HF_ENDPOINT_URL ? 'huggingface' : 'builtin';
  const scorer = cfg.SCORER === 'auto' ? auto : cfg.SCORER;
  if (cfg.RSS_MAX_AGE_HOURS >= cfg.SEEN_TTL_DAYS * 24) {
    // An item older than its seen marker could come back in a relevance-ordered feed and be counted again.
    throw new ConfigError([
      `RSS_MAX_AGE_HOURS: must be under SEEN_TTL_DAYS (${cfg.SEEN_TTL_DAYS} days), or an old article could be counted twice`,
    ]);
  }
  if (scorer === 'tei' && !cfg.TEI_URL) throw new ConfigError(['SCORER: tei needs TEI_URL']);
  if (scorer === 'huggingface' && !cfg.HF_TOKEN && !cfg.HF_ENDPOINT_URL)
    throw new ConfigError(['SCORER: huggingface needs HF_TOKEN or HF_ENDPOINT_URL']);
  return sections(cfg, scorer);
}

/**
 * Every secret value in the settings, and the credentials inside their URLs: what the log redactor must
 * never let through, whatever echoes it back. A webhook URL is itself a credential (a Slack hook's path is its secret).
 */
export function secretValues(cfg: Config): string[] {
  const { huggingface: hf, tei } = cfg.scoring;
  const { mastodon, bluesky, reddit } = cfg.sources;
  const values = [
    hf.token,
    tei.apiKey,
    cfg.workers.authorHashKey,
    cfg.alerts.secret,
    mastodon.accessToken,
    bluesky.handle,
    bluesky.appPassword,
    reddit.clientId,
    reddit.clientSecret,
    ...cfg.alerts.webhooks.map((w) => w.url),
  ];
  const urls = [
    cfg.redis.url,
    hf.endpointUrl,
    hf.routerUrl,
    hf.hubUrl,
    tei.url,
    bluesky.serviceUrl,
    cfg.sources.hackernews.baseUrl,
    reddit.publicUrl,
    reddit.oauthUrl,
    reddit.authUrl,
    cfg.sources.telegram.baseUrl,
    cfg.alerts.baseUrl,
    ...mastodon.instances,
    ...cfg.sources.rss.feeds,
  ];
  return [...values.filter((v): v is string => typeof v === 'string'), ...urls.flatMap(urlCredentials)];
}
