import test from 'ava';
import { budgetPeaks, metricsSample, overCaps, requestKind } from '../../../scripts/bench/soakFigures.ts';

const MONDAY = Date.parse('2027-01-04T10:00:00Z');
const at = (hhmm: string, day = 0) => {
  const [h = 0, m = 0] = hhmm.split(':').map(Number);
  return MONDAY + day * 86_400_000 + ((h - 10) * 60 + m) * 60_000;
};

test('a kill exactly an hour (or a day) before another is outside its window, as the daemon counts', (t) => {
  const kills = [
    { at: at('10:00'), count: 1 },
    { at: at('10:10'), count: 1 },
    { at: at('11:00'), count: 1 },
    { at: at('10:00', 1), count: 1 },
  ];
  t.deepEqual(budgetPeaks(kills), { perTick: 1, perHour: 2, perDay: 3 });
});

test('kills of one slot add up in the tick, the hour and the day; a slot without kills changes nothing', (t) => {
  const kills = [
    { at: at('10:00'), count: 2 },
    { at: at('10:00'), count: 1 },
    { at: at('10:30'), count: 0 },
    { at: at('10:50'), count: 2 },
    { at: at('15:50'), count: 4 },
  ];
  t.deepEqual(budgetPeaks(kills), { perTick: 4, perHour: 5, perDay: 9 });
});

test('peaks of a week: windows ending in it, filled by the kills before it', (t) => {
  const kills = [
    { at: at('15:50', 0), count: 3 },
    { at: at('10:00', 1), count: 1 },
    { at: at('10:00', 3), count: 1 },
  ];
  t.deepEqual(budgetPeaks(kills, at('00:00', 1), at('23:59', 3)), { perTick: 1, perHour: 1, perDay: 4 });
  t.deepEqual(budgetPeaks(kills, at('00:00', 2)), { perTick: 1, perHour: 1, perDay: 1 });
});

test('each cap passed is named; caps met are not', (t) => {
  const caps = { perTick: 1, perHour: 3, perDay: 10 };
  t.deepEqual(overCaps({ perTick: 1, perHour: 3, perDay: 10 }, caps), []);
  t.deepEqual(overCaps({ perTick: 2, perHour: 3, perDay: 11 }, caps), [
    '2 kills in one tick, over caps.perTick 1',
    '11 kills in a rolling day, over caps.perDay 10',
  ]);
});

test('a request is named by what it asked, not by the names in its path', (t) => {
  const kind = (method: string, path: string) => requestKind(method, path, 'kube-havoc-state');
  t.is(kind('GET', '/api/v1/namespaces/havoc/configmaps/kube-havoc-state'), 'GET configmap state');
  t.is(kind('PATCH', '/api/v1/namespaces/havoc/configmaps/kube-havoc-history-2027-01-04-0'), 'PATCH configmap history');
  t.is(kind('GET', '/api/v1/namespaces/havoc/configmaps'), 'LIST configmaps');
  t.is(kind('POST', '/api/v1/namespaces/shop/pods/web-1/eviction'), 'POST pods/eviction');
  t.is(kind('GET', '/api/v1/namespaces/shop/pods'), 'LIST pods');
  t.is(kind('GET', '/apis/apps/v1/namespaces/shop/deployments/web'), 'GET deployment');
  t.is(kind('POST', '/apis/events.k8s.io/v1/namespaces/shop/events'), 'POST events');
  t.is(kind('GET', '/api/v1/nodes'), 'LIST nodes');
  t.is(kind('GET', '/version'), 'GET /version');
});

test("the daemon's /metrics read: heap and external memory by their exact names, and every series counted", (t) => {
  const text = [
    '# HELP nodejs_heap_size_used_bytes Process heap size used from Node.js in bytes.',
    '# TYPE nodejs_heap_size_used_bytes gauge',
    'nodejs_heap_size_used_bytes 1048576',
    'nodejs_heap_size_used_bytes_total_fake 7',
    'nodejs_external_memory_bytes 2097152',
    'havoc_kills_total{namespace="shop",result="killed"} 3',
    '',
  ].join('\n');
  t.deepEqual(metricsSample(text), { heapUsedBytes: 1048576, externalBytes: 2097152, series: 4 });
});
