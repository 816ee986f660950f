// Values every field accepts on its own that would break at run time: a drain
// given back while its pods are still being evicted, a Lease duration the API
// cannot hold, a renewal too quick for the requests a leader may still have in
// flight when its term ends, a poll or tick spinning faster than the floor.

import type { HavocConfig } from './config.ts';
import { parseDuration } from '../domain/duration.ts';

/** Below this, a poll or a tick's deadline would spin; node-cron's finest field is the second, so no tick comes faster. */
export const INTERVAL_FLOOR_SECONDS = 1;

export function runTimeProblems(config: HavocConfig): string[] {
  const problems: string[] = [];
  const seconds = (text: string) => {
    const value = parseDuration(text);
    return typeof value === 'number' ? value : undefined;
  };
  const nodes = config.nodes;
  const drain = seconds(nodes.drainDuration);
  const timeout = seconds(nodes.drainTimeout);
  if (drain !== undefined && timeout !== undefined && timeout >= drain) {
    problems.push(
      `nodes.drainTimeout: "${nodes.drainTimeout}" must be shorter than nodes.drainDuration "${nodes.drainDuration}": ` +
        'the node would be given back while its pods are still being evicted',
    );
  }
  const lease = config.daemon.leaderElection;
  for (const [field, text] of [
    ['leaseDuration', lease.leaseDuration],
    ['renewInterval', lease.renewInterval],
  ] as const) {
    const value = seconds(text);
    if (value !== undefined && !Number.isInteger(value))
      problems.push(
        `daemon.leaderElection.${field}: "${text}" must be a whole number of seconds (the Lease API counts whole seconds)`,
      );
  }
  const renew = seconds(lease.renewInterval);
  const { readTimeout, writeTimeout } = config.kubernetes;
  const read = seconds(readTimeout);
  const write = seconds(writeTimeout);
  // The leader stops acting a whole renewInterval before a successor may act: that margin must outlast the
  // requests the old leader may still have in flight after its last check (a read and two writes at most).
  if (lease.enabled && renew !== undefined && read !== undefined && write !== undefined && renew < read + 2 * write) {
    problems.push(
      `daemon.leaderElection.renewInterval: "${lease.renewInterval}" must be at least kubernetes.readTimeout ` +
        `"${readTimeout}" + 2 x kubernetes.writeTimeout "${writeTimeout}" (${read + 2 * write}s): ` +
        'the leader stops acting only renewInterval before a successor may act',
    );
  }
  for (const [field, text] of [
    ['pods.recoveryPollInterval', config.pods.recoveryPollInterval],
    ['daemon.leaderElection.renewInterval', lease.renewInterval],
    ['schedule.tickDeadline', config.schedule.tickDeadline],
  ] as const) {
    const value = seconds(text);
    if (value !== undefined && value < INTERVAL_FLOOR_SECONDS)
      problems.push(`${field}: "${text}" is below the floor of ${INTERVAL_FLOOR_SECONDS}s`);
  }
  return problems;
}
