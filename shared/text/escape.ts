import { plainDisplayText } from './invisible.ts';
import { safeHttpUrl } from './safe-url.ts';

/**
 * Escaping for what the alert formatters send to other systems. Slack's mrkdwn treats `&`, `<` and `>` as
 * control characters and `<url|label>` as a link, `<!channel>` as a mention; Slack's "Formatting text"
 * guide says to replace exactly those three with `&amp;`, `&lt;` and `&gt;`. Bidi and zero-width
 * characters are removed, so nothing reads backwards or hides a name.
 */
export function slackText(text: string): string {
  return plainDisplayText(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * `<url|label>` when the URL is a safe http(s) URL, else the label alone. The URL is the parser's
 * serialisation (no raw `<`, `>` or spaces); `|` would end the URL part early, so it is percent-encoded.
 */
export function slackLink(url: string, label: string): string {
  const safe = safeHttpUrl(url);
  if (!safe) return slackText(label);
  return `<${safe.replace(/\|/g, '%7C').replace(/&/g, '&amp;')}|${slackText(label)}>`;
}

/** Plain text for Alertmanager annotations (rendered by receivers' own templates): no invisible or control characters. */
export function plainText(text: string): string {
  return plainDisplayText(text);
}

/** A URL for a plain-text body: the safe http(s) form, or nothing. */
export function plainUrl(url: string): string {
  return safeHttpUrl(url) ?? '';
}
