// The events.k8s.io/v1 Events that tell a workload's owners what chaos did,
// built from occurrences. Pure, so the fields the API server validates on
// create (eventTime, reportingController, reportingInstance, action, reason,
// type Normal|Warning, note of at most 1 KiB, names that are DNS subdomains)
// are checked by unit tests. A kill gets an Event on the victim pod and one on
// its workload, because the pod's Event is hard to find once the pod is gone.

import { V1MicroTime, type EventsV1Event, type V1ObjectReference } from '@kubernetes/client-node';
import type { KillAction, KillOutcome, WorkloadRef } from '../../domain/model.ts';
import type { Occurrence, SkipReason, Target } from '../../domain/occurrence.ts';
import { overlapText } from '../../domain/install/installOverlap.ts';
import { verdictText } from '../../domain/steadyState/verdict.ts';

export const REPORTING_CONTROLLER = 'kube-havoc';
/** Validation limits of the API server (k8s.io/kubernetes pkg/apis/core/validation/events.go). */
export const NOTE_MAX_BYTES = 1024;
export const FIELD_MAX_CHARS = 128;
const NAME_MAX_CHARS = 253;

export interface HavocEventsOptions {
  /** This daemon replica (pod name or host), at most 128 characters. */
  readonly reportingInstance: string;
  /** A suffix no other Event of this process uses (hex time + sequence). */
  readonly nextSuffix: () => string;
}

const ACTION_VERB: Record<KillAction, { action: string; doing: string; done: string; would: string }> = {
  'pod-evict': { action: 'Evict', doing: 'Evicting', done: 'Evicted', would: 'Would evict' },
  'pod-delete': { action: 'Delete', doing: 'Deleting', done: 'Deleted', would: 'Would delete' },
  'node-drain': { action: 'Drain', doing: 'Draining', done: 'Drained', would: 'Would drain' },
};

const KILL_REASON: Record<KillOutcome['result'], { reason: string; type: 'Normal' | 'Warning' }> = {
  killed: { reason: 'HavocKilled', type: 'Normal' },
  blocked: { reason: 'HavocBlockedByPDB', type: 'Warning' },
  'already-gone': { reason: 'HavocAlreadyGone', type: 'Normal' },
  failed: { reason: 'HavocKillFailed', type: 'Warning' },
  unknown: { reason: 'HavocKillUnknown', type: 'Warning' },
};

/** Skips the workload's owners hear about; the budget and gap skips are the daemon's own business. */
const SKIP_WHY: Partial<Record<SkipReason, string>> = {
  'not-steady': 'it is not at steady state',
  'probe-failed': 'its steady-state probe failed',
  'hypothesis-failed': 'its steady-state hypothesis does not hold',
  'steady-state-unknown': 'Prometheus could not answer (no answer means no chaos)',
  // The warning naming the annotation and the error is the invalid-label Event, once per bad expression.
  'blocker-firing': 'an alert blocks chaos in its namespace',
};

interface Draft {
  readonly regarding: V1ObjectReference;
  readonly related?: V1ObjectReference;
  readonly action: string;
  readonly reason: string;
  readonly type: 'Normal' | 'Warning';
  readonly note: string;
}

export function workloadReference(ref: WorkloadRef, uid: string): V1ObjectReference {
  return {
    apiVersion: ref.kind === 'Pod' ? 'v1' : 'apps/v1',
    kind: ref.kind,
    namespace: ref.namespace,
    name: ref.name,
    ...(uid === '' ? {} : { uid }),
  };
}

function targetReferences(target: Target): V1ObjectReference[] {
  if (target.kind === 'Node') return [{ apiVersion: 'v1', kind: 'Node', name: target.name, uid: target.uid }];
  const pod: V1ObjectReference = {
    apiVersion: 'v1',
    kind: 'Pod',
    namespace: target.namespace,
    name: target.name,
    uid: target.uid,
  };
  // A bare pod is its own workload: one Event is enough.
  if (target.workload.kind === 'Pod' && target.workload.name === target.name) return [pod];
  return [pod, workloadReference(target.workload, target.workloadUid)];
}

function describe(target: Target): string {
  if (target.kind === 'Node') return `node ${target.name}`;
  return `pod ${target.namespace}/${target.name} of ${target.workload.kind} ${target.workload.name}`;
}

/** One Draft per object the occurrence concerns; the first object is the victim. */
function drafts(o: Occurrence): Draft[] {
  const dry = (dryRun: boolean) => (dryRun ? '[dry-run] ' : '');
  switch (o.type) {
    case 'kill': {
      const verb = ACTION_VERB[o.action];
      const { reason, type } = KILL_REASON[o.outcome.result];
      const what = describe(o.target);
      const detail = o.outcome.detail === undefined ? '' : `: ${o.outcome.detail}`;
      const said = {
        killed: o.dryRun ? `${verb.would} ${what} (the API server accepted the dry run)` : `${verb.done} ${what}`,
        blocked:
          o.target.kind === 'Node'
            ? `${verb.doing} ${what} was blocked${detail}`
            : `${verb.doing} ${what} was blocked by a PodDisruptionBudget${detail}`,
        'already-gone': `${what} was already gone${detail}`,
        failed: `${verb.doing} ${what} failed${detail}`,
        unknown: `${verb.doing} ${what}: whether it happened cannot be told${detail}`,
      }[o.outcome.result];
      const budget = `tick ${o.budget.tick}, hour ${o.budget.hour}, day ${o.budget.day}`;
      const note = `${dry(o.dryRun)}${said}. Why: ${o.reason}. Budget left: ${budget}.`;
      return withRelated(targetReferences(o.target), { action: verb.action, reason, type, note });
    }
    case 'recovery': {
      const verb = ACTION_VERB[o.action];
      const what = o.target.kind === 'Node' ? `node ${o.target.name}` : `${o.target.workload.kind} ${o.target.workload.name}`;
      const victims = o.victims === 1 ? 'one victim' : `${o.victims} victims`;
      const hypothesis = o.hypothesis === undefined ? '' : ` Steady-state hypothesis ${verdictText(o.hypothesis)}.`;
      const after = `${o.verdict.seconds.toFixed(1)}s after ${verb.doing.toLowerCase()} ${victims}`;
      const note = o.verdict.recovered
        ? `${dry(o.dryRun)}${what} is back at steady state ${after}.${hypothesis}`
        : `${dry(o.dryRun)}${what} did not recover within ${after}: ${o.verdict.detail}.${hypothesis}`;
      // A violated hypothesis is the finding of the experiment: its own reason, so it can be filtered on.
      const violated = o.hypothesis?.verdict === 'violated';
      return withRelated(targetReferences(o.target), {
        action: 'CheckRecovery',
        reason: violated ? 'HavocHypothesisViolated' : o.verdict.recovered ? 'HavocRecovered' : 'HavocNotRecovered',
        type: o.verdict.recovered && !violated ? 'Normal' : 'Warning',
        note,
      });
    }
    case 'skip': {
      const why = SKIP_WHY[o.reason];
      if (why === undefined) return [];
      return [
        {
          regarding: workloadReference(o.workload, o.workloadUid),
          action: 'CheckSteadyState',
          reason: 'HavocSkipped',
          type: o.reason === 'not-steady' || o.reason === 'blocker-firing' ? 'Normal' : 'Warning',
          note: `${dry(o.dryRun)}No chaos for ${o.workload.kind} ${o.workload.name} this time because ${why}: ${o.detail}.`,
        },
      ];
    }
    case 'drain-started':
      return [
        {
          regarding: { apiVersion: 'v1', kind: 'Node', name: o.node.name, uid: o.node.uid },
          action: 'Cordon',
          reason: 'HavocDrainStarted',
          type: 'Normal',
          note:
            `${dry(o.dryRun)}Cordoned node ${o.node.name} and evicting its pods; ` +
            `it is given back at ${o.until.toISOString()}. Why: ${o.reason}.`,
        },
      ];
    case 'node-released':
      return [
        {
          regarding: { apiVersion: 'v1', kind: 'Node', name: o.node.name, ...(o.node.uid === '' ? {} : { uid: o.node.uid }) },
          action: 'Uncordon',
          reason: 'HavocNodeReleased',
          type: 'Normal',
          note:
            `${dry(o.dryRun)}${o.keptCordoned ? 'Left cordoned (keep-cordoned)' : 'Uncordoned'} ` +
            `node ${o.node.name}: ${o.detail}.`,
        },
      ];
    case 'install-overlap':
      return [
        {
          regarding: { apiVersion: o.object.kind === 'Lease' ? 'coordination.k8s.io/v1' : 'v1', ...o.object },
          action: o.resolution === 'refused' ? 'Refuse' : 'Detect',
          reason: o.resolution === 'ended' ? 'HavocInstallOverlapEnded' : 'HavocInstallOverlap',
          type: o.resolution === 'ended' ? 'Normal' : 'Warning',
          note: overlapText(o),
        },
      ];
    case 'invalid-label':
      return [
        {
          regarding: workloadReference(o.workload, o.workloadUid),
          action: 'ValidateLabels',
          reason: 'HavocInvalidLabel',
          type: 'Warning',
          note: `${o.field}="${o.value}" ${o.message}; kube-havoc skips ${o.workload.kind} ${o.workload.name} until it is fixed.`,
        },
      ];
    // Announced elsewhere (log, metrics, Slack), or about no single object that could carry an Event.
    case 'tick':
    case 'paused':
    case 'resumed':
    case 'leader':
    case 'error':
    case 'day-plan':
    case 'targets':
    case 'blocker':
    case 'clock-step':
      return [];
    default: {
      const unhandled: never = o;
      return unhandled;
    }
  }
}

function withRelated(refs: V1ObjectReference[], fields: Omit<Draft, 'regarding' | 'related'>): Draft[] {
  const [first, second] = refs;
  if (first === undefined) return [];
  if (second === undefined) return [{ ...fields, regarding: first }];
  return [
    { ...fields, regarding: first, related: second },
    { ...fields, regarding: second, related: first },
  ];
}

export function havocEvents(occurrence: Occurrence, options: HavocEventsOptions): EventsV1Event[] {
  const instance = options.reportingInstance.slice(0, FIELD_MAX_CHARS) || 'kube-havoc';
  return drafts(occurrence).map((d) => {
    const suffix = `.${options.nextSuffix()}`;
    return {
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: {
        name: `${(d.regarding.name ?? 'object').slice(0, NAME_MAX_CHARS - suffix.length)}${suffix}`,
        // Events about cluster-scoped objects (nodes) must live in "default".
        namespace: d.regarding.namespace ?? 'default',
        labels: { 'app.kubernetes.io/managed-by': REPORTING_CONTROLLER },
      },
      // MicroTime: the client serialises it with six fractional digits.
      eventTime: new V1MicroTime(occurrence.at.getTime()),
      reportingController: REPORTING_CONTROLLER,
      reportingInstance: instance,
      action: d.action.slice(0, FIELD_MAX_CHARS),
      reason: d.reason.slice(0, FIELD_MAX_CHARS),
      type: d.type,
      note: truncateBytes(d.note, NOTE_MAX_BYTES),
      regarding: d.regarding,
      ...(d.related === undefined ? {} : { related: d.related }),
    };
  });
}

/** Cuts text to at most `max` UTF-8 bytes, on a character boundary, marking the cut. */
export function truncateBytes(text: string, max: number): string {
  if (Buffer.byteLength(text) <= max) return text;
  const mark = '…';
  let out = '';
  for (const char of text) {
    if (Buffer.byteLength(out + char + mark) > max) break;
    out += char;
  }
  return out + mark;
}
