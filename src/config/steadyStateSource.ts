// Builds the steady-state gate from the configuration, or nothing when no
// Prometheus is configured (then the steady state is ready replicas plus the probe).

import { createPrometheusSource } from '../adapters/prometheus/prometheusSource.ts';
import { durationSeconds } from '../domain/duration.ts';
import type { Occurrence } from '../domain/occurrence.ts';
import type { Clock, MetricsSource } from '../domain/ports.ts';
import { createSteadyStateGate, type SteadyStateGate } from '../domain/steadyState/steadyStateGate.ts';
import type { HavocConfig } from './config.ts';

export function prometheusFromConfig(config: HavocConfig): MetricsSource | undefined {
  const p = config.steadyState.prometheus;
  if (p.url === '') return undefined;
  return createPrometheusSource({
    url: p.url,
    timeoutMs: durationSeconds(p.timeout) * 1000,
    ...(p.bearerTokenFile === '' ? {} : { bearerTokenFile: p.bearerTokenFile }),
    ...(p.basicAuthUsername === ''
      ? {}
      : { basicAuth: { username: p.basicAuthUsername, passwordFile: p.basicAuthPasswordFile } }),
    ...(p.caFile === '' ? {} : { caFile: p.caFile }),
  });
}

export function steadyStateGateFromConfig(options: {
  readonly config: HavocConfig;
  readonly clock: Clock;
  readonly report: (o: Occurrence) => void;
  readonly source?: MetricsSource;
}): SteadyStateGate | undefined {
  const source = options.source ?? prometheusFromConfig(options.config);
  if (source === undefined) return undefined;
  return createSteadyStateGate({
    source,
    clock: options.clock,
    report: options.report,
    prefix: options.config.labelPrefix,
    defaultHypothesis: options.config.steadyState.defaultHypothesis,
    blockers: options.config.steadyState.blockers,
  });
}
