// Turns the validated configuration into the domain's typed settings, once.

import { durationSeconds } from '../domain/duration.ts';
import { parseCidr } from '../domain/optin/ipAddress.ts';
import { parseLabelSelector, type LabelSelector } from '../domain/selection/labelSelector.ts';
import type { Settings } from '../domain/settings.ts';
import { createBusinessWindow } from '../domain/window/businessWindow.ts';
import type { HavocConfig } from './config.ts';

/** Namespaces chaos never touches, whatever the configuration says. */
export const ALWAYS_PROTECTED = ['kube-system'] as const;

export function toSettings(config: HavocConfig): Settings {
  const window = createBusinessWindow(config.schedule);
  const selector = (text: string): LabelSelector => {
    const parsed = parseLabelSelector(text);
    if (parsed instanceof Error) throw parsed;
    return parsed;
  };
  return {
    dryRun: config.dryRun,
    clusterName: config.clusterName,
    window,
    policy: {
      prefix: config.labelPrefix,
      kubeMonkey: config.compat.kubeMonkey,
      defaultMtbfSeconds: durationSeconds(config.selection.defaultMtbf, { daySeconds: window.daySeconds }),
      businessDaySeconds: window.daySeconds,
      probe: {
        allowHosts: config.pods.probeAllowHosts,
        allowCidrs: config.pods.probeAllowCidrs.map((text) => {
          const cidr = parseCidr(text);
          if (cidr instanceof Error) throw cidr;
          return cidr;
        }),
      },
    },
    namespaces: {
      include: new Set(config.namespaces.include),
      exclude: new Set(config.namespaces.exclude),
      selector: selector(config.namespaces.selector),
      protected: new Set([...ALWAYS_PROTECTED, config.daemon.namespace, ...config.namespaces.protected]),
    },
    minPodAgeSeconds: durationSeconds(config.selection.minPodAge),
    minGapSeconds: durationSeconds(config.selection.minTimeBetweenKills),
    caps: {
      perTick: config.blastRadius.maxKillsPerTick,
      perHour: config.blastRadius.maxKillsPerHour,
      perDay: config.blastRadius.maxKillsPerDay,
    },
    maxUnavailablePercent: config.blastRadius.maxUnavailablePercent,
    keepReadyPerZone: config.blastRadius.keepReadyPerZone,
    recovery: {
      timeoutSeconds: durationSeconds(config.pods.recoveryTimeout),
      pollSeconds: durationSeconds(config.pods.recoveryPollInterval),
    },
    self: { namespace: config.daemon.namespace, podName: config.daemon.podName },
    nodes: {
      enabled: config.nodes.enabled,
      selector: selector(config.nodes.selector === '' ? `${config.labelPrefix}/enabled=true` : config.nodes.selector),
      mtbfSeconds: durationSeconds(config.nodes.mtbf, { daySeconds: window.daySeconds }),
      maxConcurrentDrains: config.nodes.maxConcurrentDrains,
      minReadyNodes: config.nodes.minReadyNodes,
      minReadyPercent: config.nodes.minReadyPercent,
      drainSeconds: durationSeconds(config.nodes.drainDuration),
    },
    tickDeadlineSeconds: durationSeconds(config.schedule.tickDeadline),
    writeTimeoutSeconds: durationSeconds(config.kubernetes.writeTimeout),
  };
}
