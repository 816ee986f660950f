// The opt-in contract: labels on a workload say whether, how often and how
// hard it may be hit. A bad value never guesses: that workload is skipped and
// the problem is reported with the label key and value.

import { parseDuration } from '../duration.ts';
import { withoutCredentials } from '../redactor.ts';
import { MUST_BE_HTTP, NO_ALLOW_LIST, probeUrlRefusal, type ProbeRules } from './probeTarget.ts';

export const KILL_MODES = ['one', 'fixed', 'fixed-percent', 'random-max-percent', 'all'] as const;
export type KillMode = (typeof KILL_MODES)[number];

const KUBE_MONKEY_MODES: Record<string, KillMode> = {
  'kill-all': 'all',
  fixed: 'fixed',
  'fixed-percent': 'fixed-percent',
  'random-max-percent': 'random-max-percent',
};

export interface WorkloadPolicy {
  /** Mean business seconds between kills. */
  readonly mtbfSeconds: number;
  readonly mode: KillMode;
  /** Pods for `fixed`, percent for the percent modes. */
  readonly value?: number;
  readonly probeUrl?: string;
  /** Which contract opted it in: havoc's labels or kube-monkey's. */
  readonly source: 'havoc' | 'kube-monkey';
}

export interface LabelProblem {
  readonly field: string;
  readonly value: string;
  readonly message: string;
}

export interface PolicyOptions {
  readonly prefix: string;
  readonly kubeMonkey: boolean;
  readonly defaultMtbfSeconds: number;
  /** Length of one business day: a `d` in an MTBF. */
  readonly businessDaySeconds: number;
  /** The probe address policy's allow-list; absent: the default policy alone. */
  readonly probe?: ProbeRules;
}

export type PolicyResult =
  | { readonly optedIn: false }
  | { readonly optedIn: true; readonly policy: WorkloadPolicy }
  | { readonly optedIn: true; readonly problems: readonly LabelProblem[] };

type Labels = Readonly<Record<string, string>>;

/** How one label contract spells opt-in, MTBF and kill mode. */
interface Contract {
  readonly source: WorkloadPolicy['source'];
  readonly prefix: string;
  readonly on: string;
  readonly off: readonly string[];
  readonly enabledMessage: string;
  readonly mtbf: (text: string) => number | undefined;
  readonly mtbfMessage: string;
  readonly modes: Readonly<Record<string, KillMode>>;
}

/** Where the contract is read: labels opt in and tune, annotations carry the probe URL (a workload, or its metadata). */
export interface PolicyMetadata {
  readonly labels: Labels;
  readonly annotations: Labels;
  /** The workload's namespace, whose Services a probe may reach by default; absent: only the allow-list. */
  readonly ref?: { readonly namespace: string };
}

export function parsePolicy(metadata: PolicyMetadata, options: PolicyOptions): PolicyResult {
  const { labels } = metadata;
  const havoc: Contract = {
    source: 'havoc',
    prefix: `${options.prefix}/`,
    on: 'true',
    off: ['false'],
    enabledMessage: 'must be "true" or "false"',
    mtbf: (text) => {
      const seconds = parseDuration(text, { daySeconds: options.businessDaySeconds });
      return seconds instanceof Error ? undefined : seconds;
    },
    mtbfMessage: 'must be a duration such as 30m, 8h, 2d (d = one business day)',
    modes: Object.fromEntries(KILL_MODES.map((m) => [m, m])),
  };
  const kubeMonkey: Contract = {
    source: 'kube-monkey',
    prefix: 'kube-monkey/',
    on: 'enabled',
    off: ['disabled', 'false'],
    enabledMessage: 'must be "enabled"',
    // kube-monkey counts the MTBF in whole weekdays.
    mtbf: (text) => (/^[1-9]\d*$/.test(text) ? Number(text) * options.businessDaySeconds : undefined),
    mtbfMessage: 'must be a whole number of days of at least 1',
    modes: KUBE_MONKEY_MODES,
  };
  const probeKey = `${options.prefix}/probe-url`;
  if (labels[`${havoc.prefix}enabled`] !== undefined) return parseWith(havoc, metadata, probeKey, options);
  if (options.kubeMonkey && labels['kube-monkey/enabled'] !== undefined)
    return parseWith(kubeMonkey, metadata, probeKey, options);
  return { optedIn: false };
}

function parseWith(c: Contract, metadata: PolicyMetadata, probeKey: string, options: PolicyOptions): PolicyResult {
  const { labels, annotations } = metadata;
  const key = (name: string) => `${c.prefix}${name}`;
  const enabled = labels[key('enabled')] ?? '';
  if (enabled !== c.on) {
    // Anything but the "on" word is out, but a typo such as "ture" deserves a warning.
    if (c.off.includes(enabled)) return { optedIn: false };
    return { optedIn: true, problems: [{ field: key('enabled'), value: enabled, message: c.enabledMessage }] };
  }
  const problems: LabelProblem[] = [];
  let mtbfSeconds = options.defaultMtbfSeconds;
  const mtbf = labels[key('mtbf')];
  if (mtbf !== undefined) {
    const parsed = c.mtbf(mtbf);
    if (parsed === undefined) problems.push({ field: key('mtbf'), value: mtbf, message: c.mtbfMessage });
    else mtbfSeconds = parsed;
  }
  const modeText = labels[key('kill-mode')];
  const mode = modeText === undefined ? 'one' : c.modes[modeText];
  if (mode === undefined)
    problems.push({
      field: key('kill-mode'),
      value: modeText ?? '',
      message: `must be one of ${Object.keys(c.modes).join(', ')}`,
    });
  const value = killValue(mode, labels[key('kill-value')], key('kill-value'), problems);
  const probeUrl = probe(annotations[probeKey], probeKey, problems, {
    namespace: metadata.ref?.namespace ?? '',
    rules: options.probe ?? NO_ALLOW_LIST,
  });
  if (problems.length > 0 || mode === undefined) return { optedIn: true, problems };
  return {
    optedIn: true,
    policy: { mtbfSeconds, mode, ...(value === undefined ? {} : { value }), ...(probeUrl ? { probeUrl } : {}), source: c.source },
  };
}

function killValue(
  mode: KillMode | undefined,
  text: string | undefined,
  field: string,
  problems: LabelProblem[],
): number | undefined {
  if (mode === undefined || mode === 'one' || mode === 'all') return undefined;
  if (text === undefined) {
    problems.push({ field, value: '', message: `is required with kill-mode ${mode}` });
    return undefined;
  }
  // A "%" only makes sense for the percent modes; "3%" as a pod count is a mistake, not 3.
  const pattern = mode === 'fixed' ? /^\d+$/ : /^\d+%?$/;
  const number = pattern.test(text) ? Number(text.replace('%', '')) : Number.NaN;
  if (mode === 'fixed' && !(Number.isInteger(number) && number >= 1)) {
    problems.push({ field, value: text, message: 'must be a whole number of pods of at least 1' });
    return undefined;
  }
  if (mode !== 'fixed' && !(number >= 1 && number <= 100)) {
    problems.push({ field, value: text, message: 'must be a percentage from 1 to 100' });
    return undefined;
  }
  return number;
}

function probe(
  url: string | undefined,
  field: string,
  problems: LabelProblem[],
  scope: Parameters<typeof probeUrlRefusal>[1],
): string | undefined {
  if (url === undefined) return undefined;
  const refused = probeUrlRefusal(url, scope);
  if (refused !== undefined) {
    // The value is echoed into Events and logs: never the credentials it may carry.
    const message = refused === MUST_BE_HTTP ? refused : `refused by the probe address policy: ${refused}`;
    problems.push({ field, value: withoutCredentials(url), message });
    return undefined;
  }
  return url;
}
