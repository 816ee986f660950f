// Node chaos: drain one random opted-in node within limits, and always give
// it back. Give-back runs first on every tick, whatever the window or the
// kill switch say, because the drain's end time lives on the node itself:
// a daemon that crashed or lost leadership mid-drain still uncordons it.

import { available, lastAttempt } from '../budget/budget.ts';
import type { ClusterSnapshot, KillOutcome, Workload, WorkloadRef } from '../model.ts';
import { drainAnnotations, drainedByHavoc, judgeNodes } from '../nodes/nodeFilters.ts';
import type { Target } from '../occurrence.ts';
import type { NodeDrainer } from '../ports.ts';
import type { KillRecord } from '../state.ts';
import { shuffle } from '../random.ts';
import type { TickPermit } from '../permit/permit.ts';
import { isRefusal } from '../permit/refusal.ts';
import { filterByMinGap } from '../selection/filters.ts';
import { hitProbability } from '../selection/candidates.ts';
import { settleOutcome, type KillStepDeps, type RoundStepDeps } from './roundStep.ts';

export interface GiveBack extends RoundStepDeps {
  readonly drainer: NodeDrainer;
  readonly now: Date;
}

export async function giveBackNodes(deps: GiveBack): Promise<void> {
  const released = await deps.drainer.giveBack(deps.now, { dryRun: deps.settings.dryRun });
  const keep = drainAnnotations(deps.settings.policy.prefix).keep;
  // Only a real drain leaves a mark to give back, and the uncordon is always real (also in a dry-run daemon).
  for (const { name, uncordoned } of released) {
    const detail = uncordoned
      ? 'drain duration over, node uncordoned'
      : `drain duration over; left cordoned as an administrator asked (${keep}), no longer kube-havoc's`;
    deps.report({
      type: 'node-released',
      at: deps.clock.now(),
      node: { kind: 'Node', name, uid: '' },
      dryRun: false,
      detail,
      ...(uncordoned ? {} : { keptCordoned: true }),
    });
  }
}

export interface NodeDrainStart {
  /** The drain's reservation: held by this run until `done`. */
  readonly record: KillRecord;
  /** Resolves when the drain itself (not the give-back) is over, its outcome settled or held unstored. */
  readonly done: Promise<void>;
}

export interface NodeChaosStart extends KillStepDeps {
  readonly drainer: NodeDrainer;
  /** Stops a running drain (the daemon is stopping). */
  readonly signal: AbortSignal;
  readonly snapshot: ClusterSnapshot;
  /** The opted-in workloads: no drain while any of them is degraded or recovering, and none loses more than its share. */
  readonly guarded: readonly Workload[];
  /**
   * The permit of this tick: every guard, at the drain's reservation and before each eviction pass; the moment
   * (no request) before the cordon and each eviction.
   */
  readonly permit: TickPermit;
  /** The watched state of a workload now (no request): a drain pass judges the blast radius on it. */
  readonly watched: (ref: WorkloadRef) => Workload | undefined;
  /** The business seconds this tick stands for. */
  readonly spanSeconds: number;
}

/**
 * Picks at most one node to drain this tick and starts the drain in the
 * background; undefined when no node is drawn or a limit forbids it.
 */
export async function startNodeChaos(deps: NodeChaosStart): Promise<NodeDrainStart | undefined> {
  const { settings, clock, snapshot, guarded, permit, spanSeconds } = deps;
  const nodes = settings.nodes;
  if (!nodes.enabled) return undefined;
  const active = snapshot.nodes.filter((n) => drainedByHavoc(n, settings.policy.prefix)).length;
  if (active >= nodes.maxConcurrentDrains) return undefined;
  // No drain on top of a degraded workload, nor of this tick's pod kills (the watched state, seen now).
  if (permit.drainStart(guarded.map((w) => deps.watched(w.ref) ?? w)) !== undefined) return undefined;
  if (available(permit.budget()) <= 0) return undefined;
  const history = permit.history();
  const judged = (deps.records ?? clock).now();
  const candidates = judgeNodes(snapshot.nodes, nodes, settings.keepReadyPerZone)
    .filter((v) => v.excluded === undefined)
    .map((v) => v.node)
    .filter(
      (n) =>
        filterByMinGap(lastAttempt(history, `node/${n.name}`, settings.dryRun), judged, settings.minGapSeconds) === undefined,
    );
  const node = shuffle(candidates, deps.random).find(() => deps.random.next() < hitProbability(nodes.mtbfSeconds, spanSeconds));
  if (node === undefined) return undefined;

  // One LIST of the node's pods and a fresh read of each opted-in workload there, only for the node drawn.
  if (settings.keepReadyPerZone > 0) {
    const { refused } = await permit.drainZones(node, await deps.drainer.pods(node.name));
    if (refused !== undefined) {
      const { workload, refusal } = refused;
      deps.report({
        type: 'skip',
        at: clock.now(),
        workload: workload.ref,
        workloadUid: workload.uid,
        reason: refusal.reason,
        detail: refusal.detail,
        dryRun: settings.dryRun,
      });
      return undefined;
    }
  }

  const reason = `opted-in node, mtbf ${(nodes.mtbfSeconds / 3600).toFixed(1)}h business time, ${candidates.length} candidate(s)`;
  const at = clock.now();
  const until = new Date(at.getTime() + nodes.drainSeconds * 1000);
  const sent = { id: `${at.toISOString()}/node/${node.name}`, at: at.toISOString() };
  deps.held?.sending(sent);
  const reservation = await permit.reserve({
    ...sent,
    target: `node/${node.name}`,
    action: 'node-drain',
    dryRun: settings.dryRun,
    count: 1,
    owner: deps.owner,
    nodeUid: node.uid,
    reason,
  });
  if (isRefusal(reservation)) return undefined;
  permit.spend(1);
  const target: Target = { kind: 'Node', name: node.name, uid: node.uid };
  deps.report({ type: 'drain-started', at, node: target, dryRun: settings.dryRun, until, reason });

  deps.held?.sending(sent, node.uid);
  const done = (async () => {
    let outcome: KillOutcome;
    try {
      outcome = await deps.drainer.drain(node, {
        dryRun: settings.dryRun,
        until,
        signal: deps.signal,
        // Before every eviction pass: the moment and the kill switch, then each workload's share of the node's pods
        // and what its zone can spare (a fresh read of each opted-in workload still with a pod there).
        pass: async (pods) => {
          const stop = await permit.again('drain');
          if (stop) return { stop: stop.detail };
          const zones = await permit.drainZones(node, pods);
          return { hold: new Map([...permit.drainHold(pods, deps.watched), ...zones.hold]) };
        },
        // And before the cordon and each eviction of a pass: the moment alone (leadership, window), which costs no request.
        stopNow: () => permit.moment('drain')?.detail,
      });
    } catch (error) {
      outcome = { result: 'failed', detail: (error as Error).message };
    }
    // Any drain that got as far as the cordon disrupted the node, finished or not: the count stays.
    const settled = await settleOutcome(deps, reservation, { result: outcome.result, count: 1 }, 'drain outcome');
    if (settled.answer === 'settled-before') return;
    if (settled.answer === 'recorded') permit.learn(settled.history);
    deps.report({
      type: 'kill',
      at: clock.now(),
      target,
      action: 'node-drain',
      dryRun: settings.dryRun,
      outcome,
      reason,
      budget: permit.budget(),
    });
  })();
  return { record: reservation.record, done };
}
