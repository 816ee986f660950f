// StateStore in memory, with a switch that makes writes fail (API down).

import type { StateStore } from '../../../src/domain/ports.ts';
import { emptyState, type HavocState } from '../../../src/domain/state.ts';

export interface MemoryStateStore extends StateStore {
  state: HavocState;
  failWrites?: Error;
  writes: number;
  /** Reads (`load()` calls): each is a GET of the state ConfigMap in the real store. */
  loads: number;
  /** Kill-switch reads (`killSwitch()` calls): a GET of the ConfigMap's metadata alone in the real store. */
  switchReads: number;
  killSwitch: NonNullable<StateStore['killSwitch']>;
}

export function memoryStateStore(initial: HavocState = emptyState): MemoryStateStore {
  const store: MemoryStateStore = {
    state: initial,
    writes: 0,
    loads: 0,
    switchReads: 0,
    async load() {
      store.loads++;
      return store.state;
    },
    async killSwitch() {
      store.switchReads++;
      return store.state.paused;
    },
    async update(change) {
      if (store.failWrites) throw store.failWrites;
      store.writes++;
      store.state = change(store.state);
      return store.state;
    },
  };
  return store;
}
