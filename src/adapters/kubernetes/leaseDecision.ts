// The pure core of leader election: given the Lease as we see it, who we
// are, and when we first saw that version, create, renew, acquire or wait.
// Expiry is counted from our own observation, never from the holder's
// renewTime, so clock skew between nodes cannot make a candidate take over
// early. No I/O and no timers: unit tests walk through time with plain dates.

/** What the decision reads of a Lease. */
export interface LeaseRecord {
  readonly holder?: string;
  readonly durationSeconds?: number;
}

export type LeaseDecision =
  | { readonly action: 'create' }
  | { readonly action: 'renew' }
  | { readonly action: 'acquire' }
  | { readonly action: 'wait'; readonly holder: string; readonly expiresAt: Date };

export interface LeaseSituation {
  /** undefined: there is no Lease object yet. */
  readonly lease: LeaseRecord | undefined;
  readonly identity: string;
  readonly now: Date;
  /** When this candidate first saw the current version of the Lease. */
  readonly observedAt: Date;
  /** Used when the Lease does not say its own duration. */
  readonly defaultDurationSeconds: number;
}

/** The pure core: given what we see and when, create, renew, acquire or wait. */
export function decideLease(s: LeaseSituation): LeaseDecision {
  if (s.lease === undefined) return { action: 'create' };
  const holder = s.lease.holder ?? '';
  if (holder === s.identity) return { action: 'renew' };
  if (holder === '') return { action: 'acquire' };
  const expiresAt = new Date(s.observedAt.getTime() + (s.lease.durationSeconds ?? s.defaultDurationSeconds) * 1000);
  return s.now.getTime() >= expiresAt.getTime() ? { action: 'acquire' } : { action: 'wait', holder, expiresAt };
}

/** Leadership lapses on our own clock before anyone else may take the lease. */
export function stillLeader(renewedAt: Date | undefined, now: Date, renewDeadlineMs: number): boolean {
  return renewedAt !== undefined && now.getTime() < renewedAt.getTime() + renewDeadlineMs;
}
