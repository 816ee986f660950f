// The second half of every experiment: after the fault, wait until the
// workload is back at steady state (all desired replicas ready, the victims
// replaced, the probe answering) or the timeout passes. Runs in the
// background so it never delays the next tick.

import type { RecoveryVerdict, Workload, WorkloadRef } from '../model.ts';
import type { Clock, Cluster, SteadyStateProbe } from '../ports.ts';

export interface RecoveryWatch {
  readonly cluster: Cluster;
  readonly probe: SteadyStateProbe;
  readonly clock: Clock;
  readonly workload: WorkloadRef;
  /** UIDs of killed pods that must be gone; empty in a dry run (nothing was killed). */
  readonly victimUids: readonly string[];
  readonly probeUrl?: string;
  readonly timeoutSeconds: number;
  readonly pollSeconds: number;
  readonly signal: AbortSignal;
  /** When the fault was injected: recovery time counts from here. */
  readonly since: Date;
}

export async function watchRecovery(watch: RecoveryWatch): Promise<RecoveryVerdict> {
  const started = watch.since.getTime();
  const elapsed = () => (watch.clock.now().getTime() - started) / 1000;
  let why = 'not checked yet';
  for (;;) {
    try {
      const workload = await watch.cluster.workload(watch.workload);
      why = workload === undefined ? 'workload is gone' : notRecovered(workload, watch.victimUids) ?? '';
      if (why === '' && watch.probeUrl !== undefined && workload !== undefined) {
        const probe = await watch.probe.check(workload);
        why = probe.ok ? '' : `probe failed: ${probe.detail ?? 'no answer'}`;
      }
      if (why === '') return { recovered: true, seconds: elapsed() };
    } catch (error) {
      why = `cannot read workload: ${(error as Error).message}`;
    }
    if (watch.signal.aborted) return { recovered: false, seconds: elapsed(), detail: `daemon stopping; last seen: ${why}` };
    if (elapsed() >= watch.timeoutSeconds) return { recovered: false, seconds: elapsed(), detail: why };
    await watch.clock.sleep(Math.min(watch.pollSeconds, Math.max(0, watch.timeoutSeconds - elapsed())) * 1000 || 1, watch.signal);
  }
}

function notRecovered(w: Workload, victimUids: readonly string[]): string | undefined {
  const live = w.pods.filter((p) => !p.terminating);
  if (live.some((p) => victimUids.includes(p.uid))) return 'a killed pod is still there';
  const ready = live.filter((p) => p.ready && p.phase === 'Running').length;
  if (ready < w.desired) return `${ready}/${w.desired} pods ready`;
  if (w.ready < w.desired) return `${w.ready}/${w.desired} replicas ready`;
  return undefined;
}
