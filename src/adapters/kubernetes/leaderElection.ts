// Leader election on a coordination.k8s.io/v1 Lease in the daemon's namespace,
// so with several replicas exactly one acts. Every write carries the
// resourceVersion it read (optimistic concurrency), so two candidates can
// never both win one round.
//
// Timing, with D = lease duration and R = renew interval (D >= 2R):
// - a candidate counts expiry from when it first *saw* the current lease
//   version, not from the holder's renewTime, so clock skew between nodes
//   cannot make it take over early;
// - both the leader's term and a candidate's wait run on the monotonic
//   clock: a step of the wall clock (NTP, an operator) moves neither;
// - a renewal that finds the Lease gone (deleted by hand) ends the term at
//   once, as a lost race does: a standby may create it and lead at once;
// - the leader stops acting D - R after the start of its last successful
//   renewal, a full R before any candidate may take over;
// - a dead leader is replaced within about D + 2R; a leader that stops
//   cleanly releases the lease and is replaced within about R;
// - after a failed attempt (an API error, not a lost race) the next comes
//   after RETRY_SECONDS, not R: a leader rides out a short API outage within
//   its term, and a healthy one costs one write per R and nothing else.
// The defaults (D = 3 min, R = 1 min) and why: docs/reliability.md, "Leader election".

import { CoordinationV1Api, V1MicroTime, type KubeConfig, type V1Lease, type V1ObjectMeta } from '@kubernetes/client-node';
import type { Occurrence } from '../../domain/occurrence.ts';
import type { Clock, Log } from '../../domain/ports.ts';
import { isConflict, isNotFound, toKubernetesError } from './errors.ts';
import { decideLease, stillLeader } from './leaseDecision.ts';

/** Wait after a failed attempt, when shorter than the renew interval (client-go's retryPeriod is 2 s). */
export const RETRY_SECONDS = 5;

export type LeaseApi = Pick<CoordinationV1Api, 'readNamespacedLease' | 'createNamespacedLease' | 'replaceNamespacedLease'>;

export interface LeaderElectorOptions {
  readonly kubeConfig?: KubeConfig;
  /** Used instead of a client made from kubeConfig. */
  readonly leaseApi?: LeaseApi;
  readonly namespace: string;
  readonly leaseName: string;
  /** Unique per replica: the pod name. */
  readonly identity: string;
  readonly leaseDurationSeconds: number;
  readonly renewIntervalSeconds: number;
  readonly clock: Clock;
  readonly log: Log;
  readonly onChange?: (leader: boolean) => void;
  /** Announces API failures (`error` occurrences, counted by kind). */
  readonly report?: (occurrence: Occurrence) => void;
  /** Labels and annotations every write of the Lease carries (the install's advertisement): no request of its own. */
  readonly advertise?: { readonly labels: Record<string, string>; readonly annotations: Record<string, string> };
}

export interface LeaderElector {
  /** Makes the first attempt, then keeps renewing or looking every renew interval (sooner again after a failure). */
  start(): Promise<void>;
  /** Stops acting at once, then releases the lease so another replica takes over without waiting. */
  stop(): Promise<void>;
  isLeader(): boolean;
  /** One acquire-or-renew attempt (the loop's step; tests drive it directly). */
  refresh(): Promise<boolean>;
}

export function createLeaderElector(options: LeaderElectorOptions): LeaderElector {
  const { namespace, leaseName: name, identity, clock, log } = options;
  const api = options.leaseApi ?? options.kubeConfig?.makeApiClient(CoordinationV1Api);
  if (api === undefined) throw new Error('createLeaderElector needs kubeConfig or leaseApi');
  const { leaseDurationSeconds: lease, renewIntervalSeconds: renew } = options;
  if (!(lease >= 2 * renew && renew > 0)) {
    throw new Error(`leader election: leaseDuration (${lease}s) must be at least twice renewInterval (${renew}s)`);
  }
  const renewDeadlineMs = (lease - renew) * 1000;
  const retrySeconds = Math.min(RETRY_SECONDS, renew);
  const stopping = new AbortController();
  let known: V1Lease | undefined; // the Lease as we last read or wrote it
  // Both on the monotonic clock (ms): the wall clock is only written into the Lease, for people to read.
  let observed = { version: '', at: 0 };
  let renewedAt: number | undefined;
  let announced = false;
  let failing: string | undefined; // kind of the current failure streak
  let loop: Promise<void> | undefined;

  const isLeader = () => !stopping.signal.aborted && stillLeader(renewedAt, clock.monotonicMs(), renewDeadlineMs);
  const notify = () => {
    const leader = isLeader();
    if (leader === announced) return;
    announced = leader;
    log.info({ lease: `${namespace}/${name}`, identity, leader }, leader ? 'became leader' : 'no longer leader');
    options.onChange?.(leader);
  };
  const read = async (): Promise<V1Lease | undefined> => {
    try {
      return await api.readNamespacedLease({ namespace, name });
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  };
  const spec = (now: Date, acquiring: boolean) => {
    const previous = known?.spec ?? {};
    const changedHands = acquiring && (previous.holderIdentity ?? '') !== '' && previous.holderIdentity !== identity;
    return {
      ...previous,
      holderIdentity: identity,
      leaseDurationSeconds: options.leaseDurationSeconds,
      renewTime: new V1MicroTime(now.getTime()),
      ...(acquiring || previous.acquireTime === undefined ? { acquireTime: new V1MicroTime(now.getTime()) } : {}),
      leaseTransitions: (previous.leaseTransitions ?? 0) + (changedHands ? 1 : 0),
    };
  };

  const advertised = (metadata: V1ObjectMeta): V1ObjectMeta => {
    const extra = options.advertise;
    if (extra === undefined) return metadata;
    return {
      ...metadata,
      labels: { ...metadata.labels, ...extra.labels },
      annotations: { ...metadata.annotations, ...extra.annotations },
    };
  };

  /** `now` on the wall clock (written into the Lease), `started` on the monotonic clock (what counts). */
  const attempt = async (now: Date, started: number): Promise<void> => {
    // The holder skips the read: its last write is the current version unless
    // someone else wrote, and then the write below fails with a conflict.
    if (!(isLeader() && known !== undefined)) known = await read();
    const version = known?.metadata?.resourceVersion ?? '';
    if (version !== observed.version) observed = { version, at: started };
    const lease =
      known === undefined
        ? undefined
        : {
            holder: known.spec?.holderIdentity ?? '',
            durationSeconds: known.spec?.leaseDurationSeconds ?? options.leaseDurationSeconds,
          };
    const decision = decideLease({
      lease,
      identity,
      now: started,
      observedAt: observed.at,
      defaultDurationSeconds: options.leaseDurationSeconds,
    });
    if (decision.action === 'wait') {
      renewedAt = undefined;
      return;
    }
    const body: V1Lease =
      decision.action === 'create'
        ? {
            apiVersion: 'coordination.k8s.io/v1',
            kind: 'Lease',
            metadata: advertised({ name, namespace }),
            spec: spec(now, true),
          }
        : { ...known, metadata: advertised(known?.metadata ?? {}), spec: spec(now, decision.action === 'acquire') };
    known =
      decision.action === 'create'
        ? await api.createNamespacedLease({ namespace, body })
        : await api.replaceNamespacedLease({ namespace, name, body });
    renewedAt = started; // the start of the request: the conservative end of our term
    observed = { version: known.metadata?.resourceVersion ?? '', at: started };
  };

  const refresh = async (): Promise<boolean> => {
    const now = clock.now();
    const started = clock.monotonicMs();
    try {
      try {
        await attempt(now, started);
      } catch (error) {
        if (!(isConflict(error) || isNotFound(error))) throw error;
        // Someone else wrote, or deleted the Lease: a standby may create it and lead at once, so our term ends here.
        // Then look again at once.
        if (isNotFound(error)) renewedAt = undefined;
        known = undefined;
        await attempt(now, started);
      }
    } catch (error) {
      known = undefined;
      if (isConflict(error)) {
        renewedAt = undefined; // lost the race twice: the other candidate holds it
      } else {
        const failure = toKubernetesError(error, `renew Lease ${namespace}/${name}`);
        log.warn(
          { kind: failure.kind, status: failure.status, identity, leader: isLeader() },
          `${failure.message}; retrying in ${retrySeconds}s`,
        );
        // Once per outage, not every renew interval.
        if (failing !== failure.kind)
          options.report?.({ type: 'error', at: clock.now(), kind: failure.kind, message: failure.message });
        failing = failure.kind;
        notify();
        return isLeader();
      }
    }
    failing = undefined;
    notify();
    return isLeader();
  };

  return {
    async start() {
      await refresh();
      loop = (async () => {
        while (!stopping.signal.aborted) {
          await clock.sleep((failing === undefined ? renew : retrySeconds) * 1000, stopping.signal);
          if (!stopping.signal.aborted) await refresh();
        }
      })();
    },
    async stop() {
      const held = isLeader() && known !== undefined;
      stopping.abort(); // isLeader() is false from here on
      await loop;
      renewedAt = undefined;
      notify();
      if (!held || known === undefined) return;
      const now = new V1MicroTime(clock.now().getTime());
      const { holderIdentity: _released, ...rest } = known.spec ?? {};
      try {
        // Holderless with a short duration: the next candidate acquires at its next try.
        await api.replaceNamespacedLease({
          namespace,
          name,
          body: { ...known, spec: { ...rest, leaseDurationSeconds: 1, renewTime: now, acquireTime: now } },
        });
        log.info({ lease: `${namespace}/${name}`, identity }, 'released the lease');
      } catch (error) {
        log.warn(
          { err: toKubernetesError(error, 'release Lease').message },
          'could not release the lease; another replica takes over when it expires',
        );
      }
    },
    isLeader,
    refresh,
  };
}
