// The Listener that keeps every kill, drain and verdict in the durable
// history. Announcements are exactly once (docs/reliability.md), so each
// entry is written once; the store retries a failed write a few times, then
// the reporter logs the failure once. It never reaches the round: a history
// that cannot be written never blocks or repeats a kill.

import { historyEntry } from '../../domain/history/historyEntry.ts';
import type { HistoryStore } from '../../domain/history/historyStore.ts';
import type { Listener } from '../../domain/ports.ts';

export function createHistoryListener(options: { readonly store: HistoryStore }): Listener {
  return {
    name: 'history',
    async on(occurrence) {
      const entry = historyEntry(occurrence);
      if (entry !== undefined) await options.store.append(entry);
    },
  };
}
