// The second half of every experiment: after the fault, wait until the
// workload is back at steady state (all desired replicas ready, the victims
// replaced, the probe answering) or the timeout passes. Runs in the
// background so it never delays the next tick.
//
// It follows the watches instead of polling the API server: the watched
// status of the workload says when recovery looks done, and only then is the
// workload read fresh (its pods with it) to give the verdict. The watched
// status may lag the kill, so it can trigger a fresh read but never gives a
// verdict by itself. What no watch sees (the probe, a workload no longer
// watched) is re-checked every `pollSeconds`, and a fresh read happens at
// least every `fallbackSeconds` in case a watch missed a change.

import type { RecoveryVerdict, WorkloadRef, WorkloadWithPods } from '../model.ts';
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
  /** Longest wait for a watch event before reading fresh anyway (default 60). */
  readonly fallbackSeconds?: number;
  readonly signal: AbortSignal;
  /** When the fault was injected: recovery time counts from here. */
  readonly since: Date;
}

export async function watchRecovery(watch: RecoveryWatch): Promise<RecoveryVerdict> {
  const { cluster, clock } = watch;
  const started = watch.since.getTime();
  const elapsed = () => (clock.now().getTime() - started) / 1000;
  const fallbackSeconds = Math.max(watch.pollSeconds, watch.fallbackSeconds ?? 60);
  let why = 'not checked yet';
  let lastFresh = -Infinity;
  for (;;) {
    // Listen before looking, so a change between the look and the wait is not lost.
    const waiting = new AbortController();
    const onAbort = () => waiting.abort();
    watch.signal.addEventListener('abort', onAbort, { once: true });
    const changed = cluster.changed(watch.workload, waiting.signal);
    try {
      const seen = cluster.watched(watch.workload);
      const looksBack = seen === undefined || seen.ready >= seen.desired;
      let onlyProbe = false;
      if (looksBack || elapsed() - lastFresh >= fallbackSeconds) {
        lastFresh = elapsed();
        try {
          const workload = await cluster.workload(watch.workload);
          why = workload === undefined ? 'workload is gone' : (notRecovered(workload, watch.victimUids) ?? '');
          if (why === '' && watch.probeUrl !== undefined && workload !== undefined) {
            const probe = await watch.probe.check(workload);
            why = probe.ok ? '' : `probe failed: ${probe.detail ?? 'no answer'}`;
            onlyProbe = !probe.ok;
          }
          if (why === '') return { recovered: true, seconds: elapsed() };
        } catch (error) {
          why = `cannot read workload: ${(error as Error).message}`;
        }
      } else {
        why = `${seen.ready}/${seen.desired} replicas ready`;
      }
      if (watch.signal.aborted) return { recovered: false, seconds: elapsed(), detail: `daemon stopping; last seen: ${why}` };
      const left = watch.timeoutSeconds - elapsed();
      if (left <= 0) return { recovered: false, seconds: elapsed(), detail: why };
      const pollOnly = onlyProbe || seen === undefined || why.startsWith('cannot read');
      const waitSeconds = Math.min(pollOnly ? watch.pollSeconds : fallbackSeconds, left);
      await Promise.race([changed, clock.sleep(waitSeconds * 1000 || 1, waiting.signal)]);
    } finally {
      waiting.abort();
      watch.signal.removeEventListener('abort', onAbort);
    }
  }
}

function notRecovered(w: WorkloadWithPods, victimUids: readonly string[]): string | undefined {
  const live = w.pods.filter((p) => !p.terminating);
  if (live.some((p) => victimUids.includes(p.uid))) return 'a killed pod is still there';
  const ready = live.filter((p) => p.ready && p.phase === 'Running').length;
  if (ready < w.desired) return `${ready}/${w.desired} pods ready`;
  if (w.ready < w.desired) return `${w.ready}/${w.desired} replicas ready`;
  return undefined;
}
