// The typed shape of the configuration, as the schema in schema.ts defines it.

import type { Weekday } from '../domain/window/businessWindow.ts';

export interface HavocConfig {
  dryRun: boolean;
  clusterName: string;
  labelPrefix: string;
  compat: { kubeMonkey: boolean };
  schedule: {
    cron: string;
    timezone: string;
    weekdays: Weekday[];
    start: string;
    end: string;
    overnight: boolean;
    excludedDates: string[];
    tickDeadline: string;
  };
  selection: { defaultMtbf: string; minPodAge: string; minTimeBetweenKills: string };
  namespaces: { include: string[]; exclude: string[]; selector: string; protected: string[]; allowOverlap: boolean };
  blastRadius: {
    maxKillsPerTick: number;
    maxKillsPerHour: number;
    maxKillsPerDay: number;
    maxUnavailablePercent: number;
    keepReadyPerZone: number;
  };
  pods: {
    method: 'evict' | 'delete';
    gracePeriodSeconds: number | null;
    probeTimeout: string;
    probeAllowHosts: string[];
    probeAllowCidrs: string[];
    recoveryTimeout: string;
    recoveryPollInterval: string;
  };
  nodes: {
    enabled: boolean;
    selector: string;
    mtbf: string;
    maxConcurrentDrains: number;
    minReadyNodes: number;
    minReadyPercent: number;
    drainDuration: string;
    drainTimeout: string;
    podEvictionTimeout: string;
    deleteEmptyDirData: boolean;
    evictBarePods: boolean;
  };
  kubernetes: { readTimeout: string; writeTimeout: string };
  slack: {
    webhookUrl: string;
    webhookUrlFile: string;
    allowInsecureHttp: boolean;
    timeout: string;
    retries: number;
    dailyPlan: boolean;
    dashboardUrl: string;
  };
  steadyState: {
    prometheus: {
      url: string;
      timeout: string;
      allowInsecureHttp: boolean;
      bearerTokenFile: string;
      basicAuthUsername: string;
      basicAuthPasswordFile: string;
      caFile: string;
    };
    blockers: string[];
    defaultHypothesis: string;
  };
  daemon: {
    namespace: string;
    podName: string;
    stateConfigMap: string;
    leaderElection: { enabled: boolean; leaseName: string; leaseDuration: string; renewInterval: string };
  };
  history: { retention: string };
  server: {
    host: string;
    port: number;
    healthHost: string;
    healthPort: number;
    kills: 'off' | 'token' | 'open';
    killsTokenFile: string;
  };
  log: { level: string; pretty: boolean; format: 'json' | 'pino' };
}
