// The probe address policy as tables: what a probe-url may name by default,
// what is refused in every spelling, and what the allow-list widens.

import test from 'ava';
import { cidrContains, isLoopbackHost, parseCidr, parseIp, type Cidr } from '../../../../src/domain/optin/ipAddress.ts';
import { addressRefusal, NO_ALLOW_LIST, probeUrlRefusal, type TargetScope } from '../../../../src/domain/optin/probeTarget.ts';

const cidr = (text: string) => parseCidr(text) as Cidr;
const shop: TargetScope = { namespace: 'shop', rules: NO_ALLOW_LIST, apiServer: ['10.96.0.1'] };

// [url, the rule it is refused by (a part of the message), or undefined when allowed]
const byDefault: [string, string | undefined][] = [
  // Allowed: Services of the workload's own namespace.
  ['http://web.shop.svc:8080/healthz', undefined],
  ['http://web.shop.svc.cluster.local/healthz', undefined],
  ['https://web.shop.svc.cluster.local./healthz', undefined],
  ['http://WEB.Shop.SVC/healthz', undefined],
  // Another namespace's Service, short names (they resolve in the daemon's namespace), outside names.
  ['http://web.payments.svc/healthz', 'not a Service of namespace shop'],
  ['http://web/healthz', 'not a Service of namespace shop'],
  ['http://web.shop/healthz', 'not a Service of namespace shop'],
  ['http://example.com/', 'not a Service of namespace shop'],
  ['http://web.shop.svc.evil.example/', 'not a Service of namespace shop'],
  // Cloud metadata, by name and address.
  ['http://169.254.169.254/latest/meta-data/iam/security-credentials/', 'a cloud metadata address'],
  ['http://[fd00:ec2::254]/latest/meta-data/', 'a cloud metadata address'],
  ['http://metadata.google.internal/computeMetadata/v1/', 'a cloud metadata name'],
  ['http://metadata.google.internal./computeMetadata/v1/', 'a cloud metadata name'],
  ['http://100.100.100.200/latest/meta-data/', 'a cloud metadata address'],
  // The API server.
  ['https://kubernetes.default.svc/api/v1/secrets', 'the API server'],
  ['https://kubernetes.default.svc.cluster.local/api/v1/secrets', 'the API server'],
  ['https://10.96.0.1/api/v1/secrets', 'the API server'],
  // Kubelet and control-plane ports, whatever the host.
  ['http://web.shop.svc:10250/pods', 'port 10250 is a kubelet'],
  ['http://10.1.2.3:10255/pods', 'port 10255 is a kubelet'],
  ['https://web.shop.svc:6443/', 'port 6443 is a kubelet or control-plane port'],
  ['http://web.shop.svc:2379/', 'port 2379'],
  // Loopback in every spelling the URL parser accepts.
  ['http://127.0.0.1:8080/', 'a loopback address'],
  ['http://127.1.2.3/', 'a loopback address'],
  ['http://2130706433/', 'a loopback address'],
  ['http://0x7f000001/', 'a loopback address'],
  ['http://0177.0.0.1/', 'a loopback address'],
  ['http://0x7f.1/', 'a loopback address'],
  ['http://[::1]/', 'a loopback address'],
  ['http://[::ffff:127.0.0.1]/', 'a loopback address'],
  ['http://[::ffff:7f00:1]/', 'a loopback address'],
  ['http://[0:0:0:0:0:ffff:127.0.0.1]/', 'a loopback address'],
  ['http://[64:ff9b::127.0.0.1]/', 'a loopback address'],
  ['http://localhost:8080/', 'a loopback name'],
  ['http://api.localhost/', 'a loopback name'],
  // Link-local, unspecified, multicast; metadata wrapped in IPv6 and decimal.
  ['http://169.254.1.1/', 'a link-local address'],
  ['http://[fe80::1]/', 'a link-local address'],
  ['http://0.0.0.0:8080/', 'unspecified'],
  ['http://[::]/', 'unspecified'],
  ['http://224.0.0.1/', 'multicast'],
  ['http://[::ffff:169.254.169.254]/', 'a cloud metadata address'],
  ['http://2852039166/', 'a cloud metadata address'],
  ['http://0xa9fea9fe/', 'a cloud metadata address'],
  // Credentials and schemes.
  ['http://admin:hunter2@web.shop.svc/healthz', 'must not carry credentials'],
  ['http://token@web.shop.svc/healthz', 'must not carry credentials'],
  ['file:///etc/passwd', 'must be an http(s) URL'],
  ['gopher://web.shop.svc/', 'must be an http(s) URL'],
  ['not a url', 'must be an http(s) URL'],
];

for (const [url, rule] of byDefault) {
  test(`default policy: ${url} is ${rule === undefined ? 'allowed' : `refused (${rule})`}`, (t) => {
    const refused = probeUrlRefusal(url, shop);
    if (rule === undefined) t.is(refused, undefined);
    else t.true(refused?.includes(rule), `got: ${refused}`);
  });
}

test('a pod IP: deferred while the pods are unknown, then allowed only when it is one of the workload', (t) => {
  t.is(probeUrlRefusal('http://10.1.2.3:8080/healthz', shop), undefined, 'label parsing: decided at probe time');
  t.is(probeUrlRefusal('http://10.1.2.3:8080/healthz', { ...shop, podIps: ['10.1.2.3'] }), undefined);
  t.regex(probeUrlRefusal('http://10.1.2.4:8080/healthz', { ...shop, podIps: ['10.1.2.3'] }) ?? '', /not a pod IP/);
  t.is(probeUrlRefusal('http://[fd00::5]:8080/', { ...shop, podIps: ['fd00:0:0:0:0:0:0:5'] }), undefined, 'IPv6 spellings agree');
});

const widened: TargetScope = {
  namespace: 'shop',
  apiServer: ['10.96.0.1'],
  rules: {
    allowHosts: ['health.example.com', '*.shared.svc.cluster.local'],
    allowCidrs: [cidr('127.0.0.1/32'), cidr('10.0.0.0/8')],
  },
};
const allowList: [string, string | undefined][] = [
  ['http://health.example.com/', undefined],
  ['http://api.shared.svc.cluster.local/', undefined],
  ['http://shared.svc.cluster.local/', 'not a Service of namespace shop'],
  ['http://other.example.com/', 'not a Service of namespace shop'],
  ['http://127.0.0.1:8080/', undefined],
  ['http://2130706433:8080/', undefined],
  ['http://127.0.0.2:8080/', 'a loopback address'],
  ['http://10.20.30.40/', undefined],
  // Never widened: metadata, the API server, kubelet ports, credentials.
  ['http://metadata.google.internal/', 'a cloud metadata name'],
  ['https://10.96.0.1/', 'the API server'],
  ['http://127.0.0.1:10250/pods', 'port 10250'],
  ['http://u:p@health.example.com/', 'must not carry credentials'],
];
for (const [url, rule] of allowList) {
  test(`allow-list: ${url} is ${rule === undefined ? 'allowed' : `refused (${rule})`}`, (t) => {
    const refused = probeUrlRefusal(url, widened);
    if (rule === undefined) t.is(refused, undefined);
    else t.true(refused?.includes(rule), `got: ${refused}`);
  });
}

test('an allowed range never covers cloud metadata addresses', (t) => {
  const everything = { rules: { allowHosts: [], allowCidrs: [cidr('0.0.0.0/0'), cidr('::/0')] } };
  t.is(addressRefusal('169.254.169.254', everything), 'a cloud metadata address');
  t.is(addressRefusal('fd00:ec2::254', everything), 'a cloud metadata address');
  t.is(addressRefusal('::ffff:a9fe:a9fe', everything), 'a cloud metadata address');
  t.is(addressRefusal('127.0.0.1', everything), undefined, 'loopback is allowed when listed');
});

// Resolved addresses, as a resolver answers them.
const resolved: [string, string | undefined][] = [
  ['10.0.12.7', undefined],
  ['fd12:3456::7', undefined],
  ['127.0.0.1', 'a loopback address'],
  ['::1', 'a loopback address'],
  ['::ffff:127.0.0.1', 'a loopback address'],
  ['::ffff:7f00:1', 'a loopback address'],
  ['169.254.169.254', 'a cloud metadata address'],
  ['169.254.170.2', 'a cloud metadata address'],
  ['fe80::1%eth0', 'a link-local address'],
  ['10.96.0.1', 'the API server'],
  ['::ffff:10.96.0.1', 'the API server'],
  ['0.0.0.0', 'an unspecified or "this network" address'],
  ['not-an-ip', 'not an IP address'],
];
for (const [address, rule] of resolved) {
  test(`resolved address ${address} is ${rule ?? 'allowed'}`, (t) => {
    t.is(addressRefusal(address, shop), rule);
  });
}

test('IP parsing and ranges: spellings of one address are equal; a range is its prefix', (t) => {
  t.deepEqual(parseIp('::ffff:127.0.0.1'), parseIp('::ffff:7f00:1'));
  t.deepEqual(parseIp('[2001:db8::1]'), parseIp('2001:0db8:0000:0000:0000:0000:0000:0001'));
  t.is(parseIp('1.2.3.256'), undefined);
  t.is(parseIp('1::2::3'), undefined);
  t.is(parseIp('1:2:3:4:5:6:7:8:9'), undefined);
  t.true(cidrContains(cidr('10.0.0.0/8'), parseIp('10.255.0.1') ?? { version: 4, value: 0n }));
  t.false(cidrContains(cidr('10.0.0.0/8'), parseIp('11.0.0.1') ?? { version: 4, value: 0n }));
  t.true(cidrContains(cidr('fd00::/8'), parseIp('fd12::1') ?? { version: 6, value: 0n }));
  t.true(parseCidr('10.0.0.0/33') instanceof Error);
  t.true(parseCidr('web.shop') instanceof Error);
  t.true(
    isLoopbackHost('127.0.0.1') && isLoopbackHost('::1') && isLoopbackHost('localhost') && isLoopbackHost('::ffff:127.0.0.9'),
  );
  t.false(isLoopbackHost('10.0.0.1') || isLoopbackHost('example.com'));
});
