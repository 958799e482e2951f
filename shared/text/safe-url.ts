/**
 * Post URLs come from the platforms and are untrusted: a crafted one carried `javascript:` to API clients
 * and Slack link syntax (`|`, `>`) into alerts. Every URL is parsed with the WHATWG parser (Node's URL,
 * the same one browsers use), must be http(s), carry no user:password, and sit on a host the source is
 * expected to link to; anything else is dropped. The parser's serialisation (`href`) percent-encodes
 * spaces, quotes and angle brackets, so what we store cannot close an HTML attribute or a Slack link.
 */

/** Longest URL we keep; browsers cope with more, but a post link never needs it. */
export const MAX_URL_LENGTH = 2_048;

/**
 * The normalised URL when it is http(s), has no credentials and (when `hosts` is given) its host is one of
 * them or a subdomain of one; undefined otherwise.
 */
export function safeHttpUrl(raw: unknown, hosts?: readonly string[]): string | undefined {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > MAX_URL_LENGTH) return undefined;
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return undefined;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return undefined;
  if (u.username || u.password) return undefined;
  if (hosts && !hosts.some((h) => onHost(u.hostname, h))) return undefined;
  // `|` survives the WHATWG serialisation but ends the URL part of a Slack link: encoded, it means the same.
  const href = u.href.replace(/\|/g, '%7C');
  return href.length > MAX_URL_LENGTH ? undefined : href;
}

/** `host` is `allowed` or a subdomain of it (case-insensitive; ports ignored). */
export function onHost(host: string, allowed: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  const a = allowed.toLowerCase().replace(/\.$/, '').replace(/:\d+$/, '');
  return a.length > 0 && (h === a || h.endsWith(`.${a}`));
}

/** The hostname of a URL, or undefined when it is not one. */
export function hostnameOf(raw: string): string | undefined {
  try {
    return new URL(raw).hostname;
  } catch {
    return undefined;
  }
}

/**
 * Removes the user:password part of every URL inside a string (`https://user:pw@host` →
 * `https://[redacted]@host`): a credential pasted into HF_ENDPOINT_URL, REDIS_URL or a webhook must never
 * reach a log line, an error or a health page.
 */
export function redactUrlCredentials(text: string): string {
  return text.replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@"'<>]+@/gi, '$1[redacted]@');
}
