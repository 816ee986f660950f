// The history kept in memory, by local day (UTC here) and entry key, as the
// ConfigMap store keeps it: the same entry twice is one entry. `reads` counts
// the read requests, one per batch of days.

import { entryKey, type HistoryEntry } from '../../../src/domain/history/historyEntry.ts';
import type { HistoryStore } from '../../../src/domain/history/historyStore.ts';

export interface MemoryHistoryStore extends HistoryStore {
  readonly days: Map<string, Map<string, HistoryEntry>>;
  readonly reads: (readonly string[])[];
  /** The size of each appendAll. */
  readonly batches: number[];
}

export function memoryHistoryStore(entries: readonly HistoryEntry[] = []): MemoryHistoryStore {
  const days = new Map<string, Map<string, HistoryEntry>>();
  const reads: (readonly string[])[] = [];
  const store: MemoryHistoryStore = {
    days,
    reads,
    batches: [],
    async append(entry) {
      const day = entry.at.slice(0, 10);
      const keys = days.get(day) ?? new Map<string, HistoryEntry>();
      keys.set(entryKey(entry), entry);
      days.set(day, keys);
    },
    async appendAll(entries) {
      store.batches.push(entries.length);
      for (const entry of entries) await store.append(entry);
    },
    async read(wanted) {
      reads.push(wanted);
      return wanted.flatMap((day) => [...(days.get(day)?.values() ?? [])]);
    },
    async prune() {
      return [];
    },
  };
  for (const entry of entries) void store.append(entry);
  return store;
}
