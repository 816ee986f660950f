// The readiness condition `state`: whether the daemon can read and write its
// state now. The API server answers what it serves from memory (the `api`
// condition's evidence: watch events, bookmarks) also while etcd is stopped;
// the state's reads and writes go to etcd.
// The evidence is the daemon's own traffic to its state, so nothing is polled
// for it: a write that fails (timeout, 5xx, conflicts to the end) or a read
// that fails makes the condition unmet. A write that goes through meets it
// again; a read does too after a failed read, but not after a failed write
// (an etcd out of space still serves reads). A failure counts for
// `holdSeconds` after the last one: writes that keep failing renew it at every
// tick, so the condition does not flap, and a daemon that writes nothing
// (paused, outside its window, standby) is not held unready by one old failure.

import { readKillSwitch } from '../../domain/killSwitch.ts';
import type { Clock, Log, StateStore } from '../../domain/ports.ts';

export interface StateReadinessOptions {
  readonly clock: Pick<Clock, 'now'>;
  /** How long a failure counts when nothing succeeds since. */
  readonly holdSeconds: number;
  readonly log: Log;
}

export interface StateReadiness {
  /** The store, every read and write of it observed. */
  watch(store: StateStore): StateStore;
  /** Why the condition is unmet now, or undefined (a readiness check). */
  problem(): string | undefined;
}

interface Failure {
  readonly of: 'read' | 'write';
  readonly at: number;
  readonly reason: string;
}

export function createStateReadiness(options: StateReadinessOptions): StateReadiness {
  const { clock, log } = options;
  let failure: Failure | undefined;
  const now = () => clock.now().getTime();
  const text = (f: Failure) => `the state cannot be ${f.of === 'write' ? 'written' : 'read'}: ${f.reason}`;

  const failed = (of: Failure['of'], error: unknown) => {
    const first = failure === undefined;
    // A failed write is undone only by a write, whatever fails after it.
    failure = { of: failure?.of === 'write' ? 'write' : of, at: now(), reason: (error as Error).message };
    if (first) log.warn({ reason: failure.reason }, `not ready: ${text(failure)}`);
  };
  const succeeded = (of: Failure['of']) => {
    if (failure === undefined || (of === 'read' && failure.of === 'write')) return;
    failure = undefined;
    log.info({}, `state ${of === 'write' ? 'written' : 'read'} again: ready`);
  };

  const observedRead = async <T>(read: () => Promise<T>): Promise<T> => {
    try {
      const value = await read();
      succeeded('read');
      return value;
    } catch (error) {
      failed('read', error);
      throw error;
    }
  };

  return {
    watch: (store) => ({
      load: () => observedRead(() => store.load()),
      // The kill-switch check of each drain pass and further victim: a read like load() (metadata only, when it can).
      killSwitch: () => observedRead(() => readKillSwitch(store)),
      async update(change, updateOptions) {
        // What `change` throws (the state at its bound, a reservation refused) is the daemon's refusal: nothing was
        // sent. Only the refusal that ends the update counts as one: the store may judge a change on its last copy,
        // be refused there, and then fail the fresh read or the write.
        let refusal: unknown;
        const refusing: typeof change = (state) => {
          try {
            return change(state);
          } catch (error) {
            refusal = error;
            throw error;
          }
        };
        try {
          const written = await store.update(refusing, updateOptions);
          succeeded('write');
          return written;
        } catch (error) {
          if (refusal !== undefined && error === refusal) succeeded('read');
          else failed('write', error);
          throw error;
        }
      },
    }),
    problem() {
      if (failure === undefined) return undefined;
      if (now() - failure.at < options.holdSeconds * 1000) return text(failure);
      log.info(
        { reason: failure.reason },
        `no state read or write failed for ${options.holdSeconds} s: the last failure no longer counts; ready`,
      );
      failure = undefined;
      return undefined;
    },
  };
}
