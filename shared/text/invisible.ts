/**
 * Characters that change how text looks or reads without being visible: zero-width spaces and joiners,
 * the soft hyphen, the byte-order mark, and the bidirectional controls (embeddings, overrides, isolates,
 * marks). A zero-width space inside "Durov" hides the name from a substring match; a right-to-left
 * override makes a link read backwards in a chat client. Text that is matched, fingerprinted or sent to a
 * chat tool goes through stripInvisible first. (Unicode TR9 §2 lists the bidi controls; TR31/UTS 39 the
 * default-ignorable code points.)
 */
export const INVISIBLE = /[\u00AD\u061C\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u206F\uFEFF]/g;

/** Bidirectional controls only (TR9): LRM, RLM, ALM, LRE, RLE, PDF, LRO, RLO, LRI, RLI, FSI, PDI. */
export const BIDI_CONTROLS = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;

export function stripInvisible(text: string): string {
  return text.replace(INVISIBLE, '');
}

/** C0/C1 control characters other than tab and newline: they have no business in a chat message or a label. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROLS = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g;

/** Text for a human reader on another system (Slack, Alertmanager): no invisible, bidi or control characters. */
export function plainDisplayText(text: string): string {
  return stripInvisible(text).replace(CONTROLS, ' ');
}
