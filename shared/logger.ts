import { pino, type DestinationStream, type Logger } from 'pino';
import pretty from 'pino-pretty';
import type { LogFormat } from './lists.ts';

export type { Logger };

/** LOG_FORMAT `auto`: someone reading a terminal gets logs for eyes; a pipe, a file or Docker gets JSON lines. */
export const prettyLogs = (format: LogFormat): boolean =>
  format === 'pretty' || (format === 'auto' && Boolean(process.stdout.isTTY));

/** Secret fields by name, in the environment's spelling and in the settings sections', at any depth up to three. */
const SECRET_FIELDS = [
  'token',
  'accessToken',
  'apiKey',
  'appPassword',
  'clientSecret',
  'authorHashKey',
  'secret',
  'webhooks',
  'HF_TOKEN',
  'AUTHOR_HASH_KEY',
];

/**
 * Structured logs (pino): JSON lines, or readable lines (pino-pretty) when asked for. Secrets are redacted by
 * path as a second line of defence: code never puts a token in a log line on purpose, but an error object
 * from a library might carry one.
 */
export function createLogger(
  level: string,
  name = 'stancewatch',
  destination?: DestinationStream,
  opts: { pretty?: boolean } = {},
): Logger {
  const options = {
    name,
    level,
    redact: {
      paths: [
        ...SECRET_FIELDS.flatMap((f) => [f, `*.${f}`, `*.*.${f}`, `*.*.*.${f}`]),
        'headers.authorization',
        'headers.Authorization',
        '*.headers.authorization',
        '*.headers.Authorization',
        'err.httpRequest.headers',
        'httpRequest.headers',
      ],
      censor: '[redacted]',
    },
  };
  if (destination) return pino(options, destination);
  if (opts.pretty)
    return pino(options, pretty({ colorize: true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname', sync: true }));
  return pino(options);
}
