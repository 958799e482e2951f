import { destination as fdDestination, pino, type DestinationStream, type Logger } from 'pino';
import { redactUrlsOnly, type Redactor } from './redact.ts';

export type { Logger };

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
 * Structured JSON logs (pino). Secrets are kept out twice: by path (a field named token, an authorization
 * header), and by value: every finished line passes through the redactor, which knows the configured
 * secrets and strips user:password from any URL, so an upstream error that echoes a credential back is
 * logged without it.
 */
export function createLogger(
  level: string,
  name = 'stancewatch',
  destination?: DestinationStream,
  redact: Redactor = redactUrlsOnly,
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
  const out = destination ?? fdDestination({ dest: 1, sync: true });
  return pino(options, { write: (line: string) => out.write(redact(line)) });
}
