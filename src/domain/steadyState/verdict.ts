// The end of every experiment on real metrics: after recovery the hypothesis
// is evaluated again, until it holds or the recovery timeout passes. Three
// verdicts, and the metric label uses exactly these words.

import type { Clock, MetricsSource } from '../ports.ts';
import { checkHypothesis, type Hypothesis } from './hypothesis.ts';

export const HYPOTHESIS_VERDICTS = ['held', 'violated', 'not-checked'] as const;

export type HypothesisVerdict =
  | { readonly verdict: 'held'; readonly expr: string; readonly value: string }
  /** `value` is what the left side of the comparison returned, when it could be read. */
  | { readonly verdict: 'violated'; readonly expr: string; readonly value?: string; readonly detail: string }
  | { readonly verdict: 'not-checked'; readonly expr?: string; readonly detail: string };

export interface ConfirmOptions {
  readonly source: MetricsSource;
  readonly clock: Clock;
  readonly hypothesis: Hypothesis | undefined;
  /** When the recovery timeout passes (counted from the fault). */
  readonly deadline: Date;
  readonly pollSeconds: number;
  readonly signal: AbortSignal;
}

export async function confirmHypothesis(options: ConfirmOptions): Promise<HypothesisVerdict> {
  const { hypothesis, clock } = options;
  if (hypothesis === undefined) return { verdict: 'not-checked', detail: 'the workload has no steady-state hypothesis' };
  const { expr } = hypothesis;
  for (;;) {
    const check = await checkHypothesis(options.source, hypothesis);
    const late = clock.now().getTime() >= options.deadline.getTime();
    if (check.state === 'holds') return { verdict: 'held', expr, value: check.value };
    // An invalid query does not become valid by waiting.
    if (check.state === 'invalid') return { verdict: 'not-checked', expr, detail: `Prometheus refused the query: ${check.detail}` };
    if (options.signal.aborted || late) {
      const stopping = options.signal.aborted && !late ? 'daemon stopping; ' : '';
      if (check.state === 'fails') {
        return { verdict: 'violated', expr, ...(check.value === undefined ? {} : { value: check.value }), detail: `${stopping}${check.detail}` };
      }
      return { verdict: 'not-checked', expr, detail: `${stopping}${check.detail}` };
    }
    const left = options.deadline.getTime() - clock.now().getTime();
    await clock.sleep(Math.max(1, Math.min(options.pollSeconds * 1000, left)), options.signal);
  }
}

export function verdictText(v: HypothesisVerdict): string {
  switch (v.verdict) {
    case 'held': return `held (${v.value})`;
    case 'violated': return `VIOLATED: ${v.detail}`;
    default: return `not checked: ${v.detail}`;
  }
}
