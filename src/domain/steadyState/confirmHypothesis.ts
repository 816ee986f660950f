// The end of every experiment on real metrics: after recovery the hypothesis
// is evaluated again, until it holds or the recovery timeout passes. The
// verdicts themselves live in verdict.ts, which imports no port, so the
// occurrences that carry a verdict do not depend on the ports.

import type { Clock, MetricsSource } from '../ports.ts';
import { checkHypothesis, type Hypothesis } from './hypothesis.ts';
import type { HypothesisVerdict } from './verdict.ts';

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
    if (check.state === 'invalid')
      return { verdict: 'not-checked', expr, detail: `Prometheus refused the query: ${check.detail}` };
    if (options.signal.aborted || late) {
      const stopping = options.signal.aborted && !late ? 'daemon stopping; ' : '';
      if (check.state === 'fails') {
        return {
          verdict: 'violated',
          expr,
          ...(check.value === undefined ? {} : { value: check.value }),
          detail: `${stopping}${check.detail}`,
        };
      }
      return { verdict: 'not-checked', expr, detail: `${stopping}${check.detail}` };
    }
    const left = options.deadline.getTime() - clock.now().getTime();
    await clock.sleep(Math.max(1, Math.min(options.pollSeconds * 1000, left)), options.signal);
  }
}
