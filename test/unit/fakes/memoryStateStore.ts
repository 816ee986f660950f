// StateStore in memory, with a switch that makes writes fail (API down).

import type { StateStore } from '../../../src/domain/ports.ts';
import { emptyState, type HavocState } from '../../../src/domain/state.ts';

export interface MemoryStateStore extends StateStore {
  state: HavocState;
  failWrites?: Error;
  writes: number;
}

export function memoryStateStore(initial: HavocState = emptyState): MemoryStateStore {
  const store: MemoryStateStore = {
    state: initial,
    writes: 0,
    async load() {
      return store.state;
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
