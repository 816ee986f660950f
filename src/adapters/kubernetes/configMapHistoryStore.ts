// The durable history on the Kubernetes API: ConfigMaps in the daemon's own
// namespace, one per local day and part (kube-havoc-history-2026-12-04-0),
// labelled so they can be listed. Each entry is one data key added by a JSON
// merge patch: no read-modify-write, so no conflict with another writer, and a
// retry writes the same key with the same value. A part rolls over before its
// data nears the API server's 1 MiB limit; days older than the retention are
// deleted whole. Why ConfigMaps, and what this costs: docs/ARCHITECTURE.md.

import {
  CoreV1Api,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
  type V1ConfigMap,
  type V1ConfigMapList,
} from '@kubernetes/client-node';
import { entryKey, type HistoryEntry } from '../../domain/history/historyEntry.ts';
import type { HistoryStore } from '../../domain/history/historyStore.ts';
import { daysBetween, expired, retentionCutoff } from '../../domain/history/retention.ts';
import type { Clock, Log } from '../../domain/ports.ts';
import { apiMessage, httpStatus, KubernetesError, isConflict, isNotFound, toKubernetesError } from './errors.ts';
import { listAll } from './listAll.ts';

export type HistoryConfigMapApi = Pick<
  CoreV1Api,
  'patchNamespacedConfigMap' | 'createNamespacedConfigMap' | 'listNamespacedConfigMap' | 'deleteNamespacedConfigMap'
>;

export const HISTORY_PREFIX = 'kube-havoc-history';
export const DAY_LABEL = 'kube-havoc/history-day';
export const HISTORY_LABELS = { 'app.kubernetes.io/name': 'kube-havoc', 'app.kubernetes.io/component': 'history' };
const SELECTOR = Object.entries(HISTORY_LABELS)
  .map(([k, v]) => `${k}=${v}`)
  .join(',');

/**
 * A part takes entries while its data (keys and values, in bytes, as the API
 * server counts it against its 1,048,576) stays at or below this. Well below
 * 1 MiB on purpose: the answer to every merge patch is the whole object, so
 * the part's size is what each write costs to read back; and a second writer
 * racing this one (a leader change) overshoots by a few entries at most.
 */
export const PART_BYTES = 256 * 1024;
/** Objects per page when reading: at most PART_BYTES each, so a page is at most about 2.5 MiB. */
const READ_PAGE = 10;

export interface ConfigMapHistoryStoreOptions {
  readonly kubeConfig?: KubeConfig;
  /** Used instead of a client made from kubeConfig. */
  readonly configMapApi?: HistoryConfigMapApi;
  readonly namespace: string;
  /** The local day (YYYY-MM-DD) of an instant: the schedule's time zone. */
  readonly localDate: (t: Date) => string;
  readonly retentionSeconds: number;
  readonly clock: Clock;
  readonly log: Log;
  /** Tries of one write before it is given up (default 3). */
  readonly maxAttempts?: number;
  /** Wait before the n-th retry: n times this (default 1 s). */
  readonly retryDelayMs?: number;
  readonly partBytes?: number;
}

export function historyObjectName(day: string, part: number): string {
  return `${HISTORY_PREFIX}-${day}-${part}`;
}

export function dataBytes(data: Readonly<Record<string, string>> | undefined): number {
  let bytes = 0;
  for (const [key, value] of Object.entries(data ?? {})) bytes += Buffer.byteLength(key) + Buffer.byteLength(value);
  return bytes;
}

/** The API server refused the object as too large (422 on the 1 MiB data limit, 413 on the request size). */
function tooLarge(error: unknown): boolean {
  const status = httpStatus(error);
  return status === 413 || (status === 422 && /bytes|too (long|large)/i.test(apiMessage(error) ?? ''));
}

/** An entry as written, or undefined for what is not JSON or lacks the fields every entry has. */
function parseEntry(value: string): HistoryEntry | undefined {
  try {
    const entry = JSON.parse(value) as Partial<HistoryEntry> | null;
    const ok = typeof entry?.type === 'string' && typeof entry.at === 'string' && typeof entry.target?.name === 'string';
    return ok ? (entry as HistoryEntry) : undefined;
  } catch {
    return undefined;
  }
}

/** The part number of a history object, from its name (kube-havoc-history-<day>-<part>). */
function partOf(cm: V1ConfigMap): number {
  return Number(/-(\d+)$/.exec(cm.metadata?.name ?? '')?.[1] ?? 0);
}

/** Oldest day first, and within a day by part number (the API server lists by name: part 10 before part 2). */
function byPart(objects: readonly V1ConfigMap[]): V1ConfigMap[] {
  const day = (cm: V1ConfigMap) => cm.metadata?.labels?.[DAY_LABEL] ?? '';
  return [...objects].sort((a, b) => day(a).localeCompare(day(b)) || partOf(a) - partOf(b));
}

export function createConfigMapHistoryStore(options: ConfigMapHistoryStoreOptions): HistoryStore {
  const { namespace, localDate, clock, log } = options;
  const api = options.configMapApi ?? options.kubeConfig?.makeApiClient(CoreV1Api);
  if (api === undefined) throw new Error('createConfigMapHistoryStore needs kubeConfig or configMapApi');
  const maxAttempts = options.maxAttempts ?? 3;
  const retryDelayMs = options.retryDelayMs ?? 1000;
  const partBytes = options.partBytes ?? PART_BYTES;
  /** The part being filled and its data size as the API server last returned it. */
  let current: { day: string; part: number; bytes: number } | undefined;
  let prunedFor: string | undefined;
  let queue: Promise<unknown> = Promise.resolve();

  const list = async (labelSelector: string, doing: string): Promise<V1ConfigMap[]> => {
    try {
      const all = await listAll<V1ConfigMap>(
        (page) => api.listNamespacedConfigMap({ namespace, labelSelector, ...page }) as Promise<V1ConfigMapList>,
        READ_PAGE,
      );
      return all.items;
    } catch (error) {
      throw toKubernetesError(error, `${doing} (list ConfigMaps ${labelSelector} in ${namespace})`);
    }
  };
  const ofDays = (days: readonly string[], op: 'in' | 'notin') => `${SELECTOR},${DAY_LABEL} ${op} (${days.join(',')})`;

  /** The newest part of a day already stored, and its size, so a restart does not refill a full part. */
  const locate = async (day: string) => {
    const parts = (await list(ofDays([day], 'in'), 'find the history part')).map((cm) => ({
      part: partOf(cm),
      bytes: dataBytes(cm.data),
    }));
    const newest = parts.sort((a, b) => b.part - a.part)[0];
    return { day, part: newest?.part ?? 0, bytes: newest?.bytes ?? 0 };
  };

  const patchOrCreate = async (name: string, day: string, data: Record<string, string>): Promise<V1ConfigMap> => {
    const patch = () =>
      api.patchNamespacedConfigMap(
        { namespace, name, body: { data } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
    try {
      return await patch();
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    try {
      return await api.createNamespacedConfigMap({
        namespace,
        body: {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name, namespace, labels: { ...HISTORY_LABELS, [DAY_LABEL]: day } },
          data,
        },
      });
    } catch (error) {
      // Another writer created it meanwhile: add the key to theirs.
      if (isConflict(error)) return await patch();
      throw error;
    }
  };

  const prune = async (now: Date): Promise<readonly string[]> => {
    const cutoff = retentionCutoff(now, options.retentionSeconds, localDate);
    const kept = daysBetween(new Date(`${cutoff}T00:00:00Z`), now, localDate).filter((d) => !expired(d, cutoff));
    const old = (await list(ofDays(kept, 'notin'), 'prune the history')).filter((cm) =>
      expired(cm.metadata?.labels?.[DAY_LABEL] ?? '', cutoff),
    );
    const deleted: string[] = [];
    for (const cm of old) {
      const name = cm.metadata?.name ?? '';
      try {
        await api.deleteNamespacedConfigMap({ namespace, name });
        deleted.push(name);
      } catch (error) {
        if (!isNotFound(error)) throw toKubernetesError(error, `delete history ConfigMap ${namespace}/${name}`);
      }
    }
    if (deleted.length > 0) log.info({ deleted, cutoff }, `history: deleted ${deleted.length} day(s) older than ${cutoff}`);
    return deleted;
  };

  /** Entries of one day, in as few patches as its parts allow: one for a single entry, one per part for a batch. */
  const write = async (day: string, entries: readonly HistoryEntry[]): Promise<void> => {
    const sized = entries.map((entry) => {
      const key = entryKey(entry);
      const value = JSON.stringify(entry);
      return { key, value, size: Buffer.byteLength(key) + Buffer.byteLength(value) };
    });
    let next = 0;
    let failures = 0;
    let rolls = 0;
    while (next < sized.length) {
      const first = sized[next] as (typeof sized)[number];
      try {
        if (current?.day !== day) current = await locate(day);
        if (current.bytes > 0 && current.bytes + first.size > partBytes) current = { day, part: current.part + 1, bytes: 0 };
        // As many as the part still takes; at least one, so an entry larger than a part gets one of its own.
        let end = next + 1;
        let bytes = current.bytes + first.size;
        for (; end < sized.length && bytes + (sized[end]?.size ?? 0) <= partBytes; end += 1) bytes += sized[end]?.size ?? 0;
        const data = Object.fromEntries(sized.slice(next, end).map((e) => [e.key, e.value]));
        const saved = await patchOrCreate(historyObjectName(day, current.part), day, data);
        current.bytes = dataBytes(saved.data);
        next = end;
        failures = 0;
        rolls = 0;
      } catch (error) {
        // Refused as too large (a racing writer filled the part): the next part, at once, a few times.
        if (tooLarge(error) && current?.day === day && rolls < 3) {
          rolls += 1;
          current = { day, part: current.part + 1, bytes: 0 };
          continue;
        }
        failures += 1;
        if (failures >= maxAttempts) {
          const last = toKubernetesError(error, 'write history');
          // None of the rest of the day is written: the caller learns how much that is.
          const rest = sized.length - next - 1;
          const what = rest > 0 ? `entries ${first.key} and ${rest} more` : `entry ${first.key}`;
          throw new KubernetesError(last.kind, `history ${what} not written after ${failures} tries: ${last.message}`, {
            cause: error,
            ...(last.status === undefined ? {} : { status: last.status }),
          });
        }
        await clock.sleep(retryDelayMs * failures);
      }
    }
    // The first write of a new day also deletes the days that fell out of the retention.
    if (prunedFor !== day) {
      prunedFor = day;
      await prune(clock.now()).catch((error: unknown) =>
        log.warn({ err: error }, `history: pruning old days failed; the next day retries: ${(error as Error).message}`),
      );
    }
  };

  /** One write at a time: the part's size is known exactly, and a burst of kills fills one part in order. */
  const enqueue = (day: string, entries: readonly HistoryEntry[]): Promise<void> => {
    const job = queue.then(() => write(day, entries));
    queue = job.catch(() => undefined);
    return job;
  };

  return {
    append: (entry) => enqueue(localDate(new Date(entry.at)), [entry]),
    async appendAll(entries) {
      const days = new Map<string, HistoryEntry[]>();
      for (const entry of entries) {
        const day = localDate(new Date(entry.at));
        const ofDay = days.get(day) ?? [];
        ofDay.push(entry);
        days.set(day, ofDay);
      }
      for (const [day, ofDay] of days) await enqueue(day, ofDay);
    },
    async read(days) {
      if (days.length === 0) return [];
      // One entry per key. A key is derived from the occurrence alone (entryKey), so the same key twice
      // is the same entry written twice: a move repeated after a restart writes into the newest part,
      // not where the first move put it. Read in order of day and part, the newest part wins: it
      // holds the last write of the key, as one object would after a second merge patch.
      const entries = new Map<string, HistoryEntry>();
      for (const cm of byPart(await list(ofDays(days, 'in'), 'read the history'))) {
        for (const [key, value] of Object.entries(cm.data ?? {})) {
          const entry = parseEntry(value);
          if (entry === undefined) log.warn({ configMap: cm.metadata?.name, key }, 'history: an entry is not one; skipped');
          else entries.set(key, entry);
        }
      }
      return [...entries.values()];
    },
    // At start-up; when it fails, the first write of the day tries again.
    async prune(now) {
      const deleted = await prune(now);
      prunedFor = localDate(now);
      return deleted;
    },
  };
}
