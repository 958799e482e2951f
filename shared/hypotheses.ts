/**
 * Zero-shot NLI stance: the model judges how strongly the post entails each hypothesis about Durov.
 * Hypotheses name the target explicitly, because stance is not sentiment (see "What the numbers mean" in README.md).
 * They are configurable (HYPOTHESIS_*), for other wording or another topic.
 */
export interface Hypotheses {
  support: string;
  criticism: string;
  neutral: string;
}

export const DEFAULT_HYPOTHESES: Hypotheses = {
  support: 'The author defends Pavel Durov or Telegram and thinks his arrest is unjust.',
  criticism: 'The author blames Pavel Durov or Telegram and approves of his arrest or the charges.',
  neutral: 'The author reports on the Durov case without taking a side.',
};
