// `kube-havoc plan`: what chaos would do now, computed by the same selection
// code the daemon runs, from a snapshot and the persisted state. Read-only.

import { budgetLeft, historySeconds } from '../domain/budget/budget.ts';
import { formatSeconds } from '../domain/duration.ts';
import { workloadKey, type ClusterSnapshot, type Workload } from '../domain/model.ts';
import type { BudgetLeft } from '../domain/budget/budget.ts';
import type { Cluster, Random } from '../domain/ports.ts';
import { drawCandidates, expectedPerDay, findCandidates } from '../domain/selection/candidates.ts';
import { filterBySteadyState } from '../domain/selection/filters.ts';
import { dayPlan } from '../domain/round/dayPlan.ts';
import { drainedByHavoc, judgeNodes } from '../domain/nodes/nodeFilters.ts';
import type { Settings } from '../domain/settings.ts';
import { pruneState, type HavocState } from '../domain/state.ts';
import { renderSteadyStatePlan, type SteadyStatePlan } from './steadyStatePlan.ts';
import { describeSpread, zoneSpread, type ZoneSpread } from '../domain/selection/zones.ts';

export interface PlanReport {
  readonly now: string;
  readonly dryRun: boolean;
  readonly paused?: { readonly reason: string; readonly by: string; readonly at: string };
  readonly window: { readonly openNow: boolean; readonly nextOpen?: string; readonly closes?: string; readonly timezone: string };
  readonly nextTick?: string;
  readonly budget: BudgetLeft;
  readonly expectedKillsPerDay: number;
  readonly workloads: readonly {
    readonly workload: string;
    readonly mtbf: string;
    readonly mode: string;
    readonly expectedPerDay: number;
    readonly steady: string;
    readonly waiting: boolean;
    readonly source: string;
    /** Ready replicas by zone (with blastRadius.keepReadyPerZone above 0), from a fresh read of its pods. */
    readonly zones?: Readonly<Record<string, number>>;
  }[];
  readonly invalid: readonly {
    readonly workload: string;
    readonly field: string;
    readonly value: string;
    readonly message: string;
  }[];
  /** With node chaos on: every node and why it is not a candidate, if it is not. */
  readonly nodes?: readonly { readonly node: string; readonly candidate: boolean; readonly why?: string }[];
  /** With --seed: the workloads one tick at `now` would draw (before budgets and gates). */
  readonly draw?: readonly string[];
  /** With Prometheus configured: blockers and each workload's hypothesis now. */
  readonly steadyState?: SteadyStatePlan;
}

export interface PlanInput {
  readonly snapshot: ClusterSnapshot;
  readonly settings: Settings;
  readonly state: HavocState;
  readonly now: Date;
  readonly nextTick?: Date;
  readonly random?: Random;
  readonly steadyState?: SteadyStatePlan;
  /** Each workload's ready replicas by zone, by workloadKey (readZones). */
  readonly zones?: ReadonlyMap<string, ZoneSpread>;
}

/**
 * Reads each opted-in workload fresh for its ready replicas by zone: one read of the workload and its pods each,
 * once per `plan` run (the daemon reads pods only of the workloads it hits).
 */
export async function readZones(
  cluster: Pick<Cluster, 'workload' | 'zoneOf'>,
  workloads: readonly Workload[],
  keepReadyPerZone: number,
): Promise<Map<string, ZoneSpread>> {
  const zones = new Map<string, ZoneSpread>();
  for (const w of workloads) {
    const fresh = await cluster.workload(w.ref);
    if (fresh !== undefined) zones.set(workloadKey(w.ref), zoneSpread(fresh.pods, cluster.zoneOf, keepReadyPerZone));
  }
  return zones;
}

export function planReport(input: PlanInput): PlanReport {
  const { settings, now } = input;
  const state = pruneState(input.state, now, historySeconds(settings.minGapSeconds));
  const found = findCandidates(input.snapshot, settings, state.kills, now);
  const all = [...found.eligible.map((c) => ({ c, waiting: false })), ...found.waiting.map((c) => ({ c, waiting: true }))];
  const plan = dayPlan(
    all.map((x) => x.c),
    settings,
    now,
  );
  const openNow = settings.window.contains(now);
  const nextOpen = settings.window.nextOpen(now);
  const span = input.nextTick ? settings.window.businessSeconds(now, input.nextTick) : 0;
  return {
    now: now.toISOString(),
    dryRun: settings.dryRun,
    ...(state.paused ? { paused: state.paused } : {}),
    window: {
      openNow,
      timezone: settings.window.spec.timezone,
      ...(nextOpen ? { nextOpen: nextOpen.toISOString(), closes: settings.window.nextClose(nextOpen).toISOString() } : {}),
    },
    ...(input.nextTick ? { nextTick: input.nextTick.toISOString() } : {}),
    budget: budgetLeft({ history: state.kills, now, caps: settings.caps, dryRun: settings.dryRun }),
    expectedKillsPerDay: plan.expectedKills,
    workloads: all.map(({ c, waiting }) => ({
      ...zonesOf(input.zones?.get(workloadKey(c.workload.ref))),
      workload: workloadKey(c.workload.ref),
      mtbf: formatSeconds(c.policy.mtbfSeconds),
      mode: c.policy.mode,
      expectedPerDay: expectedPerDay(c.policy.mtbfSeconds, settings.window.daySeconds, settings.minGapSeconds),
      steady: filterBySteadyState(c.workload) ?? 'yes',
      waiting,
      source: c.policy.source,
    })),
    invalid: found.invalid.flatMap(({ workload, problems }) =>
      problems.map((p) => ({ workload: workloadKey(workload.ref), ...p })),
    ),
    ...(settings.nodes.enabled ? { nodes: nodeLines(input.snapshot, settings) } : {}),
    ...(input.steadyState ? { steadyState: input.steadyState } : {}),
    ...(input.random && openNow
      ? { draw: drawCandidates(found.eligible, span, input.random).map((c) => workloadKey(c.workload.ref)) }
      : {}),
  };
}

function zonesOf(spread: ZoneSpread | undefined): { zones?: Record<string, number> } {
  return spread === undefined ? {} : { zones: Object.fromEntries(spread.ready) };
}

function nodeLines(snapshot: ClusterSnapshot, settings: Settings): { node: string; candidate: boolean; why?: string }[] {
  return judgeNodes(snapshot.nodes, settings.nodes, settings.keepReadyPerZone).map((v) => {
    const why = drainedByHavoc(v.node, settings.policy.prefix) ? 'being drained by kube-havoc' : v.excluded;
    return why === undefined ? { node: v.node.name, candidate: true } : { node: v.node.name, candidate: false, why };
  });
}

export function renderPlan(r: PlanReport): string {
  const lines: string[] = [];
  lines.push(`kube-havoc plan at ${r.now}${r.dryRun ? ' (DRY RUN: nothing would really be killed)' : ''}`);
  if (r.paused) lines.push(`PAUSED by ${r.paused.by} at ${r.paused.at}: ${r.paused.reason}`);
  lines.push(
    r.window.openNow
      ? `Business window: open now (${r.window.timezone}), closes ${r.window.closes ?? '?'}`
      : `Business window: closed; next opens ${r.window.nextOpen ?? 'not within a year'} (${r.window.timezone})`,
  );
  if (r.nextTick) lines.push(`Next tick: ${r.nextTick}`);
  lines.push(`Budget left: ${r.budget.hour} this hour, ${r.budget.day} today (rolling), ${r.budget.tick} per tick`);
  lines.push(
    `Expected kills per business day: ${r.expectedKillsPerDay.toFixed(2)} ` +
      '(each MTBF plus the minimum time between kills of a workload; capped by the daily budget)',
  );
  lines.push('');
  if (r.workloads.length === 0) lines.push('No eligible workloads: label one with <prefix>/enabled=true.');
  else {
    lines.push('Eligible workloads:');
    lines.push(
      table(
        ['WORKLOAD', 'MTBF', 'MODE', 'KILLS/DAY', 'STEADY', 'READY BY ZONE', 'NOTE'],
        r.workloads.map((w) => [
          w.workload,
          w.mtbf,
          w.mode,
          w.expectedPerDay.toFixed(2),
          w.steady,
          w.zones === undefined ? '-' : describeSpread({ ready: new Map(Object.entries(w.zones)), keep: 0 }) || '-',
          w.waiting ? 'waiting for min gap' : w.source === 'kube-monkey' ? 'kube-monkey labels' : '',
        ]),
      ),
    );
  }
  if (r.invalid.length > 0) {
    lines.push('', 'Skipped for bad labels:');
    for (const i of r.invalid) lines.push(`  ${i.workload}: ${i.field}="${i.value}" ${i.message}`);
  }
  if (r.nodes) {
    lines.push('', 'Nodes (node chaos on):');
    for (const n of r.nodes)
      lines.push(`  ${n.node}: ${n.candidate ? 'candidate for a drain' : `not a candidate: ${n.why ?? ''}`}`);
  }
  if (r.steadyState) lines.push(...renderSteadyStatePlan(r.steadyState));
  if (r.draw) lines.push('', `A tick now would draw: ${r.draw.length === 0 ? 'nobody' : r.draw.join(', ')}`);
  return `${lines.join('\n')}\n`;
}

function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  return [head, ...rows].map((r) => `  ${r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ')}`.trimEnd()).join('\n');
}
