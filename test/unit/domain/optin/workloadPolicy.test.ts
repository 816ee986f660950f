import test from 'ava';
import { parsePolicy, type PolicyOptions, type PolicyResult } from '../../../../src/domain/optin/workloadPolicy.ts';

const day = 8 * 3600;
const options: PolicyOptions = { prefix: 'havoc', kubeMonkey: false, defaultMtbfSeconds: 2 * day, businessDaySeconds: day };
const km: PolicyOptions = { ...options, kubeMonkey: true };

const ok: [string, Record<string, string>, PolicyOptions, object][] = [
  [
    'defaults: mode one, config mtbf',
    { 'havoc/enabled': 'true' },
    options,
    { mtbfSeconds: 2 * day, mode: 'one', source: 'havoc' },
  ],
  [
    'mtbf in minutes',
    { 'havoc/enabled': 'true', 'havoc/mtbf': '30m' },
    options,
    { mtbfSeconds: 1800, mode: 'one', source: 'havoc' },
  ],
  [
    'mtbf in hours',
    { 'havoc/enabled': 'true', 'havoc/mtbf': '8h' },
    options,
    { mtbfSeconds: 8 * 3600, mode: 'one', source: 'havoc' },
  ],
  [
    'mtbf in business days',
    { 'havoc/enabled': 'true', 'havoc/mtbf': '2d' },
    options,
    { mtbfSeconds: 2 * day, mode: 'one', source: 'havoc' },
  ],
  [
    'mtbf combined',
    { 'havoc/enabled': 'true', 'havoc/mtbf': '1h30m' },
    options,
    { mtbfSeconds: 5400, mode: 'one', source: 'havoc' },
  ],
  [
    'fixed',
    { 'havoc/enabled': 'true', 'havoc/kill-mode': 'fixed', 'havoc/kill-value': '2' },
    options,
    { mtbfSeconds: 2 * day, mode: 'fixed', value: 2, source: 'havoc' },
  ],
  [
    'fixed-percent',
    { 'havoc/enabled': 'true', 'havoc/kill-mode': 'fixed-percent', 'havoc/kill-value': '30' },
    options,
    { mtbfSeconds: 2 * day, mode: 'fixed-percent', value: 30, source: 'havoc' },
  ],
  [
    'random-max-percent',
    { 'havoc/enabled': 'true', 'havoc/kill-mode': 'random-max-percent', 'havoc/kill-value': '50' },
    options,
    { mtbfSeconds: 2 * day, mode: 'random-max-percent', value: 50, source: 'havoc' },
  ],
  ['all', { 'havoc/enabled': 'true', 'havoc/kill-mode': 'all' }, options, { mtbfSeconds: 2 * day, mode: 'all', source: 'havoc' }],
  [
    'kube-monkey labels with compat',
    { 'kube-monkey/enabled': 'enabled', 'kube-monkey/mtbf': '3' },
    km,
    { mtbfSeconds: 3 * day, mode: 'one', source: 'kube-monkey' },
  ],
  [
    'kube-monkey kill-all',
    { 'kube-monkey/enabled': 'enabled', 'kube-monkey/kill-mode': 'kill-all' },
    km,
    { mtbfSeconds: 2 * day, mode: 'all', source: 'kube-monkey' },
  ],
  [
    'kube-monkey fixed-percent',
    { 'kube-monkey/enabled': 'enabled', 'kube-monkey/kill-mode': 'fixed-percent', 'kube-monkey/kill-value': '40' },
    km,
    { mtbfSeconds: 2 * day, mode: 'fixed-percent', value: 40, source: 'kube-monkey' },
  ],
  [
    'havoc labels win over kube-monkey ones',
    { 'havoc/enabled': 'true', 'havoc/mtbf': '1h', 'kube-monkey/enabled': 'enabled', 'kube-monkey/mtbf': '5' },
    km,
    { mtbfSeconds: 3600, mode: 'one', source: 'havoc' },
  ],
  [
    'custom prefix',
    { 'chaos.example.com/enabled': 'true' },
    { ...options, prefix: 'chaos.example.com' },
    { mtbfSeconds: 2 * day, mode: 'one', source: 'havoc' },
  ],
];

for (const [name, labels, opts, policy] of ok) {
  test(`opted in: ${name}`, (t) => {
    t.deepEqual(parsePolicy({ labels, annotations: {} }, opts), { optedIn: true, policy } as PolicyResult);
  });
}

const out: [string, Record<string, string>, PolicyOptions][] = [
  ['no label', {}, options],
  ['enabled=false', { 'havoc/enabled': 'false' }, options],
  ['kube-monkey labels without compat', { 'kube-monkey/enabled': 'enabled' }, options],
  ['kube-monkey disabled', { 'kube-monkey/enabled': 'disabled' }, km],
  ['another prefix', { 'havoc/enabled': 'true' }, { ...options, prefix: 'chaos' }],
];

for (const [name, labels, opts] of out) {
  test(`not opted in: ${name}`, (t) => {
    t.deepEqual(parsePolicy({ labels, annotations: {} }, opts), { optedIn: false });
  });
}

const bad: [string, Record<string, string>, PolicyOptions, [string, string][]][] = [
  ['mtbf banana', { 'havoc/enabled': 'true', 'havoc/mtbf': 'banana' }, options, [['havoc/mtbf', 'banana']]],
  ['mtbf zero', { 'havoc/enabled': 'true', 'havoc/mtbf': '0h' }, options, [['havoc/mtbf', '0h']]],
  ['enabled typo', { 'havoc/enabled': 'ture' }, options, [['havoc/enabled', 'ture']]],
  ['unknown mode', { 'havoc/enabled': 'true', 'havoc/kill-mode': 'some' }, options, [['havoc/kill-mode', 'some']]],
  ['fixed without value', { 'havoc/enabled': 'true', 'havoc/kill-mode': 'fixed' }, options, [['havoc/kill-value', '']]],
  [
    'fixed with zero',
    { 'havoc/enabled': 'true', 'havoc/kill-mode': 'fixed', 'havoc/kill-value': '0' },
    options,
    [['havoc/kill-value', '0']],
  ],
  [
    'fixed with a percent sign',
    { 'havoc/enabled': 'true', 'havoc/kill-mode': 'fixed', 'havoc/kill-value': '3%' },
    options,
    [['havoc/kill-value', '3%']],
  ],
  [
    'fixed with a fraction',
    { 'havoc/enabled': 'true', 'havoc/kill-mode': 'fixed', 'havoc/kill-value': '1.5' },
    options,
    [['havoc/kill-value', '1.5']],
  ],
  [
    'percent over 100',
    { 'havoc/enabled': 'true', 'havoc/kill-mode': 'fixed-percent', 'havoc/kill-value': '150' },
    options,
    [['havoc/kill-value', '150']],
  ],
  [
    'percent not a number',
    { 'havoc/enabled': 'true', 'havoc/kill-mode': 'random-max-percent', 'havoc/kill-value': 'half' },
    options,
    [['havoc/kill-value', 'half']],
  ],
  [
    'two bad labels at once',
    { 'havoc/enabled': 'true', 'havoc/mtbf': 'soon', 'havoc/kill-mode': 'most' },
    options,
    [
      ['havoc/mtbf', 'soon'],
      ['havoc/kill-mode', 'most'],
    ],
  ],
  [
    'kube-monkey mtbf in hours is not days',
    { 'kube-monkey/enabled': 'enabled', 'kube-monkey/mtbf': '8h' },
    km,
    [['kube-monkey/mtbf', '8h']],
  ],
  [
    'kube-monkey unknown mode',
    { 'kube-monkey/enabled': 'enabled', 'kube-monkey/kill-mode': 'one' },
    km,
    [['kube-monkey/kill-mode', 'one']],
  ],
  ['kube-monkey enabled=true is not its contract', { 'kube-monkey/enabled': 'true' }, km, [['kube-monkey/enabled', 'true']]],
];

for (const [name, labels, opts, fields] of bad) {
  test(`bad label skips the workload: ${name}`, (t) => {
    const result = parsePolicy({ labels, annotations: {} }, opts);
    if (!result.optedIn || !('problems' in result)) return t.fail(`expected problems, got ${JSON.stringify(result)}`);
    t.deepEqual(
      result.problems.map((p) => [p.field, p.value]),
      fields,
    );
    for (const p of result.problems) t.true(p.message.length > 10);
  });
}

test('the probe URL comes from the annotation and must be http(s)', (t) => {
  const good = parsePolicy(
    {
      labels: { 'havoc/enabled': 'true' },
      annotations: { 'havoc/probe-url': 'http://checkout.shop.svc:8080/healthz' },
      ref: { namespace: 'shop' },
    },
    options,
  );
  t.like(good, { optedIn: true, policy: { probeUrl: 'http://checkout.shop.svc:8080/healthz' } });
  const badUrl = parsePolicy(
    { labels: { 'havoc/enabled': 'true' }, annotations: { 'havoc/probe-url': 'checkout/healthz' } },
    options,
  );
  t.like(badUrl, { optedIn: true, problems: [{ field: 'havoc/probe-url', value: 'checkout/healthz' }] });
});

test('a probe URL the address policy refuses is a bad label naming the rule; its credentials are not echoed', (t) => {
  const parse = (url: string, probe?: PolicyOptions['probe']) =>
    parsePolicy(
      { labels: { 'havoc/enabled': 'true' }, annotations: { 'havoc/probe-url': url }, ref: { namespace: 'shop' } },
      probe === undefined ? options : { ...options, probe },
    );
  t.like(parse('http://169.254.169.254/latest/meta-data/'), {
    optedIn: true,
    problems: [
      {
        field: 'havoc/probe-url',
        value: 'http://169.254.169.254/latest/meta-data/',
        message: 'refused by the probe address policy: 169.254.169.254 is a cloud metadata address',
      },
    ],
  });
  const other = parse('http://checkout.payments.svc/healthz');
  t.regex(
    'problems' in other ? (other.problems[0]?.message ?? '') : '',
    /^refused by the probe address policy: checkout\.payments\.svc is not a Service of namespace shop/,
  );
  const withPassword = parse('http://admin:hunter2@checkout.shop.svc/healthz');
  t.false(JSON.stringify(withPassword).includes('hunter2'));
  t.like(withPassword, { problems: [{ value: 'http://redacted@checkout.shop.svc/healthz' }] });
  t.like(parse('http://127.0.0.1:8080/ok', { allowHosts: [], allowCidrs: [] }), {
    optedIn: true,
    problems: [
      {
        field: 'havoc/probe-url',
        value: 'http://127.0.0.1:8080/ok',
        message: 'refused by the probe address policy: 127.0.0.1 is a loopback address',
      },
    ],
  });
  t.like(parse('http://health.example.com/ok', { allowHosts: ['health.example.com'], allowCidrs: [] }), {
    optedIn: true,
    policy: { probeUrl: 'http://health.example.com/ok' },
  });
});
