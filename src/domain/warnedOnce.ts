// A warning said once per bad value, not at every tick: one entry per
// workload whose value is bad now (a label, a steady-state expression).
// Pruning rule: every full look at the cluster keeps only the workloads it
// still finds with a bad value, so the entries are bounded by the bad
// workloads that exist now. A workload that is deleted, opts out or is fixed
// is forgotten, and warned again if it comes back with a bad value: by then
// the earlier warning Event has expired (the API server keeps Events an hour).

export interface WarnedOnce {
  /** True the first time `key` shows `signature` (also after another signature, or after it was forgotten). */
  first(key: string, signature: string): boolean;
  /** Forgets one workload (its value is good now). */
  forget(key: string): void;
  /** Forgets every workload not in `present`. */
  retain(present: ReadonlySet<string>): void;
  /** Workloads remembered now. */
  readonly size: () => number;
}

export function warnedOnce(): WarnedOnce {
  const warned = new Map<string, string>();
  return {
    first(key, signature) {
      if (warned.get(key) === signature) return false;
      warned.set(key, signature);
      return true;
    },
    forget: (key) => void warned.delete(key),
    retain(present) {
      for (const key of warned.keys()) if (!present.has(key)) warned.delete(key);
    },
    size: () => warned.size,
  };
}
