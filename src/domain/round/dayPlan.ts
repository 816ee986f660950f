// What today looks like: which workloads are eligible and how many kills to
// expect. Shared by the daily Slack plan and `kube-havoc plan`.

import { expectedPerDay, type Candidate } from '../selection/candidates.ts';
import type { DayPlanSummary } from '../occurrence.ts';
import type { Settings } from '../settings.ts';

export function dayPlan(candidates: readonly Candidate[], settings: Settings, now: Date): DayPlanSummary {
  const day = settings.window.daySeconds;
  const workloads = candidates.map((c) => ({
    workload: c.workload.ref,
    expectedKills: expectedPerDay(c.policy.mtbfSeconds, day, settings.minGapSeconds),
  }));
  const expected = workloads.reduce((sum, w) => sum + w.expectedKills, 0);
  const opens = settings.window.nextOpen(now) ?? now;
  return {
    windowOpens: opens,
    windowCloses: settings.window.nextClose(opens),
    eligible: candidates.length,
    // The daily cap bounds what can really happen.
    expectedKills: Math.min(expected, settings.caps.perDay),
    workloads,
    dryRun: settings.dryRun,
  };
}
