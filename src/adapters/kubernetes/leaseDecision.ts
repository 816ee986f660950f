// The pure core of leader election: given the Lease as we see it, who we
// are, and when we first saw that version, create, renew, acquire or wait.
// Expiry is counted from our own observation, never from the holder's
// renewTime, so clock skew between nodes cannot make a candidate take over
// early. Times are milliseconds on the monotonic clock (Clock.monotonicMs), so
// a step of the wall clock cannot either. No I/O and no timers: unit tests walk
// through time with plain numbers.

/** What the decision reads of a Lease. */
export interface LeaseRecord {
  readonly holder?: string;
  readonly durationSeconds?: number;
}

export type LeaseDecision =
  | { readonly action: 'create' }
  | { readonly action: 'renew' }
  | { readonly action: 'acquire' }
  /** expiresAt: on the monotonic clock, in ms. */
  | { readonly action: 'wait'; readonly holder: string; readonly expiresAt: number };

export interface LeaseSituation {
  /** undefined: there is no Lease object yet. */
  readonly lease: LeaseRecord | undefined;
  readonly identity: string;
  /** Now on the monotonic clock, in ms. */
  readonly now: number;
  /** When this candidate first saw the current version of the Lease, on the monotonic clock, in ms. */
  readonly observedAt: number;
  /** Used when the Lease does not say its own duration. */
  readonly defaultDurationSeconds: number;
}

/** The pure core: given what we see and when, create, renew, acquire or wait. */
export function decideLease(s: LeaseSituation): LeaseDecision {
  if (s.lease === undefined) return { action: 'create' };
  const holder = s.lease.holder ?? '';
  if (holder === s.identity) return { action: 'renew' };
  if (holder === '') return { action: 'acquire' };
  const expiresAt = s.observedAt + (s.lease.durationSeconds ?? s.defaultDurationSeconds) * 1000;
  return s.now >= expiresAt ? { action: 'acquire' } : { action: 'wait', holder, expiresAt };
}

/** Leadership lapses on our own monotonic clock (ms) before anyone else may take the lease. */
export function stillLeader(renewedAt: number | undefined, now: number, renewDeadlineMs: number): boolean {
  return renewedAt !== undefined && now < renewedAt + renewDeadlineMs;
}
