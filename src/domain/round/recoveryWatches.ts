// The background work a round leaves behind: recovery checks of the pods it
// killed and the drains it started. Each runs without delaying the next tick,
// is tracked until it ends, and stops (its verdict says "daemon stopping")
// when the round stops. While a workload's recovery is followed, no drain
// starts on top of it (the permit asks `recovering()`).

import { workloadKey, type Workload } from '../model.ts';
import { parsePolicy } from '../optin/workloadPolicy.ts';
import type { Cluster, SteadyStateProbe } from '../ports.ts';
import type { SteadyStateGate } from '../steadyState/steadyStateGate.ts';
import { verdictText } from '../steadyState/verdict.ts';
import { watchRecovery } from './recovery.ts';
import type { RoundStepDeps } from './roundStep.ts';
import type { SettledKill } from './settleLeftovers.ts';

export interface RecoveryWatchDeps extends RoundStepDeps {
  readonly cluster: Cluster;
  readonly probe: SteadyStateProbe;
  readonly steadyState?: SteadyStateGate;
  readonly action: 'pod-evict' | 'pod-delete';
}

/** What a recovery check follows: the workload hit, its probe as the fresh read said, the victims and their record. */
export interface Followed {
  readonly workload: Workload;
  readonly probeUrl: string | undefined;
  readonly victims: readonly { readonly uid: string; readonly name: string; readonly namespace: string }[];
  /** When the fault happened: the recovery timeout counts from here. */
  readonly since: Date;
  /** The KillRecord the verdict goes onto; a check cut short by shutdown writes none. */
  readonly recordId: string | undefined;
}

export interface RecoveryWatches {
  /** Follows the recovery of a kill in the background, reports the verdict and writes it onto the record. */
  follow(followed: Followed): void;
  /** Follows the victims settled leftovers show evicted, on their workload as it is now. */
  followSettled(settled: readonly SettledKill[]): Promise<void>;
  /** Tracks other background work (a drain) until it ends. */
  track(job: Promise<unknown>): void;
  /** Workloads whose recovery is followed now. */
  recovering(): ReadonlySet<string>;
  /** Aborted when the round stops: running drains and checks stop. */
  readonly signal: AbortSignal;
  /** Waits for everything tracked (tests; the round's stop). */
  settle(): Promise<void>;
  stop(): Promise<void>;
}

export function createRecoveryWatches(deps: RecoveryWatchDeps): RecoveryWatches {
  const { settings, clock } = deps;
  const stopping = new AbortController();
  const running = new Set<Promise<void>>();
  // Per workload key, how many checks follow it (two kills of one workload in a row are two checks).
  const recovering = new Map<string, number>();

  const track = (job: Promise<unknown>) => {
    const tracked: Promise<void> = job
      .then(
        () => undefined,
        () => undefined,
      )
      .finally(() => running.delete(tracked));
    running.add(tracked);
  };

  // Steady-state hook: the hypothesis again, until it holds or the recovery timeout (counted from the fault) passes.
  const confirm = (gate: SteadyStateGate, workload: Workload, since: Date) =>
    gate.afterRecovery(workload, {
      deadline: new Date(since.getTime() + settings.recovery.timeoutSeconds * 1000),
      pollSeconds: settings.recovery.pollSeconds,
      signal: stopping.signal,
    });

  const check = async ({ workload, probeUrl, victims, since, recordId }: Followed) => {
    const first = victims[0];
    if (first === undefined) return;
    const verdict = await watchRecovery({
      cluster: deps.cluster,
      probe: deps.probe,
      clock,
      workload: workload.ref,
      victimUids: settings.dryRun ? [] : victims.map((v) => v.uid),
      probeUrl,
      timeoutSeconds: settings.recovery.timeoutSeconds,
      pollSeconds: settings.recovery.pollSeconds,
      signal: stopping.signal,
      since,
    });
    const hypothesis = deps.steadyState ? await confirm(deps.steadyState, workload, since) : undefined;
    deps.report({
      type: 'recovery',
      at: clock.now(),
      victims: victims.length,
      action: deps.action,
      dryRun: settings.dryRun,
      verdict,
      ...(hypothesis ? { hypothesis } : {}),
      target: {
        kind: 'Pod',
        namespace: first.namespace,
        name: first.name,
        uid: first.uid,
        workload: workload.ref,
        workloadUid: workload.uid,
      },
    });
    // A check cut short by shutdown is no verdict on the workload: leave the record without one.
    if (recordId === undefined || stopping.signal.aborted) return;
    const recovery = {
      recovered: verdict.recovered,
      seconds: verdict.seconds,
      ...(hypothesis ? { hypothesis: { verdict: hypothesis.verdict, detail: verdictText(hypothesis) } } : {}),
    };
    await deps.state
      .update((s) => ({ ...s, kills: s.kills.map((k) => (k.id === recordId ? { ...k, recovery } : k)) }))
      .catch((error: unknown) => {
        const message = `recording the recovery verdict failed: ${(error as Error).message}`;
        deps.report({ type: 'error', at: clock.now(), kind: 'state', message });
      });
  };

  return {
    follow(followed) {
      if (followed.victims.length === 0) return;
      const key = workloadKey(followed.workload.ref);
      recovering.set(key, (recovering.get(key) ?? 0) + 1);
      track(
        check(followed).finally(() => {
          const left = (recovering.get(key) ?? 1) - 1;
          if (left > 0) recovering.set(key, left);
          else recovering.delete(key);
        }),
      );
    },
    async followSettled(settled) {
      for (const { record, killed } of settled) {
        if (record.workload === undefined || record.workloadUid === undefined) continue;
        // Read fresh so the hypothesis after recovery sees the workload's annotations; a gone workload is judged without them.
        const current = await deps.cluster.workload(record.workload).catch(() => undefined);
        const workload: Workload = current ?? {
          ref: record.workload,
          uid: record.workloadUid,
          labels: {},
          annotations: {},
          desired: 0,
          ready: 0,
          rollout: { generation: 0, observedGeneration: 0, available: 0 },
          pods: [],
        };
        // The record keeps no policy: the workload's labels, as they are now, say whether a probe confirms the recovery.
        const parsed = current && parsePolicy(current, settings.policy);
        const probeUrl = parsed && 'policy' in parsed ? parsed.policy.probeUrl : undefined;
        this.follow({ workload, probeUrl, victims: killed, since: new Date(record.at), recordId: record.id });
      }
    },
    track,
    recovering: () => new Set(recovering.keys()),
    signal: stopping.signal,
    async settle() {
      while (running.size > 0) await Promise.allSettled([...running]);
    },
    async stop() {
      stopping.abort();
      await this.settle();
    },
  };
}
