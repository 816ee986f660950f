// The tick: decide whether chaos may happen now, pick victims, hit them,
// watch them recover, and announce everything. Ticks come from outside (the
// scheduler, or a test's loop); they never overlap, and a failed tick is
// reported and leaves the next one untouched.

import { historySeconds } from '../budget/budget.ts';
import { formatSeconds } from '../duration.ts';
import { claimAnnouncement } from '../killSwitch.ts';
import { workloadKey, type ClusterSnapshot } from '../model.ts';
import type { Occurrence, TickOutcome } from '../occurrence.ts';
import type { Cluster, NodeDrainer, PodKiller, Random, SteadyStateProbe } from '../ports.ts';
import { createTickPermit } from '../permit/permit.ts';
import { drawCandidates, findCandidates, hitProbability, type Candidate } from '../selection/candidates.ts';
import { pruneState, type HavocState } from '../state.ts';
import { dayPlan } from './dayPlan.ts';
import { giveBackNodes, startNodeChaos } from './nodeChaos.ts';
import { hitWorkload } from './podChaos.ts';
import { targetsOccurrence } from './targets.ts';
import { tickSpanSeconds } from './tickSpan.ts';
import { createRecordClock } from '../time/recordClock.ts';
import { settlePredecessors } from './settlePredecessors.ts';
import { settleLost } from './settleLost.ts';
import { createHeldReservations } from './heldReservations.ts';
import { createRecoveryWatches } from './recoveryWatches.ts';
import type { RoundStepDeps } from './roundStep.ts';
import type { SteadyStateGate } from '../steadyState/steadyStateGate.ts';
import { warnedOnce } from '../warnedOnce.ts';

export interface ChaosRoundDeps extends RoundStepDeps {
  readonly cluster: Cluster;
  readonly killer: PodKiller;
  readonly probe: SteadyStateProbe;
  readonly random: Random;
  readonly podMethod: 'evict' | 'delete';
  /** Node chaos; without it (or with nodes.enabled false) only pods are hit. */
  readonly drainer?: NodeDrainer;
  /** The steady state on real metrics (Prometheus); without it, ready replicas and the probe are the whole hypothesis. */
  readonly steadyState?: SteadyStateGate;
  /** This run of the daemon (identity and start time): reservations carry it, a successor settles the others'. */
  readonly owner?: string;
  /** Test hook between the steps of a kill (the fault e2e suite stops the process there); absent in production. */
  readonly checkpoint?: (point: 'reserved' | 'killed') => Promise<void>;
}

export interface Tick {
  readonly at: Date;
  /** When the following tick is due: this tick stands for the business time until then. */
  readonly nextTick: Date;
  /** The slot right before this one, when the scheduler knows it: business time an outside-window tick covered moves here. */
  readonly previousTick?: Date;
  /** Aborts when the tick has run too long: no new kill starts, and the tick is reported as `deadline` at once. */
  readonly deadline?: AbortSignal;
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
  /** Announces the targets (see the 'targets' occurrence) outside a tick: at start-up, before the first kill. */
  announceTargets(at: Date): Promise<void>;
  /** Settles reservations a previous run left (leader only); also runs at the first tick of each leadership. */
  settleLeftovers(): Promise<void>;
  /** Per-workload entries kept across ticks: their bound is asserted by tests (each has its pruning rule). */
  held(): HeldEntries;
}

export interface HeldEntries {
  /** Workloads with a bad label warned about: those still bad at the last look. */
  readonly labelWarnings: number;
  /** Workloads with a bad steady-state expression warned about: opted in at the last look. */
  readonly hypothesisWarnings: number;
  /** Workloads whose recovery is followed now: ends with each check. */
  readonly recovering: number;
}

export function createChaosRound(given: ChaosRoundDeps): ChaosRound {
  // Record ages are judged on a clock a forward step cannot move ahead (time/recordClock.ts); every step gets it.
  const deps = { ...given, records: given.records ?? createRecordClock(given.clock) };
  const { settings, clock } = deps;
  // Bad labels warned about, per workload (pruning rule in warnedOnce.ts: each look keeps the bad ones it still finds).
  const warned = warnedOnce();
  let busy = false;
  const action = deps.podMethod === 'evict' ? 'pod-evict' : 'pod-delete';
  // Recovery checks and drains run in the background, tracked until they end.
  const background = createRecoveryWatches({ ...deps, action });
  const owner = deps.owner ?? 'kube-havoc';
  // Whether this replica has settled its predecessors' reservations since it became leader.
  let settledAsLeader = false;
  let settling: Promise<void> | undefined;
  // Ticks already reported (at their deadline), so the late end of the run does not report again.
  const reported = new WeakSet<Tick>();
  // Drains in the background, and outcomes announced whose write failed (written again at the next tick).
  const held = createHeldReservations();

  const finish = (tick: Tick, started: number, summary: TickSummary, extra: Partial<Occurrence & { type: 'tick' }> = {}) => {
    if (reported.has(tick)) return summary;
    reported.add(tick);
    deps.report({
      type: 'tick',
      at: tick.at,
      outcome: summary.outcome,
      eligible: summary.eligible,
      killed: summary.killed,
      durationMs: clock.now().getTime() - started,
      dryRun: settings.dryRun,
      nextTick: tick.nextTick,
      ...extra,
    });
    return summary;
  };

  const warnInvalid = (at: Date, invalid: ReturnType<typeof findCandidates>['invalid']) => {
    warned.retain(new Set(invalid.map(({ workload }) => workloadKey(workload.ref))));
    for (const { workload, problems } of invalid) {
      // Once per bad value of one object, not every tick: a workload deleted and made again under its name is new.
      const signature = `${workload.uid}:${problems.map((p) => `${p.field}=${p.value}`).join(',')}`;
      if (!warned.first(workloadKey(workload.ref), signature)) continue;
      for (const p of problems) {
        deps.report({
          type: 'invalid-label',
          at,
          workload: workload.ref,
          workloadUid: workload.uid,
          field: p.field,
          value: p.value,
          message: p.message,
        });
      }
    }
  };

  const sendDayPlan = async (at: Date, state: HavocState, candidates: readonly Candidate[]) => {
    // The window's occurrence, not the calendar day: an overnight window is one plan, before and after midnight.
    const today = settings.window.occurrenceKey(at) ?? settings.window.localDate(at);
    if (state.dayPlanSentFor === today) return;
    await deps.state.update((s) => ({ ...s, dayPlanSentFor: today }));
    deps.report({ type: 'day-plan', at, plan: dayPlan(candidates, settings, at) });
  };

  // The marker lives in the shared state, not in memory: one announcement per pause across restarts and leaders.
  const announceKillSwitch = async (at: Date, state: HavocState) => {
    const announcement = await claimAnnouncement(deps.state, state, at);
    if (announcement) deps.report(announcement);
  };

  const announceTargets = (
    at: Date,
    nodes: ClusterSnapshot['nodes'],
    candidates: readonly Candidate[],
    history: HavocState['kills'],
  ) => {
    deps.report(
      targetsOccurrence({ at, settings, candidates, nodes, nodeChaos: deps.drainer !== undefined, podAction: action, history }),
    );
  };

  const giveBack = async (now: Date) => {
    if (!deps.drainer || (deps.leadership && !deps.leadership.isLeader())) return;
    await giveBackNodes({ ...deps, drainer: deps.drainer, now }).catch((error: unknown) => {
      deps.report({
        type: 'error',
        at: clock.now(),
        kind: errorKind(error),
        message: `node give-back failed: ${(error as Error).message}`,
      });
    });
  };

  const settleLeftovers = async () => {
    if (deps.leadership && !deps.leadership.isLeader()) return;
    settling ??= (async () => {
      const since = clock.now().toISOString();
      await deps.state.update((s) => ({ ...s, daemon: { by: owner, since, dryRun: settings.dryRun, caps: settings.caps } }));
      const { settled, complete } = await settlePredecessors({ ...deps, owner, held });
      await background.followSettled(settled);
      // Until every leftover is settled, each tick tries again.
      settledAsLeader = complete;
    })().finally(() => {
      settling = undefined;
    });
    await settling;
  };

  const run = async (tick: Tick, started: number): Promise<TickSummary> => {
    if (deps.leadership && !deps.leadership.isLeader()) {
      settledAsLeader = false;
      return finish(tick, started, { outcome: 'not-leader', eligible: 0, killed: 0 });
    }
    // Before the kill switch and the window: a drained node always comes back.
    await giveBack(tick.at);
    // Whatever the switch and the window say, a predecessor's kills are recorded and announced.
    if (!settledAsLeader) await settleLeftovers();
    await background.followSettled(await held.storeUnstored());
    // Budgets and gaps are judged on the record clock, which a forward step of the wall clock cannot move.
    const judged = deps.records.now();
    const loaded = await deps.state.load();
    // This run's own lost reservations, found in the read above; settling one changes no count, so `loaded` stays right.
    const lost = await settleLost({ ...deps, owner, held, kills: loaded.kills, now: judged });
    await background.followSettled(lost.settled);
    const state = pruneState(loaded, judged, historySeconds(settings.minGapSeconds));
    const permit = createTickPermit(deps, {
      at: tick.at,
      history: state.kills,
      recovering: () => background.recovering(),
      ...(tick.deadline ? { deadline: tick.deadline } : {}),
    });
    const budget = permit.budget();
    await announceKillSwitch(tick.at, state);
    // The same permit as every kill of the tick decides whether the tick is worth a draw at all.
    const closed = permit.closed(state);
    if (closed?.reason === 'paused')
      return finish(tick, started, { outcome: 'paused', eligible: 0, killed: 0 }, { detail: state.paused?.reason, budget });
    if (closed?.reason === 'outside-window')
      return finish(tick, started, { outcome: 'outside-window', eligible: 0, killed: 0 }, { budget });
    // Steady-state hook: a firing alert blocker (or a Prometheus that cannot say) stops all chaos this tick.
    const blocked = await deps.steadyState?.blocked(tick.at);
    if (blocked !== undefined)
      return finish(tick, started, { outcome: 'blocked', eligible: 0, killed: 0 }, { detail: blocked, budget });

    const snapshot = await deps.cluster.snapshot();
    const found = findCandidates(snapshot, settings, state.kills, judged);
    // Every opted-in workload, whether it may be drawn now or waits out its gap.
    const optedIn = [...found.eligible, ...found.waiting];
    announceTargets(tick.at, snapshot.nodes, optedIn, state.kills);
    warnInvalid(tick.at, found.invalid);
    deps.steadyState?.retain(new Set(optedIn.map((c) => workloadKey(c.workload.ref))));
    await sendDayPlan(tick.at, state, optedIn);

    const span = tickSpanSeconds(settings.window, tick);
    const chosen = drawCandidates(found.eligible, span, deps.random);
    let killed = 0;
    for (const candidate of chosen) {
      const hitAt = clock.now();
      const hit = await hitWorkload({
        ...deps,
        action,
        owner,
        held,
        deadline: tick.deadline,
        candidate,
        permit,
        reason: hitReason(candidate.policy, span),
      });
      killed += hit.killed.length;
      if (hit.policy)
        background.follow({
          workload: candidate.workload,
          probeUrl: hit.policy.probeUrl,
          victims: hit.killed,
          since: hitAt,
          recordId: hit.recordId,
        });
    }
    if (deps.drainer) {
      const drain = await startNodeChaos({
        ...deps,
        drainer: deps.drainer,
        signal: background.signal,
        owner,
        held,
        deadline: tick.deadline,
        snapshot,
        guarded: optedIn.map((c) => c.workload),
        permit,
        watched: (ref) => deps.cluster.watched(ref),
        spanSeconds: span,
      });
      if (drain) {
        killed += 1;
        held.drain(drain.record, drain.done);
        background.track(drain.done);
      }
    }
    return finish(
      tick,
      started,
      { outcome: killed > 0 || chosen.length > 0 ? 'acted' : 'idle', eligible: found.eligible.length, killed },
      { budget: permit.budget() },
    );
  };

  return {
    async tick(tick) {
      const started = clock.now().getTime();
      if (busy) return finish(tick, started, { outcome: 'overlap', eligible: 0, killed: 0 });
      busy = true;
      // Reported when reached, not when the run finally ends; the run itself starts no new kill after it.
      const onDeadline = () =>
        finish(
          tick,
          started,
          { outcome: 'deadline', eligible: 0, killed: 0 },
          {
            detail: 'the tick reached its deadline: no new kill starts; requests in flight end within their timeouts',
          },
        );
      tick.deadline?.addEventListener('abort', onDeadline, { once: true });
      try {
        return await run(tick, started);
      } catch (error) {
        deps.report({ type: 'error', at: clock.now(), kind: errorKind(error), message: (error as Error).message });
        return finish(tick, started, { outcome: 'failed', eligible: 0, killed: 0 }, { detail: (error as Error).message });
      } finally {
        tick.deadline?.removeEventListener('abort', onDeadline);
        busy = false;
      }
    },
    stop: () => background.stop(),
    settle: () => background.settle(),
    giveBack,
    async announceTargets(at) {
      const judged = deps.records.now();
      const history = pruneState(await deps.state.load(), judged, historySeconds(settings.minGapSeconds)).kills;
      const snapshot = await deps.cluster.snapshot();
      const found = findCandidates(snapshot, settings, history, judged);
      announceTargets(at, snapshot.nodes, [...found.eligible, ...found.waiting], history);
    },
    settleLeftovers,
    held: () => ({
      labelWarnings: warned.size(),
      hypothesisWarnings: deps.steadyState?.warned() ?? 0,
      recovering: background.recovering().size,
    }),
  };
}

/** Why a drawn workload is hit: how it opted in, its MTBF and mode, and the chance it had this tick. */
function hitReason({ source, mtbfSeconds, mode }: Candidate['policy'], spanSeconds: number): string {
  const chance = (hitProbability(mtbfSeconds, spanSeconds) * 100).toFixed(1);
  return `opted in (${source}), mtbf ${formatSeconds(mtbfSeconds)} business time, mode ${mode}, chance this tick ${chance}%`;
}

/** Errors may carry a `kind` (the Kubernetes adapter sets api-unreachable, forbidden, ...). */
function errorKind(error: unknown): string {
  const kind = (error as { kind?: unknown }).kind;
  return typeof kind === 'string' ? kind : 'tick';
}
