// The round's three hooks into the steady state on real metrics, when a
// Prometheus is configured: a tick-level gate (alert blockers), a check right
// before a kill (the workload's hypothesis and its namespace's blockers), and
// the verdict after recovery. Everything fails closed: no answer, no chaos.

import { workloadKey, type Workload } from '../model.ts';
import type { Occurrence, SkipReason } from '../occurrence.ts';
import type { Clock, MetricsSource } from '../ports.ts';
import { blockerQuery, firingBlockers, perNamespace, type BlockerCheck } from './blockers.ts';
import { checkHypothesis, hypothesisFor, type Hypothesis, type HypothesisCheck } from './hypothesis.ts';
import { confirmHypothesis } from './confirmHypothesis.ts';
import type { HypothesisVerdict } from './verdict.ts';
import { warnedOnce } from '../warnedOnce.ts';

export interface SteadyStateGateOptions {
  readonly source: MetricsSource;
  readonly clock: Clock;
  readonly report: (o: Occurrence) => void;
  /** Label prefix: the annotation is `<prefix>/steady-state`. */
  readonly prefix: string;
  /** Template for workloads without the annotation ({{namespace}}, {{name}}, {{kind}}); empty: none. */
  readonly defaultHypothesis: string;
  /** Alert matchers (see blockers.ts); those naming {{namespace}} are checked per workload. */
  readonly blockers: readonly string[];
}

export interface PreKillRefusal {
  readonly reason: SkipReason;
  readonly detail: string;
}

export interface SteadyStateGate {
  /** Tick level: why no chaos may happen now, or undefined. Reports a streak once, and its end. */
  blocked(at: Date): Promise<string | undefined>;
  /** Right before a kill: why this workload must not be hit now, or undefined. */
  beforeKill(workload: Workload, at: Date): Promise<PreKillRefusal | undefined>;
  /** After recovery: re-evaluates the hypothesis until it holds or the deadline passes. */
  afterRecovery(
    workload: Workload,
    options: { readonly deadline: Date; readonly pollSeconds: number; readonly signal: AbortSignal },
  ): Promise<HypothesisVerdict>;
  hypothesis(workload: Workload): Hypothesis | undefined;
  /** Read-only (plan): the hypothesis now, without reporting anything. */
  check(workload: Workload): Promise<HypothesisCheck | undefined>;
  /** Read-only (plan): the cluster-wide blockers now, without reporting anything. */
  blockers(): Promise<BlockerCheck>;
  /** Forgets the warnings about workloads not in `optedIn` (workload keys; the round passes each tick's). */
  retain(optedIn: ReadonlySet<string>): void;
  /** Workloads whose bad expression is remembered now (a bound the tests assert). */
  warned(): number;
}

export function createSteadyStateGate(options: SteadyStateGateOptions): SteadyStateGate {
  const { source } = options;
  const global = blockerQuery(options.blockers.filter((m) => !perNamespace(m)));
  const local = options.blockers.filter(perNamespace);
  const hypothesisOptions = { prefix: options.prefix, defaultTemplate: options.defaultHypothesis };
  // The streak being reported: sorted alert names, or "unknown"; undefined while clear.
  let streak: string | undefined;
  // Bad expressions warned about, per workload, once per bad value like bad labels. Pruning rule
  // (warnedOnce.ts): forgotten when the expression evaluates, and when the round no longer finds the workload opted in.
  const warned = warnedOnce();

  return {
    async blocked(at) {
      const check = await firingBlockers(source, global);
      if (check.state === 'clear') {
        if (streak !== undefined)
          options.report({
            type: 'blocker',
            at,
            firing: false,
            alerts: [],
            detail: 'no blocking alert fires any more; chaos resumes',
          });
        streak = undefined;
        return undefined;
      }
      const alerts = check.state === 'firing' ? check.alerts : [];
      const detail =
        check.state === 'firing'
          ? `alert${alerts.length === 1 ? '' : 's'} firing: ${alerts.join(', ')}`
          : `${check.detail}; no chaos until it answers (fail closed)`;
      const signature = check.state === 'firing' ? alerts.join('\n') : 'unknown';
      if (signature !== streak) options.report({ type: 'blocker', at, firing: true, alerts, detail });
      streak = signature;
      return detail;
    },

    async beforeKill(workload, at) {
      if (local.length > 0) {
        const check = await firingBlockers(source, blockerQuery(local, workload.ref.namespace));
        if (check.state === 'unknown') return { reason: 'steady-state-unknown', detail: check.detail };
        if (check.state === 'firing')
          return {
            reason: 'blocker-firing',
            detail: `blocking alert firing in namespace ${workload.ref.namespace}: ${check.alerts.join(', ')}`,
          };
      }
      const hypothesis = hypothesisFor(workload, hypothesisOptions);
      if (hypothesis === undefined) return undefined;
      const check = await checkHypothesis(source, hypothesis);
      const key = workloadKey(workload.ref);
      // An expression that evaluates (held or not) ends its warning: broken again, it is warned again.
      if (check.state === 'holds' || check.state === 'fails') warned.forget(key);
      switch (check.state) {
        case 'holds':
          return undefined;
        case 'fails':
          return { reason: 'hypothesis-failed', detail: `steady-state hypothesis does not hold: ${check.detail}` };
        case 'unknown':
          return { reason: 'steady-state-unknown', detail: `steady-state hypothesis not checked: ${check.detail}` };
        case 'invalid': {
          if (warned.first(key, `${workload.uid}:${hypothesis.expr}`)) {
            options.report({
              type: 'invalid-label',
              at,
              workload: workload.ref,
              workloadUid: workload.uid,
              field: hypothesis.source,
              value: hypothesis.expr,
              message: `is not valid PromQL: ${check.detail}`,
            });
          }
          return { reason: 'hypothesis-invalid', detail: `${hypothesis.source} is not valid PromQL: ${check.detail}` };
        }
      }
    },

    afterRecovery(workload, watch) {
      return confirmHypothesis({
        source,
        clock: options.clock,
        hypothesis: hypothesisFor(workload, hypothesisOptions),
        ...watch,
      });
    },

    hypothesis: (workload) => hypothesisFor(workload, hypothesisOptions),

    blockers: () => firingBlockers(source, global),

    retain: (optedIn) => warned.retain(optedIn),

    warned: () => warned.size(),

    async check(workload) {
      const hypothesis = hypothesisFor(workload, hypothesisOptions);
      return hypothesis === undefined ? undefined : checkHypothesis(source, hypothesis);
    },
  };
}
