import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { STANCES } from '../post.ts';

/** A labelled post, as in data/eval/*.jsonl. `source` and `kind` come with real (collected) data. */
export const labelledRow = z.object({
  text: z.string().min(1),
  lang: z.string().min(2),
  stance: z.enum(STANCES),
  split: z.enum(['train', 'dev', 'test']).optional(),
  source: z.string().optional(),
  kind: z.string().optional(),
});
export type LabelledRow = z.infer<typeof labelledRow>;

export class DataError extends Error {}

/** "path:train+dev" → the rows of those splits of that file; a bare path means every row. */
export interface DataRef {
  path: string;
  splits: string[] | null;
}

export function parseDataRef(arg: string): DataRef {
  const at = arg.lastIndexOf(':');
  if (at <= 0) return { path: arg, splits: null };
  const splits = arg
    .slice(at + 1)
    .split('+')
    .filter(Boolean);
  for (const s of splits)
    if (!['train', 'dev', 'test'].includes(s)) throw new DataError(`${arg}: unknown split ${s} (train, dev or test)`);
  return { path: arg.slice(0, at), splits };
}

export const formatDataRef = (r: DataRef): string => (r.splits ? `${r.path}:${r.splits.join('+')}` : r.path);

export function readLabelled(path: string): { rows: LabelledRow[]; sha256: string } {
  let raw: string;
  try {
    raw = readFileSync(path, 'utf8');
  } catch (err) {
    throw new DataError(`cannot read ${path}: ${(err as Error).message}`);
  }
  const rows = raw.split('\n').flatMap((line, i) => {
    if (!line.trim()) return [];
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      throw new DataError(`${path}:${i + 1} is not JSON`);
    }
    const r = labelledRow.safeParse(parsed);
    if (!r.success)
      throw new DataError(
        `${path}:${i + 1}: ${r.error.issues.map((x) => `${x.path.join('.')}: ${x.message}`).join('; ')}`,
      );
    return [r.data];
  });
  return { rows, sha256: createHash('sha256').update(raw).digest('hex') };
}

/** A row without a split is test data: what nobody said may be trained on is held out. */
export const inSplits = (r: LabelledRow, splits: string[] | null): boolean =>
  splits === null || splits.includes(r.split ?? 'test');
