// Node chaos: drain one random opted-in node within limits, and always give
// it back. Give-back runs first on every tick, whatever the window or the
// kill switch say, because the drain's end time lives on the node itself:
// a daemon that crashed or lost leadership mid-drain still uncordons it.

import { available, budgetLeft, lastAttempt } from '../budget/budget.ts';
import { reserve, ReservationRefused, type Reservation } from '../budget/reservation.ts';
import type { ClusterSnapshot, KillOutcome, Workload } from '../model.ts';
import { drainAnnotations, drainedByHavoc, judgeNodes } from '../nodes/nodeFilters.ts';
import type { Target } from '../occurrence.ts';
import type { NodeDrainer } from '../ports.ts';
import { shuffle } from '../random.ts';
import { filterByMinGap, filterBySteadyState } from '../selection/filters.ts';
import { hitProbability } from '../selection/candidates.ts';
import type { KillRecord } from '../state.ts';
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
  /** Resolves when the drain itself (not the give-back) is over. */
  readonly done: Promise<void>;
  /** The kill history as the drain's reservation left it. */
  readonly history: readonly KillRecord[];
}

export interface NodeChaosStart extends KillStepDeps {
  readonly drainer: NodeDrainer;
  /** Stops a running drain (the daemon is stopping). */
  readonly signal: AbortSignal;
  readonly snapshot: ClusterSnapshot;
  /** The opted-in workloads: no drain while any of them is degraded. */
  readonly guarded: readonly Workload[];
  /** The kill history as last read (the reservation checks it again, fresh). */
  readonly history: readonly KillRecord[];
  /** The business seconds this tick stands for. */
  readonly spanSeconds: number;
  /** Disruptions this replica already caused in the current tick. */
  readonly spentThisTick: number;
}

/**
 * Picks at most one node to drain this tick and starts the drain in the
 * background; undefined when no node is drawn or a limit forbids it.
 */
export async function startNodeChaos(deps: NodeChaosStart): Promise<NodeDrainStart | undefined> {
  const { settings, clock, snapshot, guarded, history, spanSeconds, spentThisTick } = deps;
  const nodes = settings.nodes;
  if (!nodes.enabled) return undefined;
  const now = clock.now();
  const active = snapshot.nodes.filter((n) => drainedByHavoc(n, settings.policy.prefix)).length;
  if (active >= nodes.maxConcurrentDrains) return undefined;
  // No drain while any opted-in workload is already degraded.
  if (guarded.some((w) => filterBySteadyState(w) !== undefined)) return undefined;
  const judged = (deps.records ?? clock).now();
  const left = budgetLeft({ history, now: judged, caps: settings.caps, dryRun: settings.dryRun, spentThisTick });
  if (available(left) <= 0) return undefined;
  const candidates = judgeNodes(snapshot.nodes, nodes)
    .filter((v) => v.excluded === undefined)
    .map((v) => v.node)
    .filter(
      (n) =>
        filterByMinGap(lastAttempt(history, `node/${n.name}`, settings.dryRun), judged, settings.minGapSeconds) === undefined,
    );
  const node = shuffle(candidates, deps.random).find(() => deps.random.next() < hitProbability(nodes.mtbfSeconds, spanSeconds));
  if (node === undefined) return undefined;

  const until = new Date(now.getTime() + nodes.drainSeconds * 1000);
  const reason = `opted-in node, mtbf ${(nodes.mtbfSeconds / 3600).toFixed(1)}h business time, ${candidates.length} candidate(s)`;
  if (deps.leadership && !deps.leadership.isLeader()) return undefined;
  if (deps.deadline?.aborted) return undefined;
  let reservation: Reservation;
  try {
    reservation = await reserve(
      deps.state,
      {
        id: `${now.toISOString()}/node/${node.name}`,
        at: now.toISOString(),
        target: `node/${node.name}`,
        action: 'node-drain',
        dryRun: settings.dryRun,
        count: 1,
        owner: deps.owner,
        nodeUid: node.uid,
        reason,
      },
      { caps: settings.caps, minGapSeconds: settings.minGapSeconds, spentThisTick, judgedAt: (deps.records ?? clock).now() },
    );
  } catch (error) {
    if (error instanceof ReservationRefused) return undefined;
    throw error;
  }
  const reserved = reservation.history ?? history;
  const target: Target = { kind: 'Node', name: node.name, uid: node.uid };
  deps.report({ type: 'drain-started', at: now, node: target, dryRun: settings.dryRun, until, reason });

  const done = (async () => {
    let outcome: KillOutcome;
    try {
      outcome = await deps.drainer.drain(node, {
        dryRun: settings.dryRun,
        until,
        signal: deps.signal,
        allowed: () => stillAllowed(deps),
      });
    } catch (error) {
      outcome = { result: 'failed', detail: (error as Error).message };
    }
    // Any drain that got as far as the cordon disrupted the node, finished or not: the count stays.
    const settled = await settleOutcome(deps, reservation, { result: outcome.result, count: 1 }, 'drain outcome');
    if (settled.answer === 'settled-before') return;
    const latest = settled.answer === 'recorded' ? settled.history : reserved;
    const budget = budgetLeft({
      history: latest,
      now: (deps.records ?? clock).now(),
      caps: settings.caps,
      dryRun: settings.dryRun,
      spentThisTick: spentThisTick + 1,
    });
    deps.report({
      type: 'kill',
      at: clock.now(),
      target,
      action: 'node-drain',
      dryRun: settings.dryRun,
      outcome,
      reason,
      budget,
    });
  })();
  return { done, history: reserved };
}

/** Why a running drain must stop now, or undefined: the window, the kill switch and the lease are re-checked between passes. */
async function stillAllowed(deps: RoundStepDeps): Promise<string | undefined> {
  if (!deps.settings.window.contains(deps.clock.now())) return 'the business window closed';
  if (deps.leadership && !deps.leadership.isLeader()) return 'this replica lost the lease';
  const paused = (await deps.state.load()).paused;
  return paused ? `chaos was paused by ${paused.by}: ${paused.reason}` : undefined;
}
