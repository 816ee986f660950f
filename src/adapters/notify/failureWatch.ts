// Repeated failures deserve one message, not one per failure: a streak of
// failed ticks or failed kills is announced once when it reaches the
// threshold, and once more when it ends. Ticks and kills keep separate
// streaks because a tick that survives a failed kill still says "acted".

import type { Occurrence, TickOutcome } from '../../domain/occurrence.ts';
import type { Notification } from './notifier.ts';

export interface FailureWatchOptions {
  readonly clusterName: string;
  /** Consecutive failures that make a streak worth a message. */
  readonly threshold: number;
}

export interface FailureWatch {
  observe(o: Occurrence): Notification | undefined;
}

/** Tick outcomes that prove the loop works again. Not-leader and overlap say nothing either way. */
const HEALTHY_TICKS: ReadonlySet<TickOutcome> = new Set(['acted', 'idle', 'outside-window', 'paused', 'blocked']);

interface Streak {
  count: number;
  announced: boolean;
}

export function createFailureWatch(options: FailureWatchOptions): FailureWatch {
  const streaks = { ticks: fresh(), kills: fresh() };
  const what = { ticks: 'ticks', kills: 'kill attempts' };

  const fail = (name: 'ticks' | 'kills', detail: string, at: Date): Notification | undefined => {
    const streak = streaks[name];
    streak.count += 1;
    if (streak.announced || streak.count < options.threshold) return undefined;
    streak.announced = true;
    const title = `Repeated failures: ${streak.count} ${what[name]} in a row failed`;
    return {
      topic: 'failing',
      tone: 'danger',
      title,
      cluster: options.clusterName,
      at,
      dryRun: false,
      summary: `${title} in ${options.clusterName}; last: ${detail}`,
      fields: [
        { label: 'Last error', value: detail },
        { label: 'What happens now', value: 'the daemon keeps ticking; each tick tries again' },
      ],
    };
  };

  const succeed = (name: 'ticks' | 'kills', at: Date): Notification | undefined => {
    const streak = streaks[name];
    const { announced, count } = streak;
    streaks[name] = fresh();
    if (!announced) return undefined;
    const title = `Failures cleared: ${what[name]} succeed again`;
    return {
      topic: 'failures-cleared',
      tone: 'good',
      title,
      cluster: options.clusterName,
      at,
      dryRun: false,
      summary: `${title} in ${options.clusterName} after ${count} failures`,
      fields: [{ label: 'Failures in a row', value: String(count) }],
    };
  };

  return {
    observe(o) {
      if (o.type === 'tick' && o.outcome === 'failed') return fail('ticks', o.detail ?? 'no detail', o.at);
      if (o.type === 'tick' && HEALTHY_TICKS.has(o.outcome)) return succeed('ticks', o.at);
      if (o.type === 'kill' && o.outcome.result === 'failed') return fail('kills', o.outcome.detail ?? 'no detail', o.at);
      if (o.type === 'kill') return succeed('kills', o.at);
      return undefined;
    },
  };
}

function fresh(): Streak {
  return { count: 0, announced: false };
}
