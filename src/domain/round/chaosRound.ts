// The tick: decide whether chaos may happen now, pick victims, hit them,
// watch them recover, and announce everything. Ticks come from outside (the
// scheduler, or a test's loop); they never overlap, and a failed tick is
// reported and leaves the next one untouched.

import { budgetLeft, historySeconds } from '../budget/budget.ts';
import { formatSeconds } from '../duration.ts';
import { workloadKey } from '../model.ts';
import type { Occurrence, TickOutcome } from '../occurrence.ts';
import type { Clock, Cluster, NodeDrainer, PodKiller, Random, StateStore, SteadyStateProbe } from '../ports.ts';
import { drawCandidates, findCandidates, hitProbability, type Candidate } from '../selection/candidates.ts';
import type { Settings } from '../settings.ts';
import { pruneState, type HavocState } from '../state.ts';
import { dayPlan } from './dayPlan.ts';
import { giveBackNodes, startNodeChaos } from './nodeChaos.ts';
import { hitWorkload } from './podChaos.ts';
import { watchRecovery } from './recovery.ts';

export interface ChaosRoundDeps {
  readonly settings: Settings;
  readonly cluster: Cluster;
  readonly killer: PodKiller;
  readonly probe: SteadyStateProbe;
  readonly state: StateStore;
  readonly clock: Clock;
  readonly random: Random;
  readonly report: (o: Occurrence) => void;
  readonly podMethod: 'evict' | 'delete';
  readonly leadership?: { isLeader(): boolean };
  /** Node chaos; without it (or with nodes.enabled false) only pods are hit. */
  readonly drainer?: NodeDrainer;
}

export interface Tick {
  readonly at: Date;
  /** When the following tick is due: this tick stands for the business time until then. */
  readonly nextTick: Date;
}

export interface TickSummary {
  readonly outcome: TickOutcome;
  readonly eligible: number;
  readonly killed: number;
}

export interface ChaosRound {
  tick(tick: Tick): Promise<TickSummary>;
  /** Stops recovery watches and waits for them (their verdicts say "daemon stopping"). */
  stop(): Promise<void>;
  /** Recovery watches still running (tests wait for them). */
  settle(): Promise<void>;
  /** Gives back drained nodes whose time has come (leader only); also runs at every tick. */
  giveBack(now: Date): Promise<void>;
}

export function createChaosRound(deps: ChaosRoundDeps): ChaosRound {
  const { settings, clock } = deps;
  const stopping = new AbortController();
  const recoveries = new Set<Promise<void>>();
  const track = (job: Promise<unknown>) => {
    const tracked: Promise<void> = job.then(() => undefined, () => undefined).finally(() => recoveries.delete(tracked));
    recoveries.add(tracked);
  };
  const warned = new Map<string, string>();
  let busy = false;
  // Whether the kill switch was on at the last tick; undefined before the first.
  let wasPaused: boolean | undefined;
  const action = deps.podMethod === 'evict' ? 'pod-evict' : 'pod-delete';

  const finish = (tick: Tick, started: number, summary: TickSummary, extra: Partial<Occurrence & { type: 'tick' }> = {}) => {
    deps.report({
      type: 'tick', at: tick.at, outcome: summary.outcome, eligible: summary.eligible, killed: summary.killed,
      durationMs: clock.now().getTime() - started, dryRun: settings.dryRun, nextTick: tick.nextTick, ...extra,
    });
    return summary;
  };

  const warnInvalid = (at: Date, invalid: ReturnType<typeof findCandidates>['invalid']) => {
    for (const { workload, problems } of invalid) {
      const key = workloadKey(workload.ref);
      const signature = problems.map((p) => `${p.field}=${p.value}`).join(',');
      if (warned.get(key) === signature) continue; // once per bad value, not every tick
      warned.set(key, signature);
      for (const p of problems) {
        deps.report({ type: 'invalid-label', at, workload: workload.ref, workloadUid: workload.uid, field: p.field, value: p.value, message: p.message });
      }
    }
  };

  const watch = (candidate: Candidate, victims: readonly { uid: string; name: string; namespace: string }[], since: Date) => {
    const first = victims[0];
    if (first === undefined) return;
    const { workload, policy } = candidate;
    const job = watchRecovery({
      cluster: deps.cluster, probe: deps.probe, clock, workload: workload.ref,
      victimUids: settings.dryRun ? [] : victims.map((v) => v.uid),
      ...(policy.probeUrl === undefined ? {} : { probeUrl: policy.probeUrl }),
      timeoutSeconds: settings.recovery.timeoutSeconds, pollSeconds: settings.recovery.pollSeconds, signal: stopping.signal, since,
    }).then((verdict) => deps.report({
      type: 'recovery', at: clock.now(), victims: victims.length, action, dryRun: settings.dryRun, verdict,
      target: { kind: 'Pod', namespace: first.namespace, name: first.name, uid: first.uid, workload: workload.ref, workloadUid: workload.uid },
    }));
    track(job);
  };

  const sendDayPlan = async (at: Date, state: HavocState, candidates: readonly Candidate[]) => {
    const today = settings.window.localDate(at);
    if (state.dayPlanSentFor === today) return;
    await deps.state.update((s) => ({ ...s, dayPlanSentFor: today }));
    deps.report({ type: 'day-plan', at, plan: dayPlan(candidates, settings, at) });
  };

  const announceKillSwitch = (at: Date, state: HavocState) => {
    const paused = state.paused !== undefined;
    if (paused && wasPaused !== true) deps.report({ type: 'paused', at, by: state.paused?.by ?? 'unknown', reason: state.paused?.reason ?? '' });
    if (!paused && wasPaused === true) deps.report({ type: 'resumed', at, by: state.resumed?.by ?? 'unknown' });
    wasPaused = paused;
  };

  const giveBack = async (now: Date) => {
    if (!deps.drainer || (deps.leadership && !deps.leadership.isLeader())) return;
    await giveBackNodes({ ...deps, drainer: deps.drainer }, now).catch((error: unknown) => {
      deps.report({ type: 'error', at: clock.now(), kind: errorKind(error), message: `node give-back failed: ${(error as Error).message}` });
    });
  };

  const run = async (tick: Tick, started: number): Promise<TickSummary> => {
    if (deps.leadership && !deps.leadership.isLeader()) return finish(tick, started, { outcome: 'not-leader', eligible: 0, killed: 0 });
    // Before the kill switch and the window: a drained node always comes back.
    await giveBack(tick.at);
    const state = pruneState(await deps.state.load(), tick.at, historySeconds(settings.minGapSeconds));
    const budget = budgetLeft(state.kills, tick.at, settings.caps, settings.dryRun, 0);
    announceKillSwitch(tick.at, state);
    if (state.paused) return finish(tick, started, { outcome: 'paused', eligible: 0, killed: 0 }, { detail: state.paused.reason, budget });
    if (!settings.window.contains(tick.at)) return finish(tick, started, { outcome: 'outside-window', eligible: 0, killed: 0 }, { budget });

    const snapshot = await deps.cluster.snapshot();
    const found = findCandidates(snapshot, settings, state.kills, tick.at);
    warnInvalid(tick.at, found.invalid);
    await sendDayPlan(tick.at, state, [...found.eligible, ...found.waiting]);

    const span = settings.window.businessSeconds(tick.at, tick.nextTick);
    const chosen = drawCandidates(found.eligible, span, deps.random);
    let killed = 0;
    let spent = 0;
    let history = state.kills;
    for (const candidate of chosen) {
      const reason = `opted in (${candidate.policy.source}), mtbf ${formatSeconds(candidate.policy.mtbfSeconds)} business time, mode ${candidate.policy.mode}, `
        + `chance this tick ${(hitProbability(candidate.policy.mtbfSeconds, span) * 100).toFixed(1)}%`;
      const hitAt = clock.now();
      const hit = await hitWorkload({ ...deps, action }, candidate, spent, history, reason);
      killed += hit.killed.length;
      spent += hit.spent;
      if (hit.killed.length > 0) watch(candidate, hit.killed, hitAt);
      if (hit.outcomes.length > 0) history = (await deps.state.load()).kills;
    }
    if (deps.drainer) {
      const guarded = [...found.eligible, ...found.waiting].map((c) => c.workload);
      const drain = await startNodeChaos({ ...deps, drainer: deps.drainer, signal: stopping.signal }, snapshot, guarded, history, span, spent);
      if (drain) {
        killed += 1;
        spent += 1;
        track(drain.done);
      }
    }
    return finish(tick, started, { outcome: killed > 0 || chosen.length > 0 ? 'acted' : 'idle', eligible: found.eligible.length, killed }, {
      budget: budgetLeft(history, tick.at, settings.caps, settings.dryRun, spent),
    });
  };

  return {
    async tick(tick) {
      const started = clock.now().getTime();
      if (busy) return finish(tick, started, { outcome: 'overlap', eligible: 0, killed: 0 });
      busy = true;
      try {
        return await run(tick, started);
      } catch (error) {
        deps.report({ type: 'error', at: clock.now(), kind: errorKind(error), message: (error as Error).message });
        return finish(tick, started, { outcome: 'failed', eligible: 0, killed: 0 }, { detail: (error as Error).message });
      } finally {
        busy = false;
      }
    },
    async stop() {
      stopping.abort();
      await this.settle();
    },
    async settle() {
      while (recoveries.size > 0) await Promise.allSettled([...recoveries]);
    },
    giveBack,
  };
}

/** Errors may carry a `kind` (the Kubernetes adapter sets api-unreachable, forbidden, ...). */
function errorKind(error: unknown): string {
  const kind = (error as { kind?: unknown }).kind;
  return typeof kind === 'string' ? kind : 'tick';
}
