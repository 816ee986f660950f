// One structured log line per occurrence: what the daemon did and why, with
// bounded fields an SRE can filter on (event, namespace, workload, result).

import type { Occurrence, Target } from '../../domain/occurrence.ts';
import type { Listener, Log } from '../../domain/ports.ts';
import { overlapText } from '../../domain/install/installOverlap.ts';
import { verdictText } from '../../domain/steadyState/verdict.ts';

function where(target: Target): Record<string, string> {
  return target.kind === 'Node'
    ? { node: target.name }
    : { namespace: target.namespace, pod: target.name, workload: `${target.workload.kind}/${target.workload.name}` };
}

export function createLogListener(options: { readonly log: Log }): Listener {
  const { log } = options;
  // A failed tick is reported twice (the error, for havoc_errors_total, then the tick's outcome):
  // one error line per failure, so the tick line that repeats the error just above is info.
  let lastError: string | undefined;
  return {
    name: 'log',
    on(o: Occurrence) {
      const repeats = lastError;
      if (o.type !== 'error') lastError = undefined;
      const dry = 'dryRun' in o && o.dryRun ? ' [dry run]' : '';
      switch (o.type) {
        case 'tick': {
          const line = {
            event: 'tick',
            outcome: o.outcome,
            eligible: o.eligible,
            killed: o.killed,
            durationMs: o.durationMs,
            dryRun: o.dryRun,
            budget: o.budget,
            nextTick: o.nextTick,
            detail: o.detail,
          };
          if (o.outcome === 'failed' && o.detail !== undefined && o.detail === repeats)
            log.info(line, 'tick failed (the error logged just before)');
          else if (o.outcome === 'failed') log.error(line, `tick failed: ${o.detail ?? ''}`);
          // A missed or cut-short tick is worth an operator's eye, once per tick.
          else if (o.outcome === 'overlap') log.warn(line, 'tick skipped: the previous tick is still running');
          else if (o.outcome === 'deadline') log.warn(line, `tick reached its deadline: ${o.detail ?? ''}`);
          else if (o.outcome === 'missed') log.warn(line, 'a tick was missed: the process was frozen or blocked when it was due');
          else if (o.outcome === 'acted' || o.outcome === 'paused') log.info(line, `tick ${o.outcome}${dry}`);
          else log.debug(line, `tick ${o.outcome}`);
          return;
        }
        case 'kill': {
          const line = {
            event: 'kill',
            action: o.action,
            result: o.outcome.result,
            detail: o.outcome.detail,
            reason: o.reason,
            dryRun: o.dryRun,
            budget: o.budget,
            ...where(o.target),
          };
          const target = o.target.kind === 'Node' ? o.target.name : `${o.target.namespace}/${o.target.name}`;
          const text = `${o.action} ${target}: ${o.outcome.result}${dry}`;
          if (o.outcome.result === 'failed') log.error(line, text);
          else if (o.outcome.result === 'blocked' || o.outcome.result === 'unknown') log.warn(line, text);
          else log.info(line, text);
          return;
        }
        case 'skip':
          log.info(
            {
              event: 'skip',
              reason: o.reason,
              detail: o.detail,
              namespace: o.workload.namespace,
              workload: `${o.workload.kind}/${o.workload.name}`,
              dryRun: o.dryRun,
            },
            `skipped ${o.workload.namespace}/${o.workload.name}: ${o.reason}`,
          );
          return;
        case 'recovery': {
          const hypothesis =
            o.hypothesis === undefined
              ? {}
              : { hypothesis: o.hypothesis.verdict, hypothesisDetail: verdictText(o.hypothesis), expr: o.hypothesis.expr };
          const line = {
            event: 'recovery',
            recovered: o.verdict.recovered,
            seconds: o.verdict.seconds,
            detail: o.verdict.recovered ? undefined : o.verdict.detail,
            dryRun: o.dryRun,
            victims: o.victims,
            ...where(o.target),
            ...hypothesis,
          };
          const said = o.hypothesis === undefined ? '' : `; steady-state hypothesis ${verdictText(o.hypothesis)}`;
          if (o.verdict.recovered && o.hypothesis?.verdict !== 'violated')
            log.info(line, `recovered after ${o.verdict.seconds.toFixed(1)}s${said}${dry}`);
          else if (o.verdict.recovered) log.warn(line, `recovered after ${o.verdict.seconds.toFixed(1)}s${said}${dry}`);
          else log.warn(line, `not recovered after ${o.verdict.seconds.toFixed(1)}s: ${o.verdict.detail}${said}${dry}`);
          return;
        }
        case 'invalid-label':
          log.warn(
            {
              event: 'invalid-label',
              namespace: o.workload.namespace,
              workload: `${o.workload.kind}/${o.workload.name}`,
              field: o.field,
              value: o.value,
            },
            `skipping ${o.workload.namespace}/${o.workload.name}: label ${o.field}="${o.value}" ${o.message}`,
          );
          return;
        case 'drain-started':
          log.info(
            { event: 'drain-started', node: o.node.name, until: o.until, reason: o.reason, dryRun: o.dryRun },
            `draining node ${o.node.name} until ${o.until.toISOString()}${dry}`,
          );
          return;
        case 'node-released':
          log.info({ event: 'node-released', node: o.node.name, detail: o.detail }, `node ${o.node.name} given back`);
          return;
        case 'blocker':
          if (o.firing) log.warn({ event: 'blocker', firing: true, alerts: o.alerts, detail: o.detail }, `no chaos: ${o.detail}`);
          else log.info({ event: 'blocker', firing: false, detail: o.detail }, o.detail);
          return;
        case 'paused':
          log.warn({ event: 'paused', by: o.by, reason: o.reason }, `chaos paused by ${o.by}: ${o.reason}`);
          return;
        case 'resumed':
          log.info({ event: 'resumed', by: o.by }, `chaos resumed by ${o.by}`);
          return;
        case 'leader':
          log.info(
            { event: 'leader', leader: o.leader, identity: o.identity },
            o.leader ? `${o.identity} is now the leader` : `${o.identity} is no longer the leader`,
          );
          return;
        case 'error':
          log.error({ event: 'error', kind: o.kind }, o.message);
          lastError = o.message;
          return;
        case 'install-overlap':
          (o.resolution === 'ended' ? log.info : log.warn).call(
            log,
            { event: 'install-overlap', install: o.install, other: o.other, namespaces: o.namespaces, resolution: o.resolution },
            overlapText(o),
          );
          return;
        case 'day-plan':
          log.info(
            {
              event: 'day-plan',
              eligible: o.plan.eligible,
              expectedKills: o.plan.expectedKills,
              windowOpens: o.plan.windowOpens,
              windowCloses: o.plan.windowCloses,
              dryRun: o.plan.dryRun,
            },
            `today: ${o.plan.eligible} eligible workloads, about ${o.plan.expectedKills.toFixed(1)} kills expected`,
          );
          return;
        case 'clock-step':
          log.warn(
            { event: 'clock-step', direction: o.direction, seconds: o.seconds },
            `the wall clock stepped ${o.direction} by ${o.seconds.toFixed(1)}s: the schedule is armed again on the new time; ` +
              'budgets and gaps are judged on the monotonic clock',
          );
          return;
        case 'targets':
          log.debug({ event: 'targets', count: o.targets.length, dryRun: o.dryRun }, `${o.targets.length} opted-in targets`);
          return;
        default: {
          // A new occurrence type fails the build here instead of going unlogged.
          const unhandled: never = o;
          return unhandled;
        }
      }
    },
  };
}
