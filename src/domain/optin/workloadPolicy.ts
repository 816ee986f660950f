// The opt-in contract: labels on a workload say whether, how often and how
// hard it may be hit. A bad value never guesses: that workload is skipped and
// the problem is reported with the label key and value.

import { parseDuration } from '../duration.ts';

export const KILL_MODES = ['one', 'fixed', 'fixed-percent', 'random-max-percent', 'all'] as const;
export type KillMode = (typeof KILL_MODES)[number];

const KUBE_MONKEY_MODES: Record<string, KillMode> = {
  'kill-all': 'all', fixed: 'fixed', 'fixed-percent': 'fixed-percent', 'random-max-percent': 'random-max-percent',
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
}

export type PolicyResult =
  | { readonly optedIn: false }
  | { readonly optedIn: true; readonly policy: WorkloadPolicy }
  | { readonly optedIn: true; readonly problems: readonly LabelProblem[] };

type Labels = Readonly<Record<string, string>>;

export function parsePolicy(labels: Labels, annotations: Labels, options: PolicyOptions): PolicyResult {
  const havoc = `${options.prefix}/`;
  if (labels[`${havoc}enabled`] !== undefined) return parseHavoc(labels, annotations, havoc, options);
  if (options.kubeMonkey && labels['kube-monkey/enabled'] !== undefined) return parseKubeMonkey(labels, annotations, havoc, options);
  return { optedIn: false };
}

function parseHavoc(labels: Labels, annotations: Labels, prefix: string, options: PolicyOptions): PolicyResult {
  const problems: LabelProblem[] = [];
  const enabled = labels[`${prefix}enabled`] ?? '';
  if (enabled !== 'true') {
    // Anything but "true" is out, but a typo such as "ture" deserves a warning.
    if (enabled === 'false') return { optedIn: false };
    return { optedIn: true, problems: [{ field: `${prefix}enabled`, value: enabled, message: 'must be "true" or "false"' }] };
  }
  let mtbfSeconds = options.defaultMtbfSeconds;
  const mtbf = labels[`${prefix}mtbf`];
  if (mtbf !== undefined) {
    const parsed = parseDuration(mtbf, { daySeconds: options.businessDaySeconds });
    if (parsed instanceof Error) problems.push({ field: `${prefix}mtbf`, value: mtbf, message: 'must be a duration such as 30m, 8h, 2d (d = one business day)' });
    else mtbfSeconds = parsed;
  }
  const modeText = labels[`${prefix}kill-mode`] ?? 'one';
  const mode = (KILL_MODES as readonly string[]).includes(modeText) ? modeText as KillMode : undefined;
  if (mode === undefined) problems.push({ field: `${prefix}kill-mode`, value: modeText, message: `must be one of ${KILL_MODES.join(', ')}` });
  const value = killValue(mode, labels[`${prefix}kill-value`], `${prefix}kill-value`, problems);
  const probeUrl = probe(annotations[`${prefix}probe-url`], `${prefix}probe-url`, problems);
  if (problems.length > 0 || mode === undefined) return { optedIn: true, problems };
  return { optedIn: true, policy: { mtbfSeconds, mode, ...(value === undefined ? {} : { value }), ...(probeUrl ? { probeUrl } : {}), source: 'havoc' } };
}

function parseKubeMonkey(labels: Labels, annotations: Labels, havocPrefix: string, options: PolicyOptions): PolicyResult {
  const problems: LabelProblem[] = [];
  const enabled = labels['kube-monkey/enabled'] ?? '';
  if (enabled !== 'enabled') {
    if (enabled === 'disabled' || enabled === 'false') return { optedIn: false };
    return { optedIn: true, problems: [{ field: 'kube-monkey/enabled', value: enabled, message: 'must be "enabled"' }] };
  }
  let mtbfSeconds = options.defaultMtbfSeconds;
  const mtbf = labels['kube-monkey/mtbf'];
  if (mtbf !== undefined) {
    // kube-monkey counts the MTBF in whole weekdays.
    if (/^[1-9]\d*$/.test(mtbf)) mtbfSeconds = Number(mtbf) * options.businessDaySeconds;
    else problems.push({ field: 'kube-monkey/mtbf', value: mtbf, message: 'must be a whole number of days of at least 1' });
  }
  const modeText = labels['kube-monkey/kill-mode'];
  const mode = modeText === undefined ? 'one' : KUBE_MONKEY_MODES[modeText];
  if (mode === undefined) problems.push({ field: 'kube-monkey/kill-mode', value: modeText ?? '', message: `must be one of ${Object.keys(KUBE_MONKEY_MODES).join(', ')}` });
  const value = killValue(mode, labels['kube-monkey/kill-value'], 'kube-monkey/kill-value', problems);
  const probeUrl = probe(annotations[`${havocPrefix}probe-url`], `${havocPrefix}probe-url`, problems);
  if (problems.length > 0 || mode === undefined) return { optedIn: true, problems };
  return { optedIn: true, policy: { mtbfSeconds, mode, ...(value === undefined ? {} : { value }), ...(probeUrl ? { probeUrl } : {}), source: 'kube-monkey' } };
}

function killValue(mode: KillMode | undefined, text: string | undefined, field: string, problems: LabelProblem[]): number | undefined {
  if (mode === undefined || mode === 'one' || mode === 'all') return undefined;
  if (text === undefined) {
    problems.push({ field, value: '', message: `is required with kill-mode ${mode}` });
    return undefined;
  }
  const number = /^\d+%?$/.test(text) ? Number(text.replace('%', '')) : Number.NaN;
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

function probe(url: string | undefined, field: string, problems: LabelProblem[]): string | undefined {
  if (url === undefined) return undefined;
  if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) {
    problems.push({ field, value: url, message: 'must be an http(s) URL' });
    return undefined;
  }
  return url;
}
