// /readyz answers "ready" only when every named condition is met (the config
// is loaded, the API server answered, the state can be written). Conditions
// start unmet, so a daemon that has not yet proved it can reach the API is
// never reported ready; a check is asked at each status (stateReadiness.ts).

import type { Occurrence, TickOutcome } from '../../domain/occurrence.ts';
import type { Listener } from '../../domain/ports.ts';

export interface ReadinessStatus {
  readonly ready: boolean;
  /** Conditions not met, with the reason when one was given (for the log). */
  readonly unmet: readonly string[];
  /** Only the names of the conditions not met: the reason codes /readyz shows. */
  readonly codes: readonly string[];
}

export interface Readiness {
  set(condition: string, met: boolean, reason?: string): void;
  status(): ReadinessStatus;
}

export interface ReadinessOptions {
  readonly conditions: readonly string[];
  /** Conditions judged when asked: each gives why it is unmet now, or undefined when it is met. */
  readonly checks?: Readonly<Record<string, () => string | undefined>>;
}

export function createReadiness(options: ReadinessOptions): Readiness {
  const unmet = new Map<string, string>(options.conditions.map((c) => [c, 'not yet']));
  const known = new Set(options.conditions);
  const checks = Object.entries(options.checks ?? {});
  return {
    set(condition, met, reason) {
      // A typo in a condition name would otherwise leave the daemon ready too early or never.
      if (!known.has(condition)) throw new Error(`unknown readiness condition "${condition}" (known: ${[...known].join(', ')})`);
      if (met) unmet.delete(condition);
      else unmet.set(condition, reason ?? 'not met');
    },
    status() {
      const all: [string, string][] = [...unmet];
      for (const [name, check] of checks) {
        const reason = check();
        if (reason !== undefined) all.push([name, reason]);
      }
      return {
        ready: all.length === 0,
        unmet: all.map(([name, reason]) => `${name}: ${reason}`),
        codes: all.map(([name]) => name),
      };
    },
  };
}

/** Tick outcomes that come after reading the state from the API server. */
const REACHED_API: ReadonlySet<TickOutcome> = new Set(['acted', 'idle', 'outside-window', 'paused', 'blocked']);

export interface ApiReadinessListenerOptions {
  readonly readiness: Readiness;
  /** The condition this listener meets. */
  readonly condition: string;
}

/**
 * Meets the API condition as soon as a tick has read the cluster state, or a
 * leadership change has gone through the Lease, when start-up could not yet.
 * It never unmeets it: that is the periodic check of the cluster view in
 * main.ts (adapters/kubernetes/apiHealth.ts), which every replica runs, the
 * standby ones too, so a replica turns ready again when the API answers.
 */
export function createApiReadinessListener(options: ApiReadinessListenerOptions): Listener {
  return {
    name: 'readiness',
    on(o: Occurrence) {
      if ((o.type === 'tick' && REACHED_API.has(o.outcome)) || o.type === 'leader')
        options.readiness.set(options.condition, true);
    },
  };
}
