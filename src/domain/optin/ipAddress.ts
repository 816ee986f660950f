// IP addresses and CIDR ranges as numbers, so the probe address policy
// compares ranges instead of spellings: "::ffff:7f00:1", "[::ffff:127.0.0.1]"
// and "127.0.0.1" are one address. Only canonical text forms are parsed here;
// the WHATWG URL parser has already turned decimal, hex and octal IPv4 hosts
// ("2130706433", "0x7f000001", "0177.0.0.1") into dotted quads.

export interface IpAddress {
  readonly version: 4 | 6;
  readonly value: bigint;
}

export interface Cidr extends IpAddress {
  readonly bits: number;
}

export function parseIp(text: string): IpAddress | undefined {
  const bare = text.replace(/^\[(.*)\]$/, '$1').replace(/%.*$/, '');
  const v4 = parseIpv4(bare);
  if (v4 !== undefined) return { version: 4, value: v4 };
  const v6 = parseIpv6(bare);
  return v6 === undefined ? undefined : { version: 6, value: v6 };
}

function parseIpv4(text: string): bigint | undefined {
  if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(text)) return undefined;
  const parts = text.split('.').map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return parts.reduce((sum, p) => (sum << 8n) + BigInt(p), 0n);
}

function parseIpv6(text: string): bigint | undefined {
  if (!text.includes(':')) return undefined;
  let head = text;
  let tail: bigint[] = [];
  // An embedded IPv4 tail ("::ffff:127.0.0.1") is the last two groups.
  const dotted = /^(.*:)(\d{1,3}(?:\.\d{1,3}){3})$/.exec(text);
  if (dotted) {
    const v4 = parseIpv4(dotted[2] as string);
    if (v4 === undefined) return undefined;
    head = `${dotted[1] as string}0:0`;
    tail = [v4 >> 16n, v4 & 0xffffn];
  }
  const halves = head.split('::');
  if (halves.length > 2) return undefined;
  const groups = (part: string | undefined) => (part === undefined || part === '' ? [] : part.split(':'));
  const left = groups(halves[0]);
  const right = groups(halves[1]);
  const missing = 8 - left.length - right.length;
  if ((halves.length === 1 && missing !== 0) || (halves.length === 2 && missing < 1)) return undefined;
  const all = [...left, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...right];
  if (!all.every((g) => /^[0-9a-f]{1,4}$/i.test(g))) return undefined;
  const numbers = all.map((g) => BigInt(`0x${g}`));
  if (tail.length === 2) numbers.splice(6, 2, ...tail);
  return numbers.reduce((sum, g) => (sum << 16n) + g, 0n);
}

/** "10.0.0.0/8", "fd00::/8", or one address (a /32 or /128). */
export function parseCidr(text: string): Cidr | Error {
  const [address = '', bitsText, extra] = text.split('/');
  const ip = parseIp(address);
  const width = ip?.version === 4 ? 32 : 128;
  const bits = bitsText === undefined ? width : /^\d{1,3}$/.test(bitsText) ? Number(bitsText) : Number.NaN;
  if (ip === undefined || extra !== undefined || !(bits >= 0 && bits <= width))
    return new Error(`"${text}" is not a CIDR range such as 10.0.0.0/8 or fd00::/8`);
  return { ...ip, bits };
}

export function cidrContains(range: Cidr, ip: IpAddress): boolean {
  if (range.version !== ip.version) return false;
  const shift = BigInt((range.version === 4 ? 32 : 128) - range.bits);
  return range.value >> shift === ip.value >> shift;
}

/**
 * The IPv4 address an IPv6 one stands for (IPv4-mapped ::ffff:a.b.c.d,
 * IPv4-compatible ::a.b.c.d, NAT64 64:ff9b::a.b.c.d), else the address itself:
 * a range refused for IPv4 is refused in every wrapping.
 */
export function unwrapIpv4(ip: IpAddress): IpAddress {
  if (ip.version === 4) return ip;
  const high = ip.value >> 32n;
  const low = ip.value & 0xffffffffn;
  const wraps = high === 0xffffn || high === 0x64ff9b0000000000000000n || (high === 0n && low > 1n);
  return wraps ? { version: 4, value: low } : ip;
}

/** localhost, 127.0.0.0/8 or ::1 (in any wrapping): traffic that never leaves the host. */
export function isLoopbackHost(host: string): boolean {
  const name = host.toLowerCase().replace(/\.$/, '');
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  const ip = parseIp(name);
  if (ip === undefined) return false;
  const v4 = unwrapIpv4(ip);
  return v4.version === 4 ? v4.value >> 24n === 127n : v4.value === 1n;
}
