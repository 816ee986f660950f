// Which occurrences people hear about, and in which words: every kill attempt
// (including blocked evictions), its recovery verdict, the kill switch, alert
// blockers (once per streak), and
// the day's plan. Ticks, skips and label warnings stay in logs, Events and
// metrics; they would drown the channel. Titles stay neutral about dry run:
// every channel marks `dryRun` itself, loudly.

import { formatSeconds } from '../../domain/duration.ts';
import type { KillAction, WorkloadRef } from '../../domain/model.ts';
import type { BudgetLeft } from '../../domain/budget/budget.ts';
import type { DayPlanSummary, Occurrence, Target } from '../../domain/occurrence.ts';
import type { Notification, NotificationField } from './notifier.ts';
import { verdictText } from '../../domain/steadyState/verdict.ts';

export interface NotificationContext {
  readonly clusterName: string;
  /** The command that pauses chaos for this install (namespace and state ConfigMap filled in). */
  readonly pauseCommands?: readonly string[];
  /** Grafana dashboard; kill and recovery messages link to it for the workload's namespace. */
  readonly dashboardUrl?: string;
}

const VERBS: Record<KillAction, { readonly would: string; readonly did: string; readonly noun: string }> = {
  'pod-evict': { would: 'evict', did: 'Evicted', noun: 'Eviction' },
  'pod-delete': { would: 'delete', did: 'Deleted', noun: 'Deletion' },
  'node-drain': { would: 'drain', did: 'Drained', noun: 'Drain' },
};

export const DRY_RUN_MODE = 'DRY RUN: nothing was changed';
export const LIVE_MODE = 'live';

/** Most workloads listed in the day plan; the rest are counted. */
const PLAN_LINES = 10;

export function notificationFor(o: Occurrence, context: NotificationContext): Notification | undefined {
  const base = { cluster: context.clusterName, at: o.at };
  switch (o.type) {
    case 'kill': {
      const verb = VERBS[o.action];
      const what = targetName(o.target);
      const titles = {
        killed: o.dryRun ? `Would ${verb.would} ${what}` : `${verb.did} ${what}`,
        blocked: `${verb.noun} blocked: ${what}`,
        'already-gone': `Already gone: ${what}`,
        failed: `Kill failed: ${what}`,
        unknown: `Kill outcome unknown: ${what}`,
      };
      const tone = (
        { killed: 'info', blocked: 'warning', 'already-gone': 'info', failed: 'danger', unknown: 'warning' } as const
      )[o.outcome.result];
      const outcome = o.outcome.detail === undefined ? o.outcome.result : `${o.outcome.result}: ${o.outcome.detail}`;
      return {
        ...base,
        ...forOnCall(context, o.target),
        topic: 'kill',
        tone,
        dryRun: o.dryRun,
        title: titles[o.outcome.result],
        summary: `${titles[o.outcome.result]} (${workloadOf(o.target)}) in ${context.clusterName}`,
        fields: [
          { label: 'Target', value: what },
          { label: 'Workload', value: workloadOf(o.target) },
          { label: 'Action', value: o.action },
          { label: 'Outcome', value: outcome },
          { label: 'Mode', value: o.dryRun ? DRY_RUN_MODE : LIVE_MODE },
          { label: 'Budget left', value: budgetText(o.budget) },
          { label: 'Why eligible', value: o.reason },
        ],
      };
    }
    case 'recovery': {
      const workload = workloadOf(o.target);
      const after = formatSeconds(o.verdict.seconds);
      const verdict = o.verdict.recovered
        ? `back at steady state after ${after}`
        : `not back at steady state after ${after}: ${o.verdict.detail}`;
      const violated = o.hypothesis?.verdict === 'violated';
      const title = !o.verdict.recovered
        ? `NOT recovered: ${workload}`
        : violated
          ? `Hypothesis VIOLATED: ${workload}`
          : `Recovered: ${workload}`;
      return {
        ...base,
        ...(o.verdict.recovered ? {} : forOnCall(context, o.target)),
        topic: 'recovery',
        tone: o.verdict.recovered && !violated ? 'good' : 'danger',
        dryRun: o.dryRun,
        title,
        summary: `${title} (${verdict}) in ${context.clusterName}`,
        fields: [
          { label: 'Workload', value: workload },
          { label: 'Verdict', value: verdict },
          ...(o.hypothesis === undefined ? [] : [{ label: 'Steady-state hypothesis', value: verdictText(o.hypothesis) }]),
          {
            label: 'Action',
            value: `${o.action} (${o.victims} ${o.victims === 1 ? 'victim' : 'victims'}, first ${targetName(o.target)})`,
          },
          { label: 'Mode', value: o.dryRun ? DRY_RUN_MODE : LIVE_MODE },
        ],
      };
    }
    case 'paused':
      return {
        ...base,
        topic: 'paused',
        tone: 'warning',
        dryRun: false,
        title: 'Chaos paused',
        summary: `Chaos paused in ${context.clusterName} by ${o.by}: ${o.reason}`,
        fields: [
          { label: 'By', value: o.by },
          { label: 'Reason', value: o.reason },
        ],
      };
    case 'resumed':
      return {
        ...base,
        topic: 'resumed',
        tone: 'good',
        dryRun: false,
        title: 'Chaos resumed',
        summary: `Chaos resumed in ${context.clusterName} by ${o.by}`,
        fields: [{ label: 'By', value: o.by }],
      };
    case 'drain-started': {
      const title = `${o.dryRun ? 'Would drain' : 'Draining'} node ${o.node.name}`;
      return {
        ...base,
        ...forOnCall(context, o.node),
        topic: 'drain',
        tone: 'warning',
        dryRun: o.dryRun,
        title,
        summary: `${title} in ${context.clusterName} until ${o.until.toISOString()}`,
        fields: [
          { label: 'Node', value: o.node.name },
          { label: 'Given back at', value: o.until },
          { label: 'Mode', value: o.dryRun ? DRY_RUN_MODE : LIVE_MODE },
          { label: 'Why eligible', value: o.reason },
        ],
      };
    }
    case 'node-released': {
      const how = o.keptCordoned ? 'left cordoned, as an administrator asked,' : 'uncordoned';
      return {
        ...base,
        topic: 'drain',
        tone: 'good',
        dryRun: o.dryRun,
        title: `Node ${o.node.name} given back`,
        summary: `Node ${o.node.name} ${how} in ${context.clusterName}: ${o.detail}`,
        fields: [
          { label: 'Node', value: o.node.name },
          { label: 'Detail', value: o.detail },
        ],
      };
    }
    case 'blocker': {
      const title = o.firing ? 'Chaos blocked' : 'Chaos unblocked';
      return {
        ...base,
        topic: 'blocker',
        tone: o.firing ? 'warning' : 'good',
        dryRun: false,
        title,
        summary: `${title} in ${context.clusterName}: ${o.detail}`,
        fields: o.firing
          ? [
              {
                label: o.alerts.length > 0 ? 'Blocking alerts' : 'Why',
                value: o.alerts.length > 0 ? o.alerts.join(', ') : o.detail,
              },
              { label: 'What happens now', value: 'no kills or drains until it clears; this is said once per streak' },
            ]
          : [{ label: 'Detail', value: o.detail }],
      };
    }
    case 'day-plan':
      return dayPlanNotification(o.plan, base);
    // These would drown the channel; logs, Events and metrics carry them.
    case 'tick':
    case 'skip':
    case 'invalid-label':
    case 'leader':
    case 'error':
    case 'targets':
    case 'clock-step':
    // Log, metric and an Event on the install's Lease carry it.
    case 'install-overlap':
      return undefined;
    default: {
      // A new occurrence type fails the build here: someone must decide whether people hear about it.
      const unhandled: never = o;
      return unhandled;
    }
  }
}

function dayPlanNotification(plan: DayPlanSummary, base: { cluster: string; at: Date }): Notification {
  const expected = plan.expectedKills.toFixed(1);
  const top = [...plan.workloads].sort((a, b) => b.expectedKills - a.expectedKills);
  const lines = top.slice(0, PLAN_LINES).map((w) => `• ${refText(w.workload)}: ~${w.expectedKills.toFixed(1)}`);
  if (top.length > PLAN_LINES) lines.push(`…and ${top.length - PLAN_LINES} more`);
  const fields: NotificationField[] = [
    { label: 'Window opens', value: plan.windowOpens },
    { label: 'Window closes', value: plan.windowCloses },
    { label: 'Eligible workloads', value: String(plan.eligible) },
    { label: 'Expected kills', value: `~${expected} (capped by the daily budget)` },
    { label: 'Mode', value: plan.dryRun ? DRY_RUN_MODE : LIVE_MODE },
  ];
  return {
    ...base,
    topic: 'day-plan',
    tone: 'info',
    dryRun: plan.dryRun,
    title: "Today's chaos plan",
    summary: `${plan.eligible} workloads eligible in ${base.cluster} today, ~${expected} kills expected`,
    fields,
    body: lines.length > 0 ? lines.join('\n') : 'No workload is eligible today.',
  };
}

/** The stop command and the dashboard link, when this install has them. */
function forOnCall(context: NotificationContext, target: Target): Pick<Notification, 'stopCommands' | 'link'> {
  const out: { stopCommands?: readonly string[]; link?: Notification['link'] } = {};
  if (context.pauseCommands !== undefined) out.stopCommands = context.pauseCommands;
  if (context.dashboardUrl !== undefined && context.dashboardUrl !== '') {
    const url = new URL(context.dashboardUrl);
    if (target.kind === 'Pod') url.searchParams.set('var-namespace', target.workload.namespace);
    out.link = { label: 'Open the kube-havoc dashboard', url: url.toString() };
  }
  return out;
}

export function refText(ref: WorkloadRef): string {
  return `${ref.kind} ${ref.namespace}/${ref.name}`;
}

function targetName(target: Target): string {
  return target.kind === 'Node' ? `node ${target.name}` : `pod ${target.namespace}/${target.name}`;
}

function workloadOf(target: Target): string {
  return target.kind === 'Node' ? `Node ${target.name}` : refText(target.workload);
}

function budgetText(budget: BudgetLeft): string {
  return `tick ${budget.tick} · hour ${budget.hour} · day ${budget.day}`;
}
