import test from 'ava';
import { planReport, readZones, renderPlan } from '../../../src/cli/planReport.ts';
import { ZONE_LABEL } from '../../../src/domain/selection/zones.ts';
import { seededRandom } from '../../../src/domain/random.ts';
import { deployment, fakeCluster } from '../fakes/fakeCluster.ts';
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

test("plan shows each workload's ready replicas by zone, read fresh with the node watch's zones", async (t) => {
  const base = deployment('shop', 'checkout', 3, { 'havoc/enabled': 'true', 'havoc/mtbf': '4h' }, OLD);
  const checkout = { ...base, pods: base.pods.map((p, i) => ({ ...p, nodeName: ['n-a', 'n-b', 'n-x'][i] })) };
  const cluster = fakeCluster([checkout]);
  cluster.nodes = [
    node('n-a', { labels: { [ZONE_LABEL]: 'a' } }),
    node('n-b', { labels: { [ZONE_LABEL]: 'b' } }),
    node('n-x', { labels: {} }),
  ];
  const settings = testSettings();
  const zones = await readZones(cluster, [checkout], settings.keepReadyPerZone);
  t.is(cluster.reads, 1, 'one fresh read per opted-in workload');
  const report = planReport({
    snapshot: { namespaces: [], workloads: [checkout], nodes: [] },
    settings,
    state: { kills: [] },
    now: FRIDAY,
    zones,
  });
  t.deepEqual(report.workloads[0]?.zones, { '(no zone)': 1, a: 1, b: 1 });
  t.regex(
    renderPlan(report),
    /READY BY ZONE[\s\S]*shop\/Deployment\/checkout\s+4h\s+one\s+1\.60\s+yes\s+\(no zone\) 1, a 1, b 1/,
  );
});
