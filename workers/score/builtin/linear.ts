import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ModelRef, StanceResult } from '../../../shared/post.ts';
import type { CueLists } from '../../../shared/stance/cues.ts';
import { LinearModel, modelFileSchema } from '../../../shared/stance/model.ts';
import { CRITICISM_CUES, NEGATOR_PHRASES, NEGATOR_WORDS, SUPPORT_CUES } from './lexicon.ts';
import type { Scorer } from '../scorer.ts';

export const LINEAR_MODEL_ID = 'builtin-linear-v1';

/** The lexicon scorer's cues, which the linear model uses as features of their own. */
export const LEXICON_CUES: CueLists = {
  support: SUPPORT_CUES,
  criticism: CRITICISM_CUES,
  negatorWords: NEGATOR_WORDS,
  negatorPhrases: NEGATOR_PHRASES,
};

/** Resolved from this file, so it is found from the sources (tsx) and from dist/ alike (the image copies it to dist/data/model). */
export const LINEAR_MODEL_FILE = fileURLToPath(new URL('../../../data/model/builtin-linear-v1.json', import.meta.url));

export function loadLinearModel(path: string = LINEAR_MODEL_FILE): { model: LinearModel; sha256: string } {
  const raw = readFileSync(path, 'utf8');
  const parsed = modelFileSchema.safeParse(JSON.parse(raw));
  if (!parsed.success)
    throw new Error(
      `${path} is not a linear stance model: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  return { model: new LinearModel(parsed.data, LEXICON_CUES), sha256: createHash('sha256').update(raw).digest('hex') };
}

let shared: { model: LinearModel; ref: ModelRef } | undefined;

/**
 * Deterministic multilingual stance from a trained linear model (data/model/builtin-linear-v1.json, made
 * by `npm run train`). `confidence` is the calibrated probability of the chosen stance. The model file's
 * hash is the `setup`, so a retrained model is a new setup: cached scores are not reused and
 * `npm run rescore` moves posts to it.
 */
export class LinearScorer implements Scorer {
  readonly model: ModelRef;
  readonly inProcess: boolean = true;
  private readonly linear: LinearModel;

  constructor(path?: string) {
    if (path === undefined && shared) {
      this.linear = shared.model;
      this.model = shared.ref;
      return;
    }
    const { model, sha256 } = loadLinearModel(path);
    this.linear = model;
    this.model = { id: LINEAR_MODEL_ID, kind: 'builtin', setup: sha256.slice(0, 12) };
    // One parse of the 1–2 MB file per process is enough; every default scorer shares it.
    if (path === undefined) shared = { model, ref: this.model };
  }

  scoreText(text: string): StanceResult {
    const p = this.linear.predict(text);
    return { stance: p.stance, score: r4(p.score), confidence: r4(p.confidence), model: this.model };
  }

  async score(texts: string[]): Promise<StanceResult[]> {
    return texts.map((t) => this.scoreText(t));
  }
}

const r4 = (x: number) => Math.round(x * 1e4) / 1e4;
