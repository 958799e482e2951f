import type { Logger } from './logger.ts';

export interface BannerInfo {
  api: string;
  dashboard?: string;
  metrics: string;
  scorer?: string;
  sources?: string[];
  redis: string;
}

/** The start-up lines that say what runs where. Pure. */
export function bannerLines(b: BannerInfo): string[] {
  const rows: Array<[string, string | undefined]> = [
    ['dashboard', b.dashboard],
    ['API', `${b.api}/api/v1 (OpenAPI: ${b.api}/api/v1/openapi.json)`],
    ['metrics', b.metrics],
    [
      'scorer',
      b.scorer &&
        (b.scorer === 'builtin-lexicon-v1'
          ? `${b.scorer} (built-in fallback: set HF_TOKEN or TEI_URL for a model)`
          : b.scorer),
    ],
    ['sources', b.sources && (b.sources.length ? b.sources.join(', ') : 'none')],
    ['redis', b.redis],
  ];
  const shown = rows.filter((r): r is [string, string] => r[1] !== undefined);
  const width = Math.max(...shown.map(([k]) => k.length));
  return ['stancewatch is running', ...shown.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`)];
}

/** On a terminal a readable block; in JSON one record whose fields a log pipeline can index. */
export function logBanner(log: Logger, b: BannerInfo, pretty = false): void {
  if (pretty) log.info(`\n${bannerLines(b).join('\n')}`);
  else log.info({ ...b }, 'stancewatch is running');
}
