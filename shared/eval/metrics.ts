import { STANCES, type Stance } from '../lists.ts';

/**
 * Classification figures for stance, pure. F_avg is SemEval-2016 Task 6's measure: the mean of the F1
 * for support (FAVOR) and criticism (AGAINST), ignoring neutral as a class of its own.
 */
export interface ClassFigures {
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface Figures {
  n: number;
  accuracy: number;
  perClass: Record<Stance, ClassFigures>;
  macro_f1: number;
  f_avg: number;
  /** confusion[gold][predicted] */
  confusion: Record<Stance, Record<Stance, number>>;
}

export function evaluate(pairs: ReadonlyArray<{ gold: Stance; predicted: Stance }>): Figures {
  const confusion = Object.fromEntries(
    STANCES.map((g) => [g, Object.fromEntries(STANCES.map((p) => [p, 0]))]),
  ) as Record<Stance, Record<Stance, number>>;
  for (const { gold, predicted } of pairs) confusion[gold][predicted]++;
  const perClass = Object.fromEntries(
    STANCES.map((s) => {
      const tp = confusion[s][s];
      const predicted = STANCES.reduce((a, g) => a + confusion[g][s], 0);
      const gold = STANCES.reduce((a, p) => a + confusion[s][p], 0);
      const precision = predicted ? tp / predicted : 0;
      const recall = gold ? tp / gold : 0;
      const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
      return [s, { precision: r4(precision), recall: r4(recall), f1: r4(f1), support: gold }];
    }),
  ) as Record<Stance, ClassFigures>;
  const correct = STANCES.reduce((a, s) => a + confusion[s][s], 0);
  return {
    n: pairs.length,
    accuracy: r4(pairs.length ? correct / pairs.length : 0),
    perClass,
    macro_f1: r4(STANCES.reduce((a, s) => a + perClass[s].f1, 0) / STANCES.length),
    f_avg: r4((perClass.support.f1 + perClass.criticism.f1) / 2),
    confusion,
  };
}

const r4 = (x: number) => Math.round(x * 1e4) / 1e4;
