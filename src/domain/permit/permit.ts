// The one place that decides "may this disruption happen now?". Every
// mutation asks it right before it acts, never only at the start of the
// tick: a pod hit before its reservation (the fresh read of the workload) and
// inside it (the fresh state), each further victim of the same hit, a drain's
// reservation and each of its eviction passes. A refusal is an outcome with
// a reason, never an error. Callers do not re-check any part of it: guards
// spread over several files drift apart.

import { available, budgetLeft, lastAttempt, type BudgetLeft } from '../budget/budget.ts';
import { workloadKey, type NodeInfo, type PodInfo, type Workload, type WorkloadRef, type WorkloadWithPods } from '../model.ts';
import { parsePolicy, type WorkloadPolicy } from '../optin/workloadPolicy.ts';
import type { Cluster, DrainCandidate, SteadyStateProbe } from '../ports.ts';
import { chooseVictims, describeSpread, filterByZoneKeep, nodeZone, zoneSpread, type ZoneSpread } from '../selection/zones.ts';
import { eligiblePods, filterByMinGap, filterBySteadyState, namespaceVerdict, readyReplicas } from '../selection/filters.ts';
import { blastRadiusAllowance } from '../selection/killCount.ts';
import { readKillSwitch } from '../killSwitch.ts';
import type { HavocState, KillRecord, PauseState } from '../state.ts';
import type { SteadyStateGate } from '../steadyState/steadyStateGate.ts';
import type { RoundStepDeps } from '../round/roundStep.ts';
import { reserve, ReservationRefused, type Reservation } from '../budget/reservation.ts';
import type { Refusal } from './refusal.ts';

export type { Refusal } from './refusal.ts';

export interface PermitDeps extends RoundStepDeps {
  readonly cluster: Pick<Cluster, 'workload' | 'namespace' | 'watched' | 'zoneOf'>;
  readonly probe: SteadyStateProbe;
  readonly steadyState?: SteadyStateGate;
}

/** What a disruption asks of the shared state: its target's gap, the count it spends, whose budget. */
export interface LedgerAsk {
  /** workloadKey() or `node/<name>`. */
  readonly target: string;
  readonly count: number;
}

/**
 * A workload cleared by its fresh read: its policy as its labels say now, the pods it may lose, how many at most,
 * and its ready replicas by zone (victims are chosen with chooseVictims on it, so no zone drops below its keep).
 */
export interface Cleared {
  readonly workload: WorkloadWithPods;
  readonly policy: WorkloadPolicy;
  readonly pods: readonly PodInfo[];
  readonly allowance: number;
  readonly spread: ZoneSpread;
}

/** A drain the zone rule refuses: the workload whose zone it would empty, and why. */
export interface ZoneRefusal {
  readonly workload: Workload;
  readonly refusal: Refusal;
}

/** The zone rule's word on a drain of one node: the pods that must stay (by key, with why), and the first workload they keep. */
export interface ZoneVerdict {
  readonly hold: ReadonlyMap<string, string>;
  readonly refused?: ZoneRefusal;
}

/**
 * The permit of one tick. It counts what this tick disrupted, so later
 * decisions in the same tick (the next draw, a drain after pod kills) see it
 * before any watch does.
 */
export interface TickPermit {
  /** The budget left as this tick last knew the history (a cheap early refusal; the reservation decides). */
  budget(): BudgetLeft;
  /** The kill history as the last write of this tick left it. */
  history(): readonly KillRecord[];
  /** Takes the history a write of this tick left (the reservation's, a settlement's). */
  learn(history: readonly KillRecord[] | undefined): void;
  /** Counts `count` disruptions of this tick, of `workload` when it is a pod hit. */
  spend(count: number, workload?: WorkloadRef): void;
  /** Disruptions this tick caused so far. */
  readonly spent: () => number;
  /** Window, leadership and (within the tick) its deadline, at the clock's now: no I/O. */
  moment(within?: 'tick' | 'drain'): Refusal | undefined;
  /** The fresh state: kill switch, budget (with this tick's spending) and the target's gap. No I/O. */
  ledger(state: HavocState, ask: LedgerAsk): Refusal | undefined;
  /**
   * Reads the drawn workload fresh (and its namespace's labels, when namespaces.selector decides): still the
   * same object, opted in with valid labels, in an allowed namespace, steady, with pods it may lose now.
   */
  clear(drawn: Workload): Promise<Cleared | Refusal>;
  /** The steady-state hypothesis on the fresh read: the probe, then Prometheus. */
  hypothesis(cleared: Cleared): Promise<Refusal | undefined>;
  /** Whether chaos is closed for this whole tick: the moment, or the kill switch in `state` (read at the tick's start). */
  closed(state: HavocState): Refusal | undefined;
  /** Reserves the disruption if the moment and the fresh state allow it, checked inside the state's update. */
  reserve(record: Omit<KillRecord, 'result'>): Promise<Reservation | Refusal>;
  /**
   * Before a further mutation of a disruption already reserved (the next
   * victim, the next drain pass): the moment and the kill switch, read fresh,
   * and the moment again once the read returns.
   */
  again(within?: 'tick' | 'drain'): Promise<Refusal | undefined>;
  /** Whether a drain may start while these workloads are opted in: none degraded now or hit by this tick and not recovered. */
  drainStart(guarded: readonly Workload[]): Refusal | undefined;
  /**
   * The pods of a drain pass that must wait, by key, with why: their workload would lose more than
   * maxUnavailablePercent. `pods` are all of the node's, terminating ones too (they count as lost).
   */
  drainHold(pods: readonly DrainCandidate[], watched: (ref: WorkloadRef) => Workload | undefined): ReadonlyMap<string, string>;
  /**
   * Which of `node`'s pods (`pods`) may not go because their opted-in workload, spanning several zones, would
   * keep fewer than keepReadyPerZone ready replicas in the node's zone; `refused` names the first such workload
   * (before a drain is reserved, any refuses the whole drain). Reads each opted-in workload with a pod there fresh;
   * with keepReadyPerZone 0 it holds nothing and reads nothing.
   */
  drainZones(node: NodeInfo, pods: readonly DrainCandidate[]): Promise<ZoneVerdict>;
}

export interface TickScope {
  /** When the tick was due: the whole tick is closed when that moment is already outside the window. */
  readonly at: Date;
  readonly deadline?: AbortSignal;
  /** The history as read at the start of the tick. */
  readonly history: readonly KillRecord[];
  /** Workloads whose recovery this daemon still watches. */
  readonly recovering: () => ReadonlySet<string>;
}

export function createTickPermit(deps: PermitDeps, scope: TickScope): TickPermit {
  const { settings, clock } = deps;
  let history = scope.history;
  let spent = 0;
  const hitThisTick = new Map<string, number>();

  // A drain outlives its tick: its passes are bounded by the drain timeout, not by the tick's deadline.
  const moment = (within: 'tick' | 'drain' = 'tick'): Refusal | undefined => {
    const now = clock.now();
    if (deps.leadership && !deps.leadership.isLeader())
      return { reason: 'not-leader', detail: 'this replica does not hold the lease now' };
    if (within === 'tick' && scope.deadline?.aborted) return { reason: 'deadline', detail: 'the tick reached its deadline' };
    if (!settings.window.contains(now))
      return { reason: 'outside-window', detail: `${now.toISOString()} is outside the business window` };
    return undefined;
  };

  // Budgets and gaps on the record clock (a forward step of the wall clock cannot age records); the window on the wall clock.
  const judged = () => (deps.records ?? clock).now();
  const budgetAt = (kills: readonly KillRecord[]) =>
    budgetLeft({ history: kills, now: judged(), caps: settings.caps, dryRun: settings.dryRun, spentThisTick: spent });

  const paused = (pause: PauseState | undefined): Refusal | undefined =>
    pause ? { reason: 'paused', detail: `chaos was paused by ${pause.by}: ${pause.reason}` } : undefined;

  const ledger = (state: HavocState, ask: LedgerAsk): Refusal | undefined => {
    const stop = paused(state.paused);
    if (stop) return stop;
    const left = budgetAt(state.kills);
    if (available(left) < ask.count) {
      const detail = `budget spent meanwhile: tick ${left.tick}, hour ${left.hour}, day ${left.day} left, ${ask.count} needed`;
      return { reason: 'budget-spent', detail };
    }
    const last = lastAttempt(state.kills, ask.target, settings.dryRun);
    const gap = filterByMinGap(last, judged(), settings.minGapSeconds);
    return gap === undefined ? undefined : { reason: 'min-gap', detail: `${ask.target}: ${gap}` };
  };

  return {
    budget: () => budgetAt(history),
    history: () => history,
    learn(next) {
      if (next !== undefined) history = next;
    },
    spend(count, workload) {
      spent += count;
      if (workload === undefined) return;
      const key = workloadKey(workload);
      hitThisTick.set(key, (hitThisTick.get(key) ?? 0) + count);
    },
    spent: () => spent,
    moment,

    ledger,

    async clear(drawn) {
      const fresh = await deps.cluster.workload(drawn.ref);
      if (fresh === undefined || fresh.uid !== drawn.uid)
        return { reason: 'no-pods', detail: 'the workload is gone or was replaced' };
      const ns = fresh.ref.namespace;
      const labelsDecide = settings.namespaces.selector.requirements.length > 0;
      const outside = namespaceVerdict(settings.namespaces, ns, labelsDecide ? await deps.cluster.namespace(ns) : undefined);
      if (outside !== undefined) return { reason: 'opted-out', detail: outside };
      const parsed = parsePolicy(fresh, settings.policy);
      if (!parsed.optedIn) return { reason: 'opted-out', detail: 'its opt-in label is gone or says false now' };
      if ('problems' in parsed) {
        const bad = parsed.problems.map((p) => `${p.field}=${p.value}`).join(', ');
        return { reason: 'opted-out', detail: `its labels are invalid now (${bad})` };
      }
      const notSteady = filterBySteadyState(fresh);
      if (notSteady !== undefined) return { reason: 'not-steady', detail: notSteady };
      const pods = eligiblePods(fresh.pods, { now: clock.now(), minAgeSeconds: settings.minPodAgeSeconds, self: settings.self });
      if (pods.length === 0) return { reason: 'no-pods', detail: 'no running pod old enough' };
      const allowance = blastRadiusAllowance({
        desired: fresh.desired,
        ready: readyReplicas(fresh),
        maxUnavailablePercent: settings.maxUnavailablePercent,
      });
      if (allowance <= 0)
        return { reason: 'blast-radius', detail: `maxUnavailablePercent ${settings.maxUnavailablePercent} allows no more` };
      const spread = zoneSpread(fresh.pods, deps.cluster.zoneOf, settings.keepReadyPerZone);
      const zoned = chooseVictims(pods, spread, allowance, deps.cluster.zoneOf).length;
      if (zoned === 0) {
        const keep = `keepReadyPerZone ${spread.keep}`;
        return {
          reason: 'zone-last-ready',
          detail: `no zone may lose a ready replica: ${keep} (ready by zone: ${describeSpread(spread)})`,
        };
      }
      return { workload: fresh, policy: parsed.policy, pods, allowance: zoned, spread };
    },

    async hypothesis({ workload, policy }) {
      if (policy.probeUrl !== undefined) {
        const probe = await deps.probe.check(workload);
        if (!probe.ok) return { reason: 'probe-failed', detail: `steady-state probe failed: ${probe.detail ?? 'no answer'}` };
      }
      // Fail closed: a Prometheus that cannot say refuses the kill.
      return deps.steadyState?.beforeKill(workload, clock.now());
    },

    closed: (state) =>
      settings.window.contains(scope.at)
        ? (moment() ?? paused(state.paused))
        : { reason: 'outside-window', detail: `the tick of ${scope.at.toISOString()} is outside the business window` },

    async reserve(record) {
      try {
        const reservation = await reserve(deps.state, record, (state) => moment() ?? ledger(state, record));
        history = reservation.history ?? history;
        return reservation;
      } catch (error) {
        if (error instanceof ReservationRefused) return error.refusal;
        throw error;
      }
    },

    async again(within = 'tick') {
      // A fresh read of the kill switch alone: a drain asks at every pass, every few seconds. The moment once more
      // after it: the read may end after the term or the window did.
      return moment(within) ?? paused(await readKillSwitch(deps.state)) ?? moment(within);
    },

    drainStart(guarded) {
      const recovering = scope.recovering();
      for (const w of guarded) {
        const key = workloadKey(w.ref);
        const notSteady = filterBySteadyState(w);
        if (notSteady !== undefined) return { reason: 'not-steady', detail: `${key} is degraded (${notSteady})` };
        if (hitThisTick.has(key) || recovering.has(key))
          return { reason: 'blast-radius', detail: `${key} lost pods to chaos and has not recovered yet` };
      }
      return undefined;
    },

    drainHold(pods, watched) {
      const hold = new Map<string, string>();
      const going = new Map<string, number>();
      for (const pod of pods) {
        if (pod.terminating && pod.workload)
          going.set(workloadKey(pod.workload), (going.get(workloadKey(pod.workload)) ?? 0) + 1);
      }
      const taken = new Map<string, number>();
      for (const { key, workload, terminating } of pods) {
        const w = workload && !terminating ? watched(workload) : undefined;
        if (w === undefined) continue; // not opted in: its PodDisruptionBudget is its only limit, as for kubectl drain
        const wkey = workloadKey(w.ref);
        // The watch may not show yet what this tick and this drain took: the lower figure counts
        // (a pod in both counts twice, which errs on the safe side).
        const lost = (hitThisTick.get(wkey) ?? 0) + (going.get(wkey) ?? 0);
        const ready = Math.min(w.ready, w.desired - lost);
        const allowance = blastRadiusAllowance({
          desired: w.desired,
          ready,
          maxUnavailablePercent: settings.maxUnavailablePercent,
        });
        const used = taken.get(wkey) ?? 0;
        if (used < allowance) taken.set(wkey, used + 1);
        else hold.set(key, `${wkey} may lose no more pods now (maxUnavailablePercent ${settings.maxUnavailablePercent})`);
      }
      return hold;
    },

    async drainZones(node, pods) {
      const hold = new Map<string, string>();
      let refused: ZoneRefusal | undefined;
      if (settings.keepReadyPerZone <= 0) return { hold };
      const zone = nodeZone(node);
      const seen = new Set<string>();
      for (const { workload, terminating } of pods) {
        if (workload === undefined || terminating || seen.has(workloadKey(workload))) continue;
        seen.add(workloadKey(workload));
        if (deps.cluster.watched(workload) === undefined) continue; // not opted in: its PodDisruptionBudget decides
        const fresh = await deps.cluster.workload(workload);
        if (fresh === undefined) continue;
        const spread = zoneSpread(fresh.pods, deps.cluster.zoneOf, settings.keepReadyPerZone);
        const here = fresh.pods.filter((p) => p.nodeName === node.name && p.ready && !p.terminating);
        const why = filterByZoneKeep(spread, zone, here.length);
        if (why === undefined) continue;
        const detail = `draining node ${node.name}: ${why}`;
        refused ??= { workload: fresh, refusal: { reason: 'zone-last-ready', detail } };
        // As many as the zone can spare may go; the rest wait, as a PodDisruptionBudget would make them.
        const spare = Math.max(0, (spread.ready.get(zone) ?? 0) - spread.keep);
        for (const p of here.slice(spare)) hold.set(`${p.namespace}/${p.name}`, detail);
      }
      return refused === undefined ? { hold } : { hold, refused };
    },
  };
}
