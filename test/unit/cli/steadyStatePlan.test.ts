// `plan` with Prometheus configured: any firing blocker, and per workload its
// hypothesis and whether it holds right now.

import test from 'ava';
import { planReport, renderPlan } from '../../../src/cli/planReport.ts';
import { steadyStatePlan } from '../../../src/cli/steadyStatePlan.ts';
import type { QueryAnswer } from '../../../src/domain/ports.ts';
import { createSteadyStateGate } from '../../../src/domain/steadyState/steadyStateGate.ts';
import { fakeClock } from '../fakes/fakeClock.ts';
import { deployment } from '../fakes/fakeCluster.ts';
import { testSettings } from '../fakes/settings.ts';

const FRIDAY = new Date('2026-11-20T09:00:00Z');
const OLD = new Date('2026-11-01T00:00:00Z');
const on = { 'havoc/enabled': 'true' };

test('plan shows the firing blocker and, per workload, its hypothesis and whether it holds now', async (t) => {
  const answers: Record<string, QueryAnswer> = {
    'ALERTS{alertstate="firing",severity="critical"}': {
      ok: true,
      samples: [{ labels: { alertname: 'KubeAPIDown' }, value: '1' }],
    },
    'errors < 0.01': { ok: true, samples: [{ labels: {}, value: '0.002' }] },
    'up{namespace="shop",job="cart"} == 1': { ok: true, samples: [] },
  };
  const gate = createSteadyStateGate({
    source: { query: async (expr) => answers[expr] ?? { ok: false, problem: 'error', detail: `unexpected ${expr}` } },
    clock: fakeClock(FRIDAY),
    report: () => t.fail('plan reports nothing'),
    prefix: 'havoc',
    blockers: ['severity="critical"'],
    defaultHypothesis: 'up{namespace="{{namespace}}",job="{{name}}"} == 1',
  });
  const snapshot = {
    namespaces: [{ name: 'shop', labels: {} }],
    nodes: [],
    workloads: [
      deployment('shop', 'checkout', 3, on, OLD, { 'havoc/steady-state': 'errors < 0.01' }),
      deployment('shop', 'cart', 2, on, OLD),
    ],
  };
  const settings = testSettings();
  const steadyState = await steadyStatePlan(gate, snapshot, settings);
  t.deepEqual(steadyState, {
    blocked: 'alert firing: KubeAPIDown',
    workloads: [
      { workload: 'shop/Deployment/checkout', hypothesis: 'errors < 0.01', source: 'havoc/steady-state', now: 'holds: 0.002' },
      {
        workload: 'shop/Deployment/cart',
        hypothesis: 'up{namespace="shop",job="cart"} == 1',
        source: 'steadyState.defaultHypothesis',
        now: 'fails: up{namespace="shop",job="cart"} == 1 returned no result',
      },
    ],
  });
  const text = renderPlan(planReport({ snapshot, settings, state: { kills: [] }, now: FRIDAY, steadyState }));
  t.regex(text, /Steady state \(Prometheus\): BLOCKED, no chaos now: alert firing: KubeAPIDown/);
  t.regex(text, /shop\/Deployment\/checkout: errors < 0\.01 {2}\[havoc\/steady-state\]\n {4}now: holds: 0\.002/);
});
