// The steady-state part of `kube-havoc plan`: any firing alert blocker, and
// per opted-in workload its hypothesis and whether it holds right now.
// Read-only: the same gate the daemon uses, with nothing reported.

import { workloadKey, type ClusterSnapshot } from '../domain/model.ts';
import { findCandidates } from '../domain/selection/candidates.ts';
import type { Settings } from '../domain/settings.ts';
import type { SteadyStateGate } from '../domain/steadyState/steadyStateGate.ts';

export interface SteadyStatePlan {
  /** Why chaos is blocked now (firing alerts, or Prometheus not answering); absent when nothing blocks. */
  readonly blocked?: string;
  readonly workloads: readonly {
    readonly workload: string;
    readonly hypothesis?: string;
    readonly source?: string;
    /** holds / fails / unknown / invalid / none, and the detail. */
    readonly now: string;
  }[];
}

/** Queries at a time: plan must not flood Prometheus on a large cluster. */
const PARALLEL = 8;

export async function steadyStatePlan(
  gate: SteadyStateGate,
  snapshot: ClusterSnapshot,
  settings: Settings,
): Promise<SteadyStatePlan> {
  const blockers = await gate.blockers();
  const blocked =
    blockers.state === 'firing'
      ? `alert${blockers.alerts.length === 1 ? '' : 's'} firing: ${blockers.alerts.join(', ')}`
      : blockers.state === 'unknown'
        ? `${blockers.detail} (fail closed)`
        : undefined;
  const found = findCandidates(snapshot, settings, [], new Date());
  const workloads = [...found.eligible, ...found.waiting].map((c) => c.workload);
  const lines: SteadyStatePlan['workloads'][number][] = [];
  for (let i = 0; i < workloads.length; i += PARALLEL) {
    lines.push(
      ...(await Promise.all(
        workloads.slice(i, i + PARALLEL).map(async (w) => {
          const hypothesis = gate.hypothesis(w);
          const check = await gate.check(w);
          const now =
            check === undefined
              ? 'none: no hypothesis'
              : check.state === 'holds'
                ? `holds: ${check.value}`
                : `${check.state}: ${check.detail}`;
          return {
            workload: workloadKey(w.ref),
            ...(hypothesis ? { hypothesis: hypothesis.expr, source: hypothesis.source } : {}),
            now,
          };
        }),
      )),
    );
  }
  return { ...(blocked === undefined ? {} : { blocked }), workloads: lines };
}

export function renderSteadyStatePlan(plan: SteadyStatePlan): string[] {
  const lines = [
    '',
    `Steady state (Prometheus): ${plan.blocked === undefined ? 'no blocker fires' : `BLOCKED, no chaos now: ${plan.blocked}`}`,
  ];
  for (const w of plan.workloads) {
    lines.push(`  ${w.workload}: ${w.hypothesis === undefined ? 'no hypothesis' : `${w.hypothesis}  [${w.source ?? ''}]`}`);
    lines.push(`    now: ${w.now}`);
  }
  return lines;
}
