// The port of the durable history: where entries are kept for the retention,
// apart from the hot state (src/domain/state.ts), which keeps only what the
// budgets need. The Kubernetes adapter is adapters/kubernetes/configMapHistoryStore.ts.

import type { HistoryEntry } from './historyEntry.ts';

export interface HistoryStore {
  /**
   * Adds one entry to its day's history. Idempotent: the same entry again
   * writes the same key with the same value. Never rewrites another entry.
   */
  append(entry: HistoryEntry): Promise<void>;
  /**
   * Adds many entries, a day's in as few writes as its objects allow (one per
   * part), as append would one by one; stops at the first day that cannot be written.
   */
  appendAll(entries: readonly HistoryEntry[]): Promise<void>;
  /**
   * The entries of these local days (YYYY-MM-DD), one per key (entryKey) however often it was written, in no
   * particular order.
   */
  read(days: readonly string[]): Promise<HistoryEntry[]>;
  /** Deletes the days older than the retention at `now`; returns the objects deleted. */
  prune(now: Date): Promise<readonly string[]>;
}
