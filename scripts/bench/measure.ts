// What the benchmark reads while the daemon runs: per-tick request counts and
// bytes from the counting proxy, latencies from the daemon's own log lines,
// memory and CPU time from /proc. Pure helpers apart from the /proc reads.

import { readFileSync } from 'node:fs';
import type { ProxiedRequest } from '../../test/e2e/harness/countingProxy.ts';
import { lineTime, type LogLine } from '../../test/e2e/daemonProcess.ts';

export interface Spread {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly n: number;
}

export function spread(values: readonly number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? 0;
  return { p50: at(0.5), p99: at(0.99), max: sorted.at(-1) ?? 0, n: sorted.length };
}

export interface TickCost {
  readonly outcome: string;
  readonly killed: number;
  readonly requests: number;
  readonly bytes: number;
  /** Tick start to its end, ms. */
  readonly durationMs: number;
  /** Tick start to the first kill line of the tick, ms (ticks that killed). */
  readonly evictionMs?: number;
}

/**
 * Each tick's own cost: the requests that started while it ran (its log line
 * carries when it ended and how long it took). A kill's recovery check runs
 * after the tick, in the background, and is not part of it: it shows in the
 * per-hour figures.
 */
export function tickCosts(lines: readonly LogLine[], requests: readonly ProxiedRequest[]): TickCost[] {
  const kills = lines.filter((l) => l.event === 'kill');
  return lines
    .filter((l) => l.event === 'tick')
    .map((tick) => {
      const to = lineTime(tick);
      // The log line is written a moment after the tick's clock stopped; a few ms of slack at the start.
      const start = to - Number(tick.durationMs) - 5;
      const inTick = requests.filter((r) => r.startedAt >= start && r.startedAt <= to);
      const kill = kills.find((k) => lineTime(k) >= start && lineTime(k) <= to);
      return {
        outcome: String(tick.outcome),
        killed: Number(tick.killed),
        requests: inTick.length,
        bytes: inTick.reduce((sum, r) => sum + r.requestBytes + r.responseBytes, 0),
        durationMs: Number(tick.durationMs),
        ...(kill === undefined ? {} : { evictionMs: lineTime(kill) - start }),
      };
    });
}

export interface ProcessSample {
  readonly at: number;
  readonly rssBytes: number;
  readonly peakBytes: number;
  /** User plus system CPU seconds so far. */
  readonly cpuSeconds: number;
}

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

export function sampleProcess(pid: number): ProcessSample | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
    // Fields 14 and 15 of /proc/PID/stat, counted after the command name in parentheses.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cpu = (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
    return { at: Date.now(), rssBytes: kb('VmRSS'), peakBytes: kb('VmHWM'), cpuSeconds: cpu };
  } catch {
    return undefined;
  }
}

/** Bytes relayed so far, watches included. */
export function bytesSoFar(requests: readonly ProxiedRequest[]): number {
  return requests.reduce((sum, r) => sum + r.requestBytes + r.responseBytes, 0);
}
