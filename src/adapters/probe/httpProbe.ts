// The steady-state probe of the opt-in contract: the `<prefix>/probe-url`
// annotation must answer 2xx within the timeout, before a kill and again
// after recovery. Redirects are not followed: a health URL that redirects
// (to a login page, say) is not answering for the workload.

import type { Workload } from '../../domain/model.ts';
import type { SteadyStateProbe } from '../../domain/ports.ts';

export interface HttpProbeOptions {
  readonly timeoutMs: number;
  /** Label prefix: the annotation read is `<prefix>/probe-url`. */
  readonly prefix: string;
}

export function createHttpProbe(options: HttpProbeOptions): SteadyStateProbe {
  const key = `${options.prefix}/probe-url`;
  return {
    async check(workload: Workload) {
      const url = workload.annotations[key];
      // No probe configured: the ready count is the whole hypothesis.
      if (url === undefined || url === '') return { ok: true };
      try {
        const response = await fetch(url, { signal: AbortSignal.timeout(options.timeoutMs), redirect: 'manual' });
        await response.body?.cancel(); // only the status matters; free the socket
        if (response.status >= 200 && response.status < 300) return { ok: true };
        return { ok: false, detail: `${url} answered ${response.status}${response.statusText ? ` ${response.statusText}` : ''}` };
      } catch (error) {
        return { ok: false, detail: `${url}: ${describe(error, options.timeoutMs)}` };
      }
    },
  };
}

function describe(error: unknown, timeoutMs: number): string {
  const { name, message, cause } = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
  if (cause?.code !== undefined) return `${cause.code}${cause.message ? ` (${cause.message})` : ''}`;
  return message ?? String(error);
}
