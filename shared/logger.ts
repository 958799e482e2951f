import { pino, type DestinationStream, type Logger } from 'pino';
import pretty from 'pino-pretty';

export type { Logger };

/** Someone is reading the terminal: logs are for eyes (pino-pretty). Anywhere else (a pipe, a file, Docker) they stay JSON lines for machines. */
export const prettyLogs = (): boolean => Boolean(process.stdout.isTTY) && !process.env.NO_PRETTY_LOGS;

/**
 * Structured logs (pino): JSON lines, or pino-pretty on a terminal. Secrets are redacted by path as a second line of defence: code never puts
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
  if (destination) return pino(options, destination);
  if (prettyLogs()) return pino(options, pretty({ colorize: true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname', sync: true }));
  return pino(options);
}
