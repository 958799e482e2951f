/** RFC 8288 Link header → { rel: url }. Only what pagination needs: `<url>; rel="x"` entries. */
export function parseLinkHeader(header: string | null | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!header) return out;
  for (const part of header.split(/,(?=\s*<)/)) {
    const m = /^\s*<([^>]*)>\s*;(.*)$/.exec(part);
    if (!m) continue;
    const rel = /(?:^|;)\s*rel\s*=\s*"?([^";]+)"?/i.exec(m[2]!);
    if (!rel) continue;
    for (const name of rel[1]!.trim().split(/\s+/)) out[name.toLowerCase()] = m[1]!;
  }
  return out;
}
