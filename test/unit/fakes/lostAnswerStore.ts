// A state store whose next reservation reaches the API server but whose
// answer never comes back, as with etcd stopped: the PUT times out for the
// daemon, and the API server applies it at once or only later, when the test
// says (etcd back). A settlement's answer can be lost the same way (applied
// at once). Everything else goes through to the memory store.

import type { StateStore } from '../../../src/domain/ports.ts';
import type { KillRecord } from '../../../src/domain/state.ts';
import type { MemoryStateStore } from './memoryStateStore.ts';

export interface LostAnswerStore extends StateStore {
  /** The next write that adds a record (a reservation) fails with a timeout; `now` applies it anyway, `later` at commit(). */
  loseNextReservation(applied: 'now' | 'later'): void;
  /** Applies the reservation held back by `later` onto the state as it is now. */
  commit(): void;
  /** The next write that settles a reservation (a `reserved` record no longer so) is applied, then fails with a timeout. */
  loseNextSettlement(): void;
}

export function lostAnswerStore(store: MemoryStateStore): LostAnswerStore {
  let lose: 'now' | 'later' | undefined;
  let held: KillRecord[] = [];
  let loseSettlement = false;
  const timeout = () =>
    Object.assign(new Error('no answer from the API server within 10s (PUT configmaps/kube-havoc-state)'), {
      kind: 'api-unreachable',
    });
  return {
    load: () => store.load(),
    async update(change, options) {
      if (loseSettlement) {
        const before = store.state;
        const next = change(before);
        const settles = next.kills.some(
          (k) => k.result !== 'reserved' && before.kills.some((b) => b.id === k.id && b.result === 'reserved'),
        );
        await store.update(() => next, options);
        if (!settles) return store.state;
        loseSettlement = false;
        throw timeout();
      }
      if (lose === undefined) return store.update(change, options);
      const before = store.state;
      const next = change(before);
      const added = next.kills.filter((k) => !before.kills.some((b) => b.id === k.id));
      if (added.length === 0) return store.update(() => next, options);
      if (lose === 'now') await store.update(() => next, options);
      else held = added;
      lose = undefined;
      throw timeout();
    },
    loseNextReservation(applied) {
      lose = applied;
    },
    commit() {
      store.state = { ...store.state, kills: [...store.state.kills, ...held] };
      held = [];
    },
    loseNextSettlement() {
      loseSettlement = true;
    },
  };
}
