import { redactUrlCredentials } from './text/safe-url.ts';

/**
 * Value-based scrubbing of secrets. Code never logs a token on purpose, but upstream services echo what we
 * sent them (an error body repeating the Authorization header, a redirect URL with user:pw@), and that text
 * travels in error messages. So every log line, error text and health answer goes through a redactor that
 * knows the configured secret values, in the forms they can take in transit (raw, JSON-escaped,
 * percent-encoded, base64 of user:password), and removes the credentials of any URL.
 */
export type Redactor = (text: string) => string;

export const REDACTED = '[redacted]';

/** Shorter values are not treated as secrets: replacing "a" everywhere would destroy every log line. */
const MIN_SECRET_LENGTH = 6;

export function createRedactor(secrets: Iterable<string | undefined>): Redactor {
  const forms = new Set<string>();
  for (const s of secrets) {
    if (!s || s.length < MIN_SECRET_LENGTH) continue;
    forms.add(s);
    forms.add(JSON.stringify(s).slice(1, -1));
    forms.add(encodeURIComponent(s));
    forms.add(Buffer.from(s).toString('base64'));
  }
  // Longest first, so a secret that contains another is removed whole.
  const list = [...forms].filter((f) => f.length >= MIN_SECRET_LENGTH).sort((a, b) => b.length - a.length);
  return (text: string) => {
    let out = redactUrlCredentials(text);
    for (const f of list) if (out.includes(f)) out = out.split(f).join(REDACTED);
    return out;
  };
}

/** The user, password and user:password of a URL, when it carries them. */
export function urlCredentials(raw: string | undefined): string[] {
  if (!raw) return [];
  try {
    const u = new URL(raw);
    const user = decodeURIComponent(u.username);
    const pw = decodeURIComponent(u.password);
    return [user, pw, user && pw ? `${user}:${pw}` : ''].filter((x) => x.length > 0);
  } catch {
    return [];
  }
}

/** Redacts nothing but URL credentials: for places that know no configuration. */
export const redactUrlsOnly: Redactor = redactUrlCredentials;
