import { CueMatcher, type CueLists } from './cues.ts';
import { WORD_CHAR, cueText, normaliseText } from './text.ts';

// A local binding: an imported one can be a getter call per character under some loaders.
const WORD: Uint8Array = WORD_CHAR;

/**
 * Hashed features for the linear stance model: word 1–2-grams, character 3–5-grams inside words (with
 * word-boundary marks), and the lexicon's cues with their negation. Everything the model file needs to
 * rebuild the same features is in FeatureSpec, and it is checked when a model is loaded.
 */
export interface FeatureSpec {
  /** Bump when the featurisation changes in a way the spec's numbers do not capture. */
  version: 1;
  /** 2^bucketsLog2 hashed buckets. */
  bucketsLog2: number;
  charMin: number;
  charMax: number;
  /** Each group is L2-normalised on its own and then scaled, so long posts' many char n-grams do not drown the words. */
  scale: { word: number; char: number; cue: number };
  /** sha256 of the cue lists the model was trained with (CueMatcher.sha256). */
  lexiconSha256: string;
}

// FNV-1a over UTF-16 code units, then murmur3's finaliser so the low bits (the bucket) are well mixed.
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const step = (h: number, c: number): number => Math.imul(h ^ c, FNV_PRIME);
function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
// Namespaces keep a word, a char n-gram and a cue with the same spelling in different buckets.
const NS_WORD = step(FNV_OFFSET, 0x57);
const NS_BIGRAM = step(FNV_OFFSET, 0x42);
const NS_CHAR = step(FNV_OFFSET, 0x43);
const NS_CUE = step(FNV_OFFSET, 0x51);
const NS_LEX = step(FNV_OFFSET, 0x4c);
// Word boundaries inside char n-grams: code units that cannot occur in a normalised word.
const BOW = 0x02;
const EOW = 0x03;

/** The lexicon scorer's own rule for turning evidence into a side (workers/score/builtin.ts). */
const LEX_NEUTRAL_BAND = 0.2;

export interface Features {
  /** Bucket of each feature value; a bucket may appear more than once (once per group at most). */
  idx: Int32Array;
  val: Float64Array;
  n: number;
  /** Features [0, text) come from the words and characters of the post, the rest from the lexicon. */
  text: number;
}

/**
 * Turns text into sparse hashed features. Not thread-safe and not re-entrant: it reuses its buffers, so a
 * caller must read `idx`/`val` before the next call (or copy them, as training does).
 */
export class Featurizer {
  readonly mask: number;
  /** Counts per bucket of the group being built; 16 bits keep the table small enough to stay in cache. */
  private readonly acc: Uint16Array;
  private touched: Int32Array;
  private word = new Uint16Array(64);
  /** 1 + ln(count) of each touched bucket, computed once per flush. */
  private tf = new Float64Array(1024);
  private nTouched = 0;
  private out: Features;
  private readonly cues: CueMatcher;

  constructor(
    readonly spec: FeatureSpec,
    lists: CueLists,
  ) {
    this.cues = new CueMatcher(lists);
    if (spec.lexiconSha256 !== this.cues.sha256) {
      throw new Error(
        `the model was trained with another lexicon (sha256 ${spec.lexiconSha256.slice(0, 12)}…, now ${this.cues.sha256.slice(0, 12)}…): retrain it with npm run train`,
      );
    }
    this.mask = (1 << spec.bucketsLog2) - 1;
    this.acc = new Uint16Array(1 << spec.bucketsLog2);
    this.touched = new Int32Array(1024);
    this.out = { idx: new Int32Array(1024), val: new Float64Array(1024), n: 0, text: 0 };
  }

  static lexiconSha256(lists: CueLists): string {
    return new CueMatcher(lists).sha256;
  }

  features(text: string): Features {
    const t = normaliseText(text);
    this.out.n = 0;
    this.words(t);
    this.flush(this.spec.scale.word);
    this.chars(t);
    this.flush(this.spec.scale.char);
    this.out.text = this.out.n;
    this.lexicon(t);
    return this.out;
  }

  private add(h: number): void {
    const b = fmix(h) & this.mask;
    const c = this.acc[b]!;
    if (c === 0) {
      if (this.nTouched === this.touched.length) {
        const grown = new Int32Array(this.touched.length * 2);
        grown.set(this.touched);
        this.touched = grown;
      }
      this.touched[this.nTouched++] = b;
    }
    if (c < 0xffff) this.acc[b] = c + 1;
  }

  private emit(b: number, v: number): void {
    const o = this.out;
    if (o.n === o.idx.length) {
      const idx = new Int32Array(o.idx.length * 2);
      const val = new Float64Array(o.idx.length * 2);
      idx.set(o.idx);
      val.set(o.val);
      o.idx = idx;
      o.val = val;
    }
    o.idx[o.n] = b;
    o.val[o.n++] = v;
  }

  /** Sub-linear counts (1 + ln c), L2-normalised over the group, times the group's scale. */
  private flush(scale: number): void {
    if (this.tf.length < this.nTouched) this.tf = new Float64Array(this.touched.length);
    const tf = this.tf;
    let sq = 0;
    for (let i = 0; i < this.nTouched; i++) {
      const v = 1 + Math.log(this.acc[this.touched[i]!]!);
      tf[i] = v;
      sq += v * v;
    }
    const k = sq > 0 ? scale / Math.sqrt(sq) : 0;
    for (let i = 0; i < this.nTouched; i++) {
      const b = this.touched[i]!;
      this.emit(b, tf[i]! * k);
      this.acc[b] = 0;
    }
    this.nTouched = 0;
  }

  private words(t: string): void {
    let prev = 0;
    let hasPrev = false;
    let h = NS_WORD;
    let inWord = false;
    for (let i = 0; i <= t.length; i++) {
      const c = i < t.length ? t.charCodeAt(i) : 0x20;
      if (WORD[c] === 1) {
        h = step(h, c);
        inWord = true;
      } else if (inWord) {
        this.add(h);
        // The bigram hashes the two words' hashes, so no joined string is built.
        if (hasPrev) this.add(step(step(NS_BIGRAM, prev), h));
        prev = h;
        hasPrev = true;
        h = NS_WORD;
        inWord = false;
      }
    }
  }

  private chars(t: string): void {
    const { charMin, charMax } = this.spec;
    let start = -1;
    for (let i = 0; i <= t.length; i++) {
      const c = i < t.length ? t.charCodeAt(i) : 0x20;
      if (WORD[c] === 1) {
        if (start < 0) start = i;
        continue;
      }
      if (start < 0) continue;
      // The word with its boundary marks, read once: positions 0..len-1.
      const len = i - start + 2;
      if (this.word.length < len) this.word = new Uint16Array(len * 2);
      const w = this.word;
      w[0] = BOW;
      for (let j = 1; j < len - 1; j++) w[j] = t.charCodeAt(start + j - 1);
      w[len - 1] = EOW;
      for (let s = 0; s + charMin <= len; s++) {
        let h = NS_CHAR;
        const end = Math.min(len, s + charMax);
        for (let j = s; j < end; j++) {
          h = step(h, w[j]!);
          if (j - s + 1 >= charMin) this.add(h);
        }
      }
      start = -1;
    }
  }

  private lexicon(t: string): void {
    let support = 0;
    let criticism = 0;
    const scale = this.spec.scale.cue;
    this.cues.scan(cueText(t), (hit) => {
      // A negated cue argues for the other side, exactly as in the lexicon scorer.
      const side = hit.negated ? (hit.side === 'support' ? 'criticism' : 'support') : hit.side;
      if (side === 'support') support += hit.weight;
      else criticism += hit.weight;
      this.emit(fmix(step(step(NS_CUE, hit.cue), hit.negated ? 1 : 0)) & this.mask, (scale * hit.weight) / 2);
    });
    const evidence = support + criticism;
    const score = evidence === 0 ? 0 : (support - criticism) / (evidence + 1);
    const stance = score >= LEX_NEUTRAL_BAND ? 1 : score <= -LEX_NEUTRAL_BAND ? 2 : 3;
    this.emit(fmix(step(NS_LEX, stance)) & this.mask, scale);
    if (support > 0) this.emit(fmix(step(NS_LEX, 0x53)) & this.mask, scale * Math.log1p(support));
    if (criticism > 0) this.emit(fmix(step(NS_LEX, 0x43)) & this.mask, scale * Math.log1p(criticism));
  }
}
