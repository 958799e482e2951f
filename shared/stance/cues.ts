import { createHash } from 'node:crypto';

/**
 * The lexicon's argument cues as model features. The lists themselves live with the lexicon scorer
 * (workers/score/builtin-lexicon.ts) and are passed in, so this module stays free of worker code and the
 * lexicon keeps one home.
 */
export interface CueLike {
  re: RegExp;
  weight: number;
}

export interface CueLists {
  support: readonly CueLike[];
  criticism: readonly CueLike[];
  negatorWords: ReadonlySet<string>;
  negatorPhrases: RegExp;
}

export interface CueHit {
  /** Index into support cues followed by criticism cues. */
  cue: number;
  side: 'support' | 'criticism';
  weight: number;
  negated: boolean;
}

/** Same window and clause rule as the lexicon scorer, so a cue means the same thing to both. */
const NEGATION_WINDOW = 32;
const CLAUSE = /[,.;:!?()—–-]/u;
const NON_WORD = /[^\p{L}']/gu;

/**
 * One pass of one regular expression over a post instead of one pass per cue (about 300): the lexicon
 * scorer's loop is the slowest part of it. At any position the first cue that matches wins, so two cues
 * overlapping at the same place count once; the model learns each cue's weight anyway.
 */
export class CueMatcher {
  readonly sha256: string;
  readonly count: number;
  private readonly re: RegExp;
  private readonly cues: Array<{ side: 'support' | 'criticism'; weight: number; whole: RegExp }>;
  /**
   * Matched text → cue. The alternation has no capturing groups (a match would otherwise allocate an array
   * of some 350 of them); the cue is the first whose pattern matches the whole matched text, which is the
   * alternative the regex took. Matched texts repeat, so they are remembered, within a bound.
   */
  private readonly which = new Map<string, number>();

  constructor(private readonly lists: CueLists) {
    const all = [
      ...lists.support.map((c) => ({ c, side: 'support' as const })),
      ...lists.criticism.map((c) => ({ c, side: 'criticism' as const })),
    ];
    this.count = all.length;
    const plain = all.map(({ c }) => c.re.source.replace(/\((?!\?)/g, '(?:'));
    this.cues = all.map(({ c, side }, i) => ({ side, weight: c.weight, whole: new RegExp(`^(?:${plain[i]})$`, 'u') }));
    this.re = new RegExp(plain.map((p) => `(?:${p})`).join('|'), 'gu');
    const h = createHash('sha256');
    for (const { c, side } of all) h.update(`${side}\u0000${c.weight}\u0000${c.re.source}\u0000`);
    h.update(`neg\u0000${[...lists.negatorWords].join('\u0001')}\u0000${lists.negatorPhrases.source}`);
    this.sha256 = h.digest('hex');
  }

  /** Calls `hit` for every cue found in text already in cueText() form. */
  scan(text: string, hit: (h: CueHit) => void): void {
    this.re.lastIndex = 0;
    for (let m = this.re.exec(text); m !== null; m = this.re.exec(text)) {
      if (m[0].length === 0) {
        this.re.lastIndex++;
        continue;
      }
      const cue = this.cueOf(m[0]);
      if (cue < 0) continue;
      const { side, weight } = this.cues[cue]!;
      hit({ cue, side, weight, negated: this.negated(text, m.index) });
    }
  }

  private cueOf(matched: string): number {
    let cue = this.which.get(matched);
    if (cue === undefined) {
      cue = this.cues.findIndex((c) => c.whole.test(matched));
      if (this.which.size >= 10_000) this.which.clear();
      this.which.set(matched, cue);
    }
    return cue;
  }

  private negated(text: string, at: number): boolean {
    const parts = text.slice(Math.max(0, at - NEGATION_WINDOW), at).split(CLAUSE);
    const before = parts[parts.length - 1]!.trimEnd();
    const words = before.split(' ');
    for (let i = Math.max(0, words.length - 3); i < words.length; i++) {
      if (this.lists.negatorWords.has(words[i]!.replace(NON_WORD, ''))) return true;
    }
    return this.lists.negatorPhrases.test(before);
  }
}
