// The probe address policy. A probe URL comes from whoever may annotate a
// workload, and the daemon requests it from its own pod, so the URL must not
// let them reach what the daemon can reach and they cannot: the cloud metadata
// service, the API server, kubelets, the daemon's own loopback, another team's
// Services. By default a probe may go only to a Service of the workload's own
// namespace (<svc>.<ns>.svc[.cluster.local]) or to a pod IP of that workload;
// the allow-list (pods.probeAllowHosts, pods.probeAllowCidrs) widens that, but
// never to cloud metadata, the API server or a kubelet/control-plane port, and
// never to a URL with credentials. The answer is a rule, which names what was
// refused and never what is listening there.

import { cidrContains, parseCidr, parseIp, unwrapIpv4, type Cidr, type IpAddress } from './ipAddress.ts';

export interface ProbeRules {
  /** Host names allowed besides own-namespace Services: exact, or "*.suffix". */
  readonly allowHosts: readonly string[];
  /** Address ranges allowed (also loopback or link-local ranges, when listed explicitly). */
  readonly allowCidrs: readonly Cidr[];
}

export const MUST_BE_HTTP = 'must be an http(s) URL';

export const NO_ALLOW_LIST: ProbeRules = { allowHosts: [], allowCidrs: [] };

/** kubelet (10250, 10255, 10248), kube-proxy (10249, 10256), controller-manager, scheduler, etcd, API server. */
const NODE_PORTS: ReadonlySet<number> = new Set([10250, 10255, 10248, 10249, 10256, 10257, 10259, 2379, 2380, 6443]);

const METADATA_NAMES: ReadonlySet<string> = new Set([
  'metadata',
  'metadata.google.internal',
  'metadata.goog',
  'instance-data',
  'instance-data.ec2.internal',
  'metadata.azure.com',
  'metadata.tencentyun.com',
]);

const API_SERVER_NAMES: ReadonlySet<string> = new Set([
  'kubernetes',
  'kubernetes.default',
  'kubernetes.default.svc',
  'kubernetes.default.svc.cluster.local',
]);

const cidrs = (...texts: string[]) => texts.map((t) => parseCidr(t) as Cidr);
/** Refused even when an allowed range covers them. */
const ALWAYS_REFUSED: readonly [string, readonly Cidr[]][] = [
  ['a cloud metadata address', cidrs('169.254.169.254', '169.254.170.2', '100.100.100.200', 'fd00:ec2::254', 'fd00:ec2::23')],
];
/** Refused unless an allowed range covers them. */
const REFUSED: readonly [string, readonly Cidr[]][] = [
  ['a loopback address', cidrs('127.0.0.0/8', '::1')],
  ['a link-local address', cidrs('169.254.0.0/16', 'fe80::/10')],
  ['an unspecified or "this network" address', cidrs('0.0.0.0/8', '::')],
  ['a multicast or broadcast address', cidrs('224.0.0.0/4', '255.255.255.255', 'ff00::/8')],
];

export interface AddressScope {
  readonly rules: ProbeRules;
  /** The API server's own addresses (the kubernetes Service, the kubeconfig's server): never a probe target. */
  readonly apiServer?: readonly string[];
}

/** Why a (resolved) address may not be probed, or undefined when it may. */
export function addressRefusal(address: string, scope: AddressScope): string | undefined {
  const parsed = parseIp(address);
  if (parsed === undefined) return 'not an IP address';
  const ip = unwrapIpv4(parsed);
  const inRange = (ranges: readonly Cidr[]) => ranges.some((r) => cidrContains(r, ip));
  for (const [rule, ranges] of ALWAYS_REFUSED) if (inRange(ranges)) return rule;
  if ((scope.apiServer ?? []).some((a) => sameAddress(a, ip))) return 'the API server';
  if (inRange(scope.rules.allowCidrs)) return undefined;
  for (const [rule, ranges] of REFUSED) if (inRange(ranges)) return rule;
  return undefined;
}

function sameAddress(text: string, ip: IpAddress): boolean {
  const other = parseIp(text);
  if (other === undefined) return false;
  const unwrapped = unwrapIpv4(other);
  return unwrapped.version === ip.version && unwrapped.value === ip.value;
}

export interface TargetScope extends AddressScope {
  /** The workload's namespace: its Services are the default targets. */
  readonly namespace: string;
  /** The workload's pod IPs; undefined while they are not known (label parsing), which defers that rule to the probe. */
  readonly podIps?: readonly string[];
}

/**
 * Why a probe URL may not be requested, or undefined when it may (its name
 * still has to resolve to allowed addresses: addressRefusal, at request time).
 */
export function probeUrlRefusal(text: string, scope: TargetScope): string | undefined {
  if (!URL.canParse(text)) return MUST_BE_HTTP;
  const url = new URL(text);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return MUST_BE_HTTP;
  if (url.username !== '' || url.password !== '') return 'must not carry credentials (user:password@): a probe sends none';
  const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
  if (NODE_PORTS.has(port)) return `port ${port} is a kubelet or control-plane port`;
  const host = url.hostname.toLowerCase().replace(/\.$/, '');
  const ip = parseIp(host);
  if (ip !== undefined) {
    const refused = addressRefusal(host, scope);
    if (refused !== undefined) return `${host} is ${refused}`;
    if (scope.rules.allowCidrs.some((r) => cidrContains(r, unwrapIpv4(ip)))) return undefined;
    if (scope.podIps === undefined || scope.podIps.some((p) => sameAddress(p, unwrapIpv4(ip)))) return undefined;
    return `${host} is not a pod IP of this workload nor in pods.probeAllowCidrs`;
  }
  if (METADATA_NAMES.has(host)) return `${host} is a cloud metadata name`;
  if (API_SERVER_NAMES.has(host)) return `${host} is the API server`;
  if (scope.rules.allowHosts.some((pattern) => hostMatches(pattern, host))) return undefined;
  if (host === 'localhost' || host.endsWith('.localhost')) return `${host} is a loopback name`;
  if (isOwnService(host, scope.namespace)) return undefined;
  return (
    `${host} is not a Service of namespace ${scope.namespace} ` +
    `(<service>.${scope.namespace}.svc or <service>.${scope.namespace}.svc.cluster.local) nor in pods.probeAllowHosts`
  );
}

function isOwnService(host: string, namespace: string): boolean {
  const [service, ns, ...rest] = host.split('.');
  const suffix = rest.join('.');
  return (
    ns === namespace &&
    service !== undefined &&
    /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(service) &&
    (suffix === 'svc' || suffix === 'svc.cluster.local')
  );
}

/** "health.example.com" matches itself; "*.example.com" matches any name below example.com (not example.com). */
export function hostMatches(pattern: string, host: string): boolean {
  const p = pattern.toLowerCase().replace(/\.$/, '');
  return p.startsWith('*.') ? host.endsWith(p.slice(1)) && host.length > p.length - 1 : host === p;
}

/** A host pattern's problem for the config check, or undefined. */
export function hostPatternProblem(pattern: string): string | undefined {
  return /^(\*\.)?[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/i.test(pattern)
    ? undefined
    : `"${pattern}" is not a host name or a *.suffix pattern`;
}
