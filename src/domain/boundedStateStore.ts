// Every write of the hot state goes through here: compacted by the rules of
// state.ts, and never larger than its bound. A write past the bound is not
// sent (the API server would refuse it, and the state would stop changing);
// a reservation has a lower ceiling, so what must always be written (a
// settlement, a verdict, the kill switch) still fits when chaos is refused.

import { readKillSwitch } from './killSwitch.ts';
import type { Clock, StateStore, UpdateOptions } from './ports.ts';
import { compactState, stateBytes, STATE_BOUNDS, type CompactRules } from './state.ts';

/** The state would pass its bound: nothing was written. */
export class StateFull extends Error {
  readonly bytes: number;
  readonly limit: number;
  constructor(bytes: number, limit: number) {
    super(`the state would be ${bytes} bytes, over its bound of ${limit}: nothing was written`);
    this.name = 'StateFull';
    this.bytes = bytes;
    this.limit = limit;
  }
}

export interface BoundedStateStoreOptions {
  readonly store: StateStore;
  readonly clock: Clock;
  /** How the daemon compacts; without rules (the CLI, which does not know the daemon's gap) only the bound holds. */
  readonly compact?: CompactRules;
}

export function boundedStateStore({ store, clock, compact }: BoundedStateStoreOptions): StateStore {
  return {
    load: () => store.load(),
    killSwitch: () => readKillSwitch(store),
    update(change, options: UpdateOptions = {}) {
      const limit = Math.min(options.maxBytes ?? STATE_BOUNDS.writeBytes, STATE_BOUNDS.writeBytes);
      return store.update((state) => {
        const changed = change(state);
        let next = compact ? compactState(changed, clock.now(), compact) : changed;
        let bytes = stateBytes(next);
        // The old records kept for a move into the history give way to the bound: they are
        // compacted as any other (migratingStateStore sees `unmoved` shrink and reports the loss).
        if (bytes > limit && compact && (next.unmoved?.length ?? 0) > 0) {
          next = compactState(changed, clock.now(), compact, false);
          bytes = stateBytes(next);
        }
        if (bytes > limit) throw new StateFull(bytes, limit);
        return next;
      });
    },
  };
}
