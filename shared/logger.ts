import { pino, type DestinationStream, type Logger } from 'pino';

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
 * Structured JSON logs (pino). Secrets are redacted by path as a second line of defence: code never puts
 * a token in a log line on purpose, but an error object from a library might carry one.
 */
export function createLogger(level: string, name = 'stancewatch', destination?: DestinationStream): Logger {
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
  return destination ? pino(options, destination) : pino(options);
}
