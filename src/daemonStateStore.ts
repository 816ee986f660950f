// The daemon's state store as the composition root assembles it, in one place
// so that a test can hold the same stack: the ConfigMap store, observed by
// /readyz's `state` condition, compacted and bounded on every write
// (docs/ARCHITECTURE.md, "The hot state"), and the records of a daemon from
// before the durable history moved into it before the first write. Every
// layer passes the metadata-only kill-switch read through.

import type { StateReadiness } from './adapters/http/stateReadiness.ts';
import { historySeconds } from './domain/budget/budget.ts';
import { boundedStateStore } from './domain/boundedStateStore.ts';
import { migratingStateStore, type MigratingStateStoreOptions } from './domain/history/migratingStateStore.ts';
import type { StateStore } from './domain/ports.ts';

export interface DaemonStateStoreOptions extends Omit<MigratingStateStoreOptions, 'store'> {
  /** The store that talks to the API server (createConfigMapStateStore). */
  readonly stored: StateStore;
  readonly health: StateReadiness;
  readonly minGapSeconds: number;
}

export function daemonStateStore({ stored, health, minGapSeconds, ...migration }: DaemonStateStoreOptions): StateStore {
  const bounded = boundedStateStore({
    store: health.watch(stored),
    clock: migration.clock,
    compact: { keepSeconds: historySeconds(minGapSeconds), minGapSeconds },
  });
  return migratingStateStore({ ...migration, store: bounded });
}
