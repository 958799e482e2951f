import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

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
        'token', '*.token', 'accessToken', '*.accessToken', 'HF_TOKEN', '*.HF_TOKEN', 'AUTHOR_HASH_KEY', '*.AUTHOR_HASH_KEY',
        'headers.authorization', 'headers.Authorization', '*.headers.authorization', '*.headers.Authorization',
        'err.httpRequest.headers', 'httpRequest.headers',
      ],
      censor: '[redacted]',
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
