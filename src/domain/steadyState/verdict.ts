// The verdict of a hypothesis after recovery (see confirmHypothesis.ts). Three
// verdicts, and the metric label uses exactly these words.

export const HYPOTHESIS_VERDICTS = ['held', 'violated', 'not-checked'] as const;

export type HypothesisVerdict =
  | { readonly verdict: 'held'; readonly expr: string; readonly value: string }
  /** `value` is what the left side of the comparison returned, when it could be read. */
  | { readonly verdict: 'violated'; readonly expr: string; readonly value?: string; readonly detail: string }
  | { readonly verdict: 'not-checked'; readonly expr?: string; readonly detail: string };

export function verdictText(v: HypothesisVerdict): string {
  switch (v.verdict) {
    case 'held':
      return `held (${v.value})`;
    case 'violated':
      return `VIOLATED: ${v.detail}`;
    default:
      return `not checked: ${v.detail}`;
  }
}
