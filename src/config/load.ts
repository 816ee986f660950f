// Loads the configuration once: defaults, then the YAML file, then HAVOC_*
// environment variables. Every problem is collected and reported together,
// each naming the field and the value, before the daemon does anything.

import { readFileSync } from 'node:fs';
import convict from 'convict';
import { parse as parseYaml } from 'yaml';
import type { HavocConfig } from './config.ts';
import { formats } from './formats.ts';
import { havocSchema, withEnvNames } from './schema.ts';
import { parseDuration } from '../domain/duration.ts';
import { isLoopbackHost } from '../domain/optin/ipAddress.ts';
import { withoutCredentials } from '../domain/redactor.ts';
import { windowProblems } from '../domain/window/businessWindow.ts';
import { STATE_BOUNDS, worstCaseStateBytes } from '../domain/state.ts';
import { runTimeProblems } from './runTimeProblems.ts';

export class ConfigError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[], options?: { cause?: unknown }) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`, options);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

export interface LoadOptions {
  /** Path of a YAML file; undefined loads the defaults (and env). */
  readonly file?: string;
  readonly env: Readonly<Record<string, string | undefined>>;
}

let registered = false;
function registerFormats(): void {
  if (registered) return;
  convict.addParser({ extension: ['yaml', 'yml'], parse: parseYaml });
  for (const format of Object.values(formats)) convict.addFormat(format);
  registered = true;
}

export function loadConfig(options: LoadOptions): HavocConfig {
  registerFormats();
  const env = Object.fromEntries(Object.entries(options.env).filter(([, v]) => v !== undefined)) as Record<string, string>;
  let config: convict.Config<HavocConfig>;
  try {
    config = convict<HavocConfig>(withEnvNames(havocSchema()) as convict.Schema<HavocConfig>, { env, args: [] });
    if (options.file !== undefined) config.loadFile(options.file);
  } catch (error) {
    throw new ConfigError([describeLoadError(options.file, error)], { cause: error });
  }
  const problems: string[] = [];
  try {
    config.validate({ allowed: 'strict' });
  } catch (error) {
    problems.push(
      ...String((error as Error).message)
        .split('\n')
        .filter((line) => line.trim() !== ''),
    );
  }
  const value = config.getProperties();
  const seen = new Set(problems.map((p) => p.split(':')[0]));
  problems.push(...crossFieldProblems(value).filter((p) => !seen.has(p.split(':')[0])));
  if (problems.length > 0) throw new ConfigError(problems);
  const loaded = withWebhookFromFile(value);
  const clear = webhookTlsProblems(loaded);
  if (clear.length > 0) throw new ConfigError(clear);
  return loaded;
}

function describeLoadError(file: string | undefined, error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if ((error as NodeJS.ErrnoException).code === 'ENOENT') return `config file "${file}" does not exist`;
  return `config file "${file}" could not be read: ${message}`;
}

function crossFieldProblems(config: HavocConfig): string[] {
  const problems = windowProblems(config.schedule).map((p) => `schedule.${p.field}: ${p.message}`);
  const lease = config.daemon.leaderElection;
  const leaseSeconds = parseDuration(lease.leaseDuration);
  const renewSeconds = parseDuration(lease.renewInterval);
  if (typeof leaseSeconds === 'number' && typeof renewSeconds === 'number' && leaseSeconds < 2 * renewSeconds) {
    problems.push(
      `daemon.leaderElection.leaseDuration: "${lease.leaseDuration}" ` +
        `must be at least twice renewInterval "${lease.renewInterval}", so a leader renews before another may take over`,
    );
  }
  if (config.slack.webhookUrl !== '' && config.slack.webhookUrlFile !== '') {
    problems.push('slack.webhookUrlFile: set either slack.webhookUrl or slack.webhookUrlFile, not both');
  }
  if (config.slack.webhookUrlFile !== '') {
    try {
      readFileSync(config.slack.webhookUrlFile, 'utf8');
    } catch {
      problems.push(`slack.webhookUrlFile: file "${config.slack.webhookUrlFile}" cannot be read`);
    }
  }
  problems.push(...steadyStateProblems(config.steadyState), ...serverProblems(config.server));
  problems.push(...stateBoundProblems(config.blastRadius));
  problems.push(...runTimeProblems(config));
  return problems;
}

/** The caps decide how large the hot state can grow: refused when even its worst case would not fit its bound. */
function stateBoundProblems(b: HavocConfig['blastRadius']): string[] {
  const caps = { perTick: b.maxKillsPerTick, perHour: b.maxKillsPerHour, perDay: b.maxKillsPerDay };
  const worst = worstCaseStateBytes(caps);
  if (worst <= STATE_BOUNDS.killRecordBytes) return [];
  return [
    `blastRadius.maxKillsPerDay: ${b.maxKillsPerDay} with maxKillsPerTick ${b.maxKillsPerTick} can make the state ` +
      `${worst} bytes at worst, over the ${STATE_BOUNDS.killRecordBytes} its kill records may take; lower either ` +
      `(at ${b.maxKillsPerTick} per tick, at most ${largestDay(b.maxKillsPerTick)} a day fit)`,
  ];
}

/** The largest maxKillsPerDay whose worst case fits, at this many kills per tick. */
function largestDay(perTick: number): number {
  let day = 0;
  while (worstCaseStateBytes({ perTick, perHour: day + 1, perDay: day + 1 }) <= STATE_BOUNDS.killRecordBytes) day += 1;
  return day;
}

/** An http:// URL is allowed to carry a secret only to a loopback host, and only when the switch says so. */
function inClear(text: string, allowInsecureHttp: boolean): boolean {
  if (!URL.canParse(text)) return false;
  const url = new URL(text);
  return url.protocol === 'http:' && !(allowInsecureHttp && isLoopbackHost(url.hostname.replace(/^\[(.*)\]$/, '$1')));
}

/** The webhook URL is itself the secret: https only (checked after webhookUrlFile is read). */
function webhookTlsProblems(config: HavocConfig): string[] {
  if (!inClear(config.slack.webhookUrl, config.slack.allowInsecureHttp)) return [];
  const field = config.slack.webhookUrlFile === '' ? 'slack.webhookUrl' : 'slack.webhookUrlFile';
  return [
    `${field}: must be an https URL: the webhook URL is a secret that http would carry in clear ` +
      '(slack.allowInsecureHttp allows http to a loopback host, for local tests)',
  ];
}

function serverProblems(server: HavocConfig['server']): string[] {
  return [...listenerProblems(server), ...killsProblems(server)];
}

/** The probes get a port of their own: on a shared one, whoever may probe may also read /metrics and /kills. */
function listenerProblems(server: HavocConfig['server']): string[] {
  if (server.healthPort === 0 || server.healthPort !== server.port) return [];
  return [
    `server.healthPort: ${server.healthPort} is also server.port; the health listener (/healthz, /readyz) needs a ` +
      'port of its own, so that a NetworkPolicy can admit the kubelet to the probes without admitting it to /metrics ' +
      'and /kills (e.g. 8081, or 0 for no health listener)',
  ];
}

function killsProblems(server: HavocConfig['server']): string[] {
  if (server.kills === 'token') {
    if (server.killsTokenFile === '') return ['server.killsTokenFile: server.kills "token" needs the file holding the token'];
    try {
      if (readFileSync(server.killsTokenFile, 'utf8').trim() === '')
        return [`server.killsTokenFile: file "${server.killsTokenFile}" is empty`];
    } catch {
      return [`server.killsTokenFile: file "${server.killsTokenFile}" cannot be read`];
    }
  } else if (server.killsTokenFile !== '') {
    return [`server.killsTokenFile: is set but server.kills is "${server.kills}"; set server.kills to token to use it`];
  }
  return [];
}

function steadyStateProblems(s: HavocConfig['steadyState']): string[] {
  const problems: string[] = [];
  const field = (name: string) => `steadyState.${name}`;
  const p = s.prometheus;
  if (p.url === '') {
    if (s.blockers.length > 0)
      problems.push(`${field('blockers')}: needs steadyState.prometheus.url (the alerts are read from Prometheus)`);
    if (s.defaultHypothesis !== '')
      problems.push(
        `${field('defaultHypothesis')}: needs steadyState.prometheus.url (the hypothesis is evaluated by Prometheus)`,
      );
  }
  const credential = p.bearerTokenFile !== '' ? 'bearerTokenFile' : p.basicAuthPasswordFile !== '' ? 'basicAuthPasswordFile' : '';
  const inUrl = URL.canParse(p.url) && (new URL(p.url).username !== '' || new URL(p.url).password !== '');
  if ((credential !== '' || inUrl) && inClear(p.url, p.allowInsecureHttp)) {
    const what = credential === '' ? 'the credentials in the URL' : `steadyState.prometheus.${credential}`;
    problems.push(
      `${field('prometheus.url')}: "${withoutCredentials(p.url)}" must be https: ${what} would travel in clear ` +
        '(steadyState.prometheus.allowInsecureHttp allows http to a loopback host, for local tests)',
    );
  }
  if (p.bearerTokenFile !== '' && (p.basicAuthUsername !== '' || p.basicAuthPasswordFile !== '')) {
    problems.push(`${field('prometheus.bearerTokenFile')}: set either a bearer token or basic auth, not both`);
  }
  if ((p.basicAuthUsername === '') !== (p.basicAuthPasswordFile === '')) {
    problems.push(
      `${field('prometheus.basicAuthPasswordFile')}: basic auth needs both basicAuthUsername and basicAuthPasswordFile`,
    );
  }
  for (const name of ['bearerTokenFile', 'basicAuthPasswordFile', 'caFile'] as const) {
    if (p[name] === '') continue;
    try {
      readFileSync(p[name], 'utf8');
    } catch {
      problems.push(`${field(`prometheus.${name}`)}: file "${p[name]}" cannot be read`);
    }
  }
  return problems;
}

function withWebhookFromFile(config: HavocConfig): HavocConfig {
  if (config.slack.webhookUrlFile === '') return config;
  const url = readFileSync(config.slack.webhookUrlFile, 'utf8').trim();
  if (!URL.canParse(url))
    throw new ConfigError([`slack.webhookUrlFile: file "${config.slack.webhookUrlFile}" does not hold an http(s) URL`]);
  return { ...config, slack: { ...config.slack, webhookUrl: url } };
}

/** The configuration with secrets replaced, safe to log or print. */
export function redacted(config: HavocConfig): HavocConfig {
  const prometheus = config.steadyState.prometheus;
  return {
    ...config,
    slack: { ...config.slack, webhookUrl: config.slack.webhookUrl === '' ? '' : '[redacted]' },
    steadyState: { ...config.steadyState, prometheus: { ...prometheus, url: withoutCredentials(prometheus.url) } },
  };
}
