import test from 'ava';
import { planReport, renderPlan } from '../../../src/cli/planReport.ts';
import { seededRandom } from '../../../src/domain/random.ts';
import { deployment } from '../fakes/fakeCluster.ts';
import { node } from '../fakes/fakeDrainer.ts';
import { testSettings } from '../fakes/settings.ts';

const FRIDAY = new Date('2026-11-20T09:00:00Z'); // 10:00 in Berlin, inside the window
const OLD = new Date('2026-11-01T00:00:00Z');

test('plan lists eligible workloads, expected kills, bad labels, candidate nodes and the draw', (t) => {
  const snapshot = {
    namespaces: [{ name: 'shop', labels: {} }],
    workloads: [
      deployment('shop', 'checkout', 3, { 'havoc/enabled': 'true', 'havoc/mtbf': '4h' }, OLD),
      deployment('shop', 'cart', 2, { 'havoc/enabled': 'true', 'havoc/mtbf': 'banana' }, OLD),
      deployment('shop', 'quiet', 2, {}, OLD),
    ],
    nodes: [
      node('worker-1'),
      node('cp', { labels: { 'havoc/enabled': 'true', 'node-role.kubernetes.io/control-plane': '' } }),
      node('worker-2'),
    ],
  };
  const settings = testSettings({ HAVOC_NODES_ENABLED: 'true', HAVOC_NODES_MIN_READY_NODES: '1' });
  const report = planReport({
    snapshot,
    settings,
    state: { kills: [] },
    now: FRIDAY,
    nextTick: new Date(FRIDAY.getTime() + 600_000),
    random: seededRandom(1),
  });
  t.deepEqual(
    report.workloads.map((w) => [w.workload, w.mtbf, w.expectedPerDay]),
    // 8 h of window over a 4 h MTBF plus the 1 h minimum time between kills: 1.6, not 2.
    [['shop/Deployment/checkout', '4h', 1.6]],
  );
  t.deepEqual(
    report.invalid.map((i) => [i.workload, i.field, i.value]),
    [['shop/Deployment/cart', 'havoc/mtbf', 'banana']],
  );
  t.deepEqual(
    report.nodes?.map((n) => [n.node, n.candidate]),
    [
      ['worker-1', true],
      ['cp', false],
      ['worker-2', true],
    ],
  );
  t.true(report.window.openNow);
  t.deepEqual(report.budget, { tick: 1, hour: 3, day: 10 });
  t.true(Array.isArray(report.draw));
  const text = renderPlan(report);
  t.regex(text, /shop\/Deployment\/checkout\s+4h\s+one\s+1\.60\s+yes/);
  t.regex(text, /havoc\/mtbf="banana"/);
  t.regex(text, /cp: not a candidate: control-plane node/);
});

test('plan outside the window names the next opening', (t) => {
  const saturday = new Date('2026-11-21T10:00:00Z');
  const report = planReport({
    snapshot: { namespaces: [], workloads: [], nodes: [] },
    settings: testSettings(),
    state: { kills: [] },
    now: saturday,
  });
  t.false(report.window.openNow);
  t.is(report.window.nextOpen, '2026-11-23T08:00:00.000Z');
  t.regex(renderPlan(report), /No eligible workloads/);
});
