// The chaos round's dependencies over the fakes, for the tests that run whole
// ticks: a live round (dry run off, the Berlin window of testSettings),
// evicting, a probe that always answers ok, a seeded random. A test names only
// what its case is about, and keeps the fakes it inspects.

import type { ChaosRoundDeps } from '../../../src/domain/round/chaosRound.ts';
import type { StateStore } from '../../../src/domain/ports.ts';
import { seededRandom } from '../../../src/domain/random.ts';
import { fakeClock, type FakeClock } from './fakeClock.ts';
import { fakeCluster, type FakeCluster } from './fakeCluster.ts';
import { memoryStateStore, type MemoryStateStore } from './memoryStateStore.ts';
import { recorder } from './recordingListener.ts';
import { testSettings } from './settings.ts';

/** Friday 2026-11-20 10:00 in Berlin: inside the 09:00-17:00 window. */
const FRIDAY = new Date('2026-11-20T09:00:00Z');

export interface RoundDepsOptions<S extends StateStore = MemoryStateStore> extends Partial<
  Omit<ChaosRoundDeps, 'settings' | 'cluster' | 'state' | 'clock' | 'random'>
> {
  /** Environment over testSettings' defaults. */
  readonly env?: Record<string, string>;
  /** The cluster, also the killer unless `killer` is given; empty by default. */
  readonly cluster?: FakeCluster;
  /** The state; a new memory store by default (a test that makes writes fail passes its own). */
  readonly store?: S;
  /** A clock the test shares (with a steady-state gate, another round); `at` and `heals` then do not apply. */
  readonly clock?: FakeClock;
  /** Where a new clock starts; FRIDAY by default. */
  readonly at?: Date;
  /** Whether a sleep of the new clock heals the cluster (the controller replacing killed pods); true by default. */
  readonly heals?: boolean;
  /** Seed of the random (7 by default): a case's victims depend on it. */
  readonly seed?: number;
}

export function roundDeps<S extends StateStore = MemoryStateStore>(options: RoundDepsOptions<S> = {}) {
  const {
    env,
    cluster = fakeCluster([]),
    // Without a store of its own the test gets a memory store, which is the default S.
    store = memoryStateStore() as StateStore as S,
    clock: shared,
    at = FRIDAY,
    heals = true,
    seed = 7,
    ...overrides
  } = options;
  const clock = shared ?? fakeClock(at, heals ? { onSleep: (c) => cluster.heal(c.now()) } : {});
  /** What the round reports, unless the test routes `report` elsewhere. */
  const events = recorder();
  const deps: ChaosRoundDeps = {
    settings: testSettings(env),
    cluster,
    killer: cluster,
    state: store,
    clock,
    random: seededRandom(seed),
    report: events.report,
    podMethod: 'evict',
    probe: { check: async () => ({ ok: true }) },
    // An option given as undefined keeps its default, so a test can pass its own optional values through.
    ...(Object.fromEntries(Object.entries(overrides).filter(([, value]) => value !== undefined)) as typeof overrides),
  };
  return { deps, cluster, clock, store, events };
}
