import { z } from 'zod';
import { DEFAULT_HYPOTHESES } from './hypotheses.ts';

/**
 * Every setting stancewatch reads from the environment, validated once at start-up.
 * The README's configuration table is the user-facing twin of this schema: keep them together.
 */

const DEFAULT_HF_MODEL = 'MoritzLaurer/mDeBERTa-v3-base-xnli-multilingual-nli-2mil7';
const DEFAULT_MASTODON_TAGS = ['durov', 'FreeDurov', 'СвободуДурову', 'PavelDurov'];

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/** Comma-separated list; empty entries dropped. */
const list = z
  .string()
  .transform((s) => s.split(',').map((x) => x.trim()).filter((x) => x.length > 0));

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

/** A webhook as `format=url` (format: generic, slack or alertmanager) or a bare URL (generic). */
const webhook = z.string().transform((entry, ctx) => {
  const m = /^(generic|slack|alertmanager)=(.+)$/.exec(entry);
  const format = (m?.[1] ?? 'generic') as 'generic' | 'slack' | 'alertmanager';
  const url = m?.[2] ?? entry;
  if (!/^https?:\/\/[^\s]+$/.test(url)) {
    ctx.addIssue({ code: 'custom', message: 'each entry must be format=URL (format: generic, slack, alertmanager) or a URL' });
    return z.NEVER;
  }
  return { format, url };
});
export type Webhook = z.output<typeof webhook>;

export const envSchema = z.object({
  REDIS_URL: z.string().default('redis://127.0.0.1:6379').pipe(z.url({ protocol: /^rediss?$/, error: 'must be a redis:// or rediss:// URL' })),
  REDIS_PREFIX: z.string().regex(/^[A-Za-z0-9_{}-]+$/, 'letters, digits, _ - { } only').default('stancewatch'),
  PORT: int(0, 65535).default(8080),
  WORKERS_METRICS_PORT: int(0, 65535).default(9091),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

  SOURCES: list.default(['mastodon', 'bluesky', 'hackernews', 'reddit', 'telegram', 'rss']).pipe(z.array(z.enum(['mastodon', 'bluesky', 'hackernews', 'reddit', 'telegram', 'rss'])).min(0)),
  MASTODON_INSTANCES: list.default(['https://mastodon.social']).pipe(z.array(httpUrl).min(1)),
  MASTODON_TAGS: list.default(DEFAULT_MASTODON_TAGS).pipe(z.array(z.string().regex(/^[\p{L}\p{N}_]+$/u, 'hashtags are letters, digits and _')).min(1)),
  MASTODON_POLL_SECONDS: int(5, 86_400).default(60),
  MASTODON_PAGE_LIMIT: int(1, 40).default(40),
  MASTODON_MAX_PAGES_PER_POLL: int(1, 100).default(5),
  MASTODON_INITIAL_PAGES: int(1, 500).default(1),
  MASTODON_ACCESS_TOKEN: optionalSecret,
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
  REDDIT_USER_AGENT: z.string().regex(/^[\w.-]+:[\w.-]+:[\w.-]+ \(by \/u\/[\w-]+\)$/, 'must read <platform>:<app id>:<version> (by /u/<name>)').default('server:stancewatch:0.1 (by /u/stancewatch)'),
  REDDIT_QUERIES: list.default(['durov']),
  REDDIT_SUBREDDITS: list.default(['Telegram']),
  REDDIT_POLL_SECONDS: int(10, 86_400).default(300),
  REDDIT_MAX_PAGES_PER_POLL: int(1, 10).default(5),

  TELEGRAM_BASE_URL: httpUrl.default('https://t.me'),
  TELEGRAM_CHANNELS: list.default(['durov', 'tass_agency', 'rian_ru', 'meduzalive', 'bbcrussian']).pipe(z.array(z.string().regex(/^[A-Za-z0-9_]{4,64}$/, 'channel usernames are letters, digits and _'))),
  TELEGRAM_POLL_SECONDS: int(10, 86_400).default(120),
  TELEGRAM_MAX_PAGES_PER_POLL: int(1, 100).default(5),
  TELEGRAM_USER_AGENT: z.string().min(1).default('Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36'),

  RSS_FEEDS: list.default([
    'https://news.google.com/rss/search?q=Durov&hl=en-US&gl=US&ceid=US:en',
    'https://news.google.com/rss/search?q=Durov&hl=fr&gl=FR&ceid=FR:fr',
    'https://news.google.com/rss/search?q=%D0%94%D1%83%D1%80%D0%BE%D0%B2&hl=ru&gl=RU&ceid=RU:ru',
  ]).pipe(z.array(httpUrl)),
  RSS_POLL_SECONDS: int(60, 86_400).default(300),

  HTTP_TIMEOUT_MS: int(100, 120_000).default(10_000),
  HTTP_MAX_RESPONSE_BYTES: int(1_000, 100_000_000).default(2_000_000),
  HTTP_USER_AGENT: z.string().min(1).default('stancewatch/0.1 (+https://github.com/stancewatch/stancewatch)'),

  SCORER: z.enum(['auto', 'builtin', 'huggingface', 'tei']).default('auto'),
  HF_TOKEN: optionalSecret,
  HF_ENDPOINT_URL: optionalUrl,
  HF_MODEL: z.string().min(1).default(DEFAULT_HF_MODEL),
  HF_ROUTER_URL: httpUrl.default('https://router.huggingface.co'),
  HF_HUB_URL: httpUrl.default('https://huggingface.co'),
  HF_TIMEOUT_MS: int(100, 300_000).default(20_000),
  HF_CONCURRENCY: int(1, 64).default(4),
  HF_MAX_ATTEMPTS: int(1, 20).default(4),
  HF_BACKOFF_BASE_MS: int(1, 60_000).default(500),
  HF_BACKOFF_MAX_MS: int(1, 600_000).default(30_000),
  HF_TASK: z.enum(['zero-shot-classification', 'text-classification']).default('zero-shot-classification'),
  HF_LABEL_MAP: list.default(['FAVOR=support', 'AGAINST=criticism', 'NONE=neutral']).pipe(z.array(z.string().regex(/^[^=]+=(support|criticism|neutral)$/, 'each entry is LABEL=support|criticism|neutral'))),
  HF_MULTI_LABEL: z.enum(['true', 'false'], { error: 'must be true or false' }).default('false').transform((v) => v === 'true'),
  HYPOTHESIS_SUPPORT: z.string().min(5).default(DEFAULT_HYPOTHESES.support),
  HYPOTHESIS_CRITICISM: z.string().min(5).default(DEFAULT_HYPOTHESES.criticism),
  HYPOTHESIS_NEUTRAL: z.string().min(5).default(DEFAULT_HYPOTHESES.neutral),
  TEI_URL: optionalUrl,
  TEI_API_KEY: optionalSecret,
  TEI_MODEL: z.string().min(1).default(DEFAULT_HF_MODEL),
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

  SPIKE_WINDOWS_MINUTES: list.default(['5', '15']).pipe(z.array(z.string().regex(/^\d+$/, 'whole minutes').transform(Number).pipe(z.number().int().min(1).max(240))).min(1)),
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
  PUBLIC_BASE_URL: httpUrl.default('http://127.0.0.1:8080'),
});

export type Env = z.infer<typeof envSchema>;

export interface Config extends Env {
  /** Which scorer the workers use; derived so that code never re-derives it from tokens. */
  scorer: 'huggingface' | 'builtin' | 'tei';
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Names of variables that hold secrets: their values must never be echoed back in errors. */
const SECRET_VARIABLES = new Set(['TEI_API_KEY', 'HF_TOKEN', 'AUTHOR_HASH_KEY', 'REDIS_URL', 'ALERT_WEBHOOKS', 'ALERT_WEBHOOK_SECRET', 'MASTODON_ACCESS_TOKEN', 'BLUESKY_HANDLE', 'BLUESKY_APP_PASSWORD', 'REDDIT_CLIENT_ID', 'REDDIT_CLIENT_SECRET']);

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
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
      const shown = SECRET_VARIABLES.has(name) ? '' : ` (got ${JSON.stringify(relevant[name])})`;
      return `${name}: ${issue.message}${shown}`;
    });
    throw new ConfigError(problems);
  }
  const cfg = parsed.data;
  const auto = cfg.TEI_URL ? 'tei' : cfg.HF_TOKEN || cfg.HF_ENDPOINT_URL ? 'huggingface' : 'builtin';
  const scorer = cfg.SCORER === 'auto' ? auto : cfg.SCORER;
  if (scorer === 'tei' && !cfg.TEI_URL) throw new ConfigError(['SCORER: tei needs TEI_URL']);
  if (scorer === 'huggingface' && !cfg.HF_TOKEN && !cfg.HF_ENDPOINT_URL) throw new ConfigError(['SCORER: huggingface needs HF_TOKEN or HF_ENDPOINT_URL']);
  return { ...cfg, scorer };
}
