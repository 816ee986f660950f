// What the soak benchmark concludes from what it saw, and the table it
// prints. Kills are the evictions the API server accepted (counted at the
// proxy, not taken from the daemon's word), each dated by the simulated slot of
// the tick it happened in. Pure.

import type { Caps } from '../../src/domain/settings.ts';
import { spread, type Spread } from './measure.ts';

/** Pods evicted in one tick, dated by its slot (epoch ms, simulated). */
export interface SlotKills {
  readonly at: number;
  readonly count: number;
}

/**
 * The most kills seen in one tick, in any rolling hour (at - 1 h, at], as the
 * daemon counts its budget, and in any rolling 24 hours: in the caps' terms.
 */
export type Peaks = Caps;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** The peaks over windows that end at a slot in [from, to] (all slots by default); earlier kills still fill them. */
export function budgetPeaks(kills: readonly SlotKills[], from = -Infinity, to = Infinity): Peaks {
  const bySlot = new Map<number, number>();
  for (const k of kills) if (k.count > 0) bySlot.set(k.at, (bySlot.get(k.at) ?? 0) + k.count);
  const slots = [...bySlot].sort((a, b) => a[0] - b[0]);
  // sums[i]: kills in the slots before i, so a window [i, j] holds sums[j + 1] - sums[i].
  const sums = [0];
  for (const [, count] of slots) sums.push((sums.at(-1) ?? 0) + count);
  const peaks = { perTick: 0, perHour: 0, perDay: 0 };
  let hour = 0;
  let day = 0;
  slots.forEach(([at, count], j) => {
    while ((slots[hour]?.[0] ?? at) <= at - HOUR) hour++;
    while ((slots[day]?.[0] ?? at) <= at - DAY) day++;
    if (at < from || at > to) return;
    const upTo = sums[j + 1] ?? 0;
    peaks.perTick = Math.max(peaks.perTick, count);
    peaks.perHour = Math.max(peaks.perHour, upTo - (sums[hour] ?? 0));
    peaks.perDay = Math.max(peaks.perDay, upTo - (sums[day] ?? 0));
  });
  return peaks;
}

/** Each cap the peaks passed, named. */
export function overCaps(peaks: Peaks, caps: Caps): string[] {
  return (['perTick', 'perHour', 'perDay'] as const)
    .filter((cap) => peaks[cap] > caps[cap])
    .map(
      (cap) =>
        `${peaks[cap]} kills ${cap === 'perTick' ? 'in one tick' : `in a rolling ${cap === 'perHour' ? 'hour' : 'day'}`}, over caps.${cap} ${caps[cap]}`,
    );
}

/**
 * What a request asked, without the names that vary: `GET configmap state`,
 * `POST pods/eviction`, `LIST pods`, `PATCH configmap history`.
 */
export function requestKind(method: string, path: string, stateConfigMap: string): string {
  const parts = path.split('/').filter((p) => p !== '');
  const at = parts.indexOf('namespaces');
  const [resource, name, sub] = at >= 0 ? parts.slice(at + 2) : parts.slice(parts[0] === 'api' ? 2 : 3);
  if (resource === undefined) return `${method} ${path}`;
  const singular = resource.replace(/s$/, '');
  if (name === undefined) return `${method === 'GET' ? 'LIST' : method} ${resource}`;
  if (sub !== undefined) return `${method} ${resource}/${sub}`;
  if (resource !== 'configmaps') return `${method} ${singular}`;
  return `${method} configmap ${name === stateConfigMap ? 'state' : name.startsWith('kube-havoc-history') ? 'history' : 'other'}`;
}

export interface TickSeen {
  /** The slot (epoch ms, simulated). */
  readonly at: number;
  readonly outcome: string;
  /** Requests that started while the tick ran (the health check's GET /version left out), and their bytes both ways. */
  readonly requests: number;
  readonly bytes: number;
  /** The tick's own duration, as its log line says. */
  readonly durationMs: number;
  readonly evicted: number;
  /** Evictions refused with 429 (a PodDisruptionBudget). */
  readonly refused: number;
}

export interface StateSample {
  readonly bytes: number;
  readonly records: number;
  /** Bytes of the state with only the records that spend budget: what worstCaseStateBytes bounds. */
  readonly spendingBytes: number;
}

export interface HistorySample {
  readonly objects: number;
  /** Keys and values, as the API server counts them against its 1 MiB per object. */
  readonly dataBytes: number;
  /** The objects as JSON (metadata included). */
  readonly objectBytes: number;
  readonly entries: number;
  readonly oldestDay: string;
  readonly newestDay: string;
  /** The oldest day the retention keeps at the last slot before the sample. */
  readonly cutoff: string;
}

export interface WeekRow {
  readonly week: number;
  readonly from: string;
  readonly to: string;
  readonly businessDays: number;
  readonly ticks: number;
  readonly kills: number;
  readonly refused: number;
  readonly peaks: Peaks;
  readonly requestsPerTick: Spread;
  readonly bytesPerTick: Spread;
  readonly tickMs: Spread;
  /** Every request of the week (background work between ticks included, watches and GET /version not) per tick. */
  readonly allRequestsPerTick: number;
  /** The state after each business day of the week. */
  readonly state: { readonly last: StateSample; readonly maxBytes: number };
  readonly history: HistorySample;
  readonly rssMiB: { readonly p50: number; readonly max: number };
  /**
   * From the daemon's /metrics once per simulated day: V8's heap in use (live
   * objects and garbage not yet collected), memory outside it (Buffers), and
   * the metric series it exposes.
   */
  readonly heapMiB: { readonly p50: number; readonly max: number };
  readonly externalMiB: { readonly p50: number; readonly max: number };
  readonly series: number;
}

/** What the daemon's /metrics said at one look. */
export interface MetricsSample {
  readonly heapUsedBytes: number;
  readonly externalBytes: number;
  readonly series: number;
}

export function metricsSample(text: string): MetricsSample {
  const lines = text.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
  const value = (name: string) =>
    Number(
      lines
        .find((l) => l.startsWith(`${name} `))
        ?.split(' ')
        .at(-1) ?? 0,
    );
  return {
    heapUsedBytes: value('nodejs_heap_size_used_bytes'),
    externalBytes: value('nodejs_external_memory_bytes'),
    series: lines.length,
  };
}

export function weekRow(options: {
  readonly week: number;
  readonly businessDays: number;
  readonly ticks: readonly TickSeen[];
  readonly allKills: readonly SlotKills[];
  readonly otherRequests: number;
  readonly states: readonly StateSample[];
  readonly history: HistorySample;
  readonly rssBytes: readonly number[];
  readonly metrics: readonly MetricsSample[];
}): WeekRow {
  const { ticks, states } = options;
  const first = ticks[0]?.at ?? 0;
  const last = ticks.at(-1)?.at ?? 0;
  const inTick = ticks.reduce((sum, t) => sum + t.requests, 0);
  const mib = (bytes: number) => Math.round(bytes / 1048576);
  const rss = spread(options.rssBytes);
  const heap = spread(options.metrics.map((m) => m.heapUsedBytes));
  const external = spread(options.metrics.map((m) => m.externalBytes));
  return {
    week: options.week,
    from: new Date(first).toISOString().slice(0, 10),
    to: new Date(last).toISOString().slice(0, 10),
    businessDays: options.businessDays,
    ticks: ticks.length,
    kills: ticks.reduce((sum, t) => sum + t.evicted, 0),
    refused: ticks.reduce((sum, t) => sum + t.refused, 0),
    peaks: budgetPeaks(options.allKills, first, last),
    requestsPerTick: spread(ticks.map((t) => t.requests)),
    bytesPerTick: spread(ticks.map((t) => t.bytes)),
    tickMs: spread(ticks.map((t) => t.durationMs)),
    allRequestsPerTick: ticks.length === 0 ? 0 : Number(((inTick + options.otherRequests) / ticks.length).toFixed(1)),
    state: {
      last: states.at(-1) ?? { bytes: 0, records: 0, spendingBytes: 0 },
      maxBytes: Math.max(0, ...states.map((s) => s.bytes)),
    },
    history: options.history,
    rssMiB: { p50: mib(rss.p50), max: mib(rss.max) },
    heapMiB: { p50: mib(heap.p50), max: mib(heap.max) },
    externalMiB: { p50: mib(external.p50), max: mib(external.max) },
    series: options.metrics.at(-1)?.series ?? 0,
  };
}

const kb = (bytes: number) => (bytes / 1000).toFixed(1);

export function renderWeeks(rows: readonly WeekRow[], caps: Caps): string {
  const head =
    '| week | simulated days | ticks | kills (refused by PDB) | peak kills tick/hour/day (caps ' +
    `${caps.perTick}/${caps.perHour}/${caps.perDay}) | requests per tick p50/max (all per tick) | KB per tick p50/max | ` +
    'tick ms p50/max | ' +
    'state KB end/max (records) | history objects, data KB, entries (days kept) | RSS MiB p50/max | heap MiB p50/max | ' +
    'external MiB p50/max | metric series |';
  const lines = rows.map(
    (r) =>
      `| ${r.week} | ${r.from}..${r.to} (${r.businessDays}) | ${r.ticks} | ${r.kills} (${r.refused}) | ` +
      `${r.peaks.perTick}/${r.peaks.perHour}/${r.peaks.perDay} | ` +
      `${r.requestsPerTick.p50}/${r.requestsPerTick.max} (${r.allRequestsPerTick}) | ` +
      `${kb(r.bytesPerTick.p50)}/${kb(r.bytesPerTick.max)} | ${r.tickMs.p50}/${r.tickMs.max} | ` +
      `${kb(r.state.last.bytes)}/${kb(r.state.maxBytes)} (${r.state.last.records}) | ` +
      `${r.history.objects}, ${kb(r.history.dataBytes)}, ${r.history.entries} (${r.history.oldestDay}..${r.history.newestDay}) | ` +
      `${r.rssMiB.p50}/${r.rssMiB.max} | ${r.heapMiB.p50}/${r.heapMiB.max} | ` +
      `${r.externalMiB.p50}/${r.externalMiB.max} | ${r.series} |`,
  );
  return [head, `|${'---|'.repeat(14)}`, ...lines].join('\n');
}
