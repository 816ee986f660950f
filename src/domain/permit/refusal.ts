// Why a disruption may not happen now: an outcome with its reason, reported
// as a skip, never an error.

import type { SkipReason } from '../occurrence.ts';

export interface Refusal {
  readonly reason: SkipReason;
  readonly detail: string;
}

export function isRefusal(value: object | undefined): value is Refusal {
  return value !== undefined && 'reason' in value && 'detail' in value && !('workload' in value);
}
