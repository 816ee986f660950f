// The steady-state probe of the opt-in contract: the `<prefix>/probe-url`
// annotation must answer 2xx within the timeout, before a kill and again
// after recovery. Redirects are not followed: a health URL that redirects
// (to a login page, say) is not answering for the workload.
//
// The URL comes from whoever may annotate the workload, so it passes the probe
// address policy (domain/optin/probeTarget.ts) twice: as written, with the
// workload's pod IPs, and after DNS resolution. The request then connects to
// the address that was checked (the socket's lookup returns it), so a name
// that resolves differently a moment later cannot switch it to a refused one.
// What the annotator can read (Events) is a fixed text: whether a port is
// open, closed or filtered, and what answered, goes only to the debug log.

import { lookup as dnsLookup } from 'node:dns/promises';
import { request as httpRequest, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import type { WorkloadWithPods } from '../../domain/model.ts';
import { addressRefusal, probeUrlRefusal, type ProbeRules } from '../../domain/optin/probeTarget.ts';
import type { Log, SteadyStateProbe } from '../../domain/ports.ts';

export interface ResolvedAddress {
  readonly address: string;
  readonly family: number;
}

/** Every address a name resolves to (the system resolver by default; a test resolver in tests). */
export type Resolve = (host: string) => Promise<readonly ResolvedAddress[]>;

export interface HttpProbeOptions {
  readonly timeoutMs: number;
  /** Label prefix: the annotation read is `<prefix>/probe-url`. */
  readonly prefix: string;
  /** The allow-list (pods.probeAllowHosts, pods.probeAllowCidrs). */
  readonly rules: ProbeRules;
  /** The API server's addresses, never a probe target. */
  readonly apiServer: readonly string[];
  readonly resolve?: Resolve;
  /** Where the details of a failed probe go, at debug level. */
  readonly log?: Log;
}

/** All an annotator learns of a probe that did not answer 2xx. */
export const PROBE_FAILED = 'the probe did not answer 2xx in time (details in the daemon log at debug level)';

const systemResolve: Resolve = (host) => dnsLookup(host, { all: true, verbatim: true });

export function createHttpProbe(options: HttpProbeOptions): SteadyStateProbe {
  const key = `${options.prefix}/probe-url`;
  const resolve = options.resolve ?? systemResolve;
  return {
    async check(workload: WorkloadWithPods) {
      const url = workload.annotations[key];
      // No probe configured: the ready count is the whole hypothesis.
      if (url === undefined || url === '') return { ok: true };
      const scope = { rules: options.rules, apiServer: options.apiServer, namespace: workload.ref.namespace };
      const podIps = workload.pods.flatMap((p) => (p.ip === undefined ? [] : [p.ip]));
      const refused = probeUrlRefusal(url, { ...scope, podIps });
      if (refused !== undefined) return { ok: false, detail: `probe-url refused by the probe address policy: ${refused}` };
      const target = new URL(url);
      const signal = AbortSignal.timeout(options.timeoutMs);
      try {
        const host = target.hostname.replace(/^\[(.*)\]$/, '$1');
        const pinned = await pin(host, resolve, scope, signal);
        if ('refused' in pinned) return { ok: false, detail: `probe-url refused by the probe address policy: ${pinned.refused}` };
        const status = await get(target, pinned.address, signal);
        if (status >= 200 && status < 300) return { ok: true };
        options.log?.debug({ workload: workload.ref, probe: url, status }, `probe answered ${status}`);
      } catch (error) {
        options.log?.debug({ workload: workload.ref, probe: url, err: error }, 'probe failed');
      }
      return { ok: false, detail: PROBE_FAILED };
    },
  };
}

/** The one address the request will use, checked; a name is refused when any address it resolves to is. */
async function pin(
  host: string,
  resolve: Resolve,
  scope: Parameters<typeof addressRefusal>[1],
  signal: AbortSignal,
): Promise<{ address?: ResolvedAddress } | { refused: string }> {
  // An address literal was checked as written; the socket connects to it without a lookup.
  if (/^[\d.]+$/.test(host) || host.includes(':')) return {};
  const addresses = await Promise.race([
    resolve(host),
    new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true })),
  ]);
  if (addresses.length === 0) throw new Error(`${host} resolves to no address`);
  for (const { address } of addresses) {
    const refused = addressRefusal(address, scope);
    if (refused !== undefined) return { refused: `${host} resolves to ${refused}` };
  }
  return { address: addresses[0] as ResolvedAddress };
}

function get(target: URL, pinned: ResolvedAddress | undefined, signal: AbortSignal): Promise<number> {
  // The socket asks this lookup (and no resolver) for the name: it gets the checked address.
  const lookup: LookupFunction | undefined =
    pinned === undefined
      ? undefined
      : (_host, lookupOptions, callback) => {
          if (lookupOptions.all === true) callback(null, [pinned]);
          else callback(null, pinned.address, pinned.family);
        };
  const requestOptions: RequestOptions = { method: 'GET', signal, agent: false, ...(lookup ? { lookup } : {}) };
  const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(target, requestOptions, (res) => {
      // Only the status matters; free the socket.
      res.destroy();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}
