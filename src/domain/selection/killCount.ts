// How many pods a kill mode takes, before the blast-radius cap. The percent
// modes round down but always take at least one pod: an opted-in workload
// with a small percentage should still see chaos.

import type { KillMode } from '../optin/workloadPolicy.ts';
import type { Random } from '../ports.ts';

export function killCount(mode: KillMode, value: number | undefined, pods: number, random: Random): number {
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

/** Pods that may go now without exceeding the workload's unavailability share. */
export function blastRadiusAllowance(desired: number, ready: number, maxUnavailablePercent: number): number {
  const share = Math.max(1, Math.floor((desired * maxUnavailablePercent) / 100));
  return Math.max(0, share - Math.max(0, desired - ready));
}
