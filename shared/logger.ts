import { destination as fdDestination, pino, type DestinationStream, type Logger } from 'pino';
import pretty from 'pino-pretty';
import type { LogFormat } from './lists.ts';
import { redactUrlsOnly, type Redactor } from './redact.ts';

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
 * Structured logs (pino): JSON lines, or readable lines (pino-pretty) when asked for. Secrets are kept out
 * twice: by path (a field named token, an authorization header), and by value: every finished line passes
 * through the redactor, which knows the configured secrets and strips user:password from any URL, so an
 * upstream error that echoes a credential back is logged without it.
 */
export function createLogger(
  level: string,
  name = 'stancewatch',
  destination?: DestinationStream,
  redact: Redactor = redactUrlsOnly,
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
  // Redaction works on the finished JSON line, before pino-pretty or the file descriptor sees it.
  const out =
    destination ??
    (opts.pretty
      ? pretty({ colorize: true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname', sync: true })
      : fdDestination({ dest: 1, sync: true }));
  return pino(options, { write: (line: string) => out.write(redact(line)) });
}
