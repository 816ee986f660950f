// How many pods a kill mode takes, before the blast-radius cap. The percent
// modes round down but always take at least one pod: an opted-in workload
// with a small percentage should still see chaos.

import type { WorkloadPolicy } from '../optin/workloadPolicy.ts';
import type { Random } from '../ports.ts';

/** How many of `pods` running pods the workload's mode (and its value: pods or percent) takes. */
export function killCount({ mode, value }: Pick<WorkloadPolicy, 'mode' | 'value'>, pods: number, random: Random): number {
  if (pods <= 0) return 0;
  switch (mode) {
    case 'one':
      return 1;
    case 'all':
      return pods;
    case 'fixed':
      return Math.min(pods, value ?? 1);
    case 'fixed-percent':
      return Math.max(1, Math.floor((pods * (value ?? 0)) / 100));
    case 'random-max-percent': {
      const max = Math.max(1, Math.floor((pods * (value ?? 0)) / 100));
      return 1 + Math.floor(random.next() * max);
    }
  }
}

export interface AllowanceInput {
  /** Desired replicas. */
  readonly desired: number;
  /** Ready replicas now. */
  readonly ready: number;
  readonly maxUnavailablePercent: number;
}

/** Pods that may go now without exceeding the workload's unavailability share. */
export function blastRadiusAllowance({ desired, ready, maxUnavailablePercent }: AllowanceInput): number {
  const share = Math.max(1, Math.floor((desired * maxUnavailablePercent) / 100));
  return Math.max(0, share - Math.max(0, desired - ready));
}
