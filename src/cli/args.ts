// The command line: which command, which options. Parsing only: main.ts acts.

import { parseArgs } from 'node:util';
import { parseDuration } from '../domain/duration.ts';

export const COMMANDS = ['run', 'plan', 'validate', 'pause', 'resume', 'status', 'history'] as const;
export type CommandName = (typeof COMMANDS)[number];

export interface CommandLine {
  readonly command: CommandName;
  readonly config?: string;
  readonly kubeconfig?: string;
  readonly context?: string;
  readonly logPretty: boolean;
  readonly json: boolean;
  readonly seed?: number;
  readonly reason?: string;
  readonly by?: string;
  readonly namespace?: string;
  readonly stateConfigMap?: string;
  /** history: how far back, in seconds (--since, default 7d). */
  readonly sinceSeconds?: number;
  /** history: CSV (RFC 4180) instead of text. */
  readonly csv?: boolean;
}

export type Parsed =
  | { readonly help: string }
  | { readonly version: true }
  | { readonly error: string }
  | { readonly completion: 'bash' | 'zsh' }
  | CommandLine;

/** For the commands that talk to an installed daemon's state: pause, resume, status, plan. */
const INSTALL = `
  -n, --namespace NS     namespace kube-havoc is installed in (default: daemon.namespace if configured,
                         else your kubeconfig context's namespace, else kube-havoc)
      --state-configmap NAME
                         the daemon's state ConfigMap (default: daemon.stateConfigMap, kube-havoc-state)`;

const COMMON = `Options:
  -c, --config FILE      YAML configuration (default: built-in defaults + HAVOC_* env)
      --kubeconfig FILE  kubeconfig to use (default: in-cluster, $KUBECONFIG, ~/.kube/config)
      --context NAME     kubeconfig context to use
      --log-pretty       human-readable logs instead of JSON
  -h, --help             this help
  -V, --version          the version`;

const OUTPUT = `
  -o, --output json      machine-readable output (same as --json)
      --json             machine-readable output`;

export const HELP: Record<CommandName | 'main', string> = {
  main: `kube-havoc: scheduled chaos for Kubernetes, opt-in, in business hours, within a blast radius.

Usage: kube-havoc <command> [options]

Commands:
  run        run the daemon (a dry run unless the config says dryRun: false)
  plan       show what chaos would do now: eligible workloads, expected kills, window, budgets (read-only)
  validate   check a configuration file and list every problem
  pause      stop all chaos now (kill switch), honoured by every replica at its next tick
  resume     clear the kill switch
  status     show the kill switch, budgets left and recent kills

Run 'kube-havoc <command> --help' for a command's options;
'kube-havoc --version' (or any command with --version) prints the version;
'kube-havoc completion bash|zsh' prints shell completion (source <(kube-havoc completion bash)).`,
  run: `Usage: kube-havoc run [options]

Runs the daemon: leader election, the schedule, kills, Events, metrics, Slack.

${COMMON}`,
  plan: `Usage: kube-havoc plan [options]

Read-only: eligible workloads and their MTBF, expected kills per day, the next
business window, the budgets left, workloads with bad labels.

${COMMON}${INSTALL}${OUTPUT}
      --seed N           also draw one tick with this seed and show who would be hit`,
  validate: `Usage: kube-havoc validate <config.yaml>

Checks the file (and HAVOC_* env) against the schema; exits 1 listing every problem.

${COMMON}`,
  pause: `Usage: kube-havoc pause -n NAMESPACE --reason TEXT [options]

Sets the kill switch in the cluster; every replica stops at its next tick.

${COMMON}${INSTALL}
      --reason TEXT      why (shown in status, logs and Slack) (required)
      --by NAME          who (default: $USER, else your kubeconfig user)`,
  resume: `Usage: kube-havoc resume [options]

Clears the kill switch.

${COMMON}${INSTALL}
      --by NAME          who (default: $USER, else your kubeconfig user)`,
  status: `Usage: kube-havoc status [options]

Shows the kill switch, the budgets left and the recent kills.

${COMMON}${INSTALL}${OUTPUT}`,
  history: `Usage: kube-havoc history [--since 7d] [-o json | --csv] [options]

Every attempt (kill, block, drain) with its recovery verdict, newest first,
from the history ConfigMaps of the install (kept for history.retention).

${COMMON}${INSTALL}${OUTPUT}
      --since DURATION   how far back, e.g. 24h, 7d, 30d (default 7d)
      --csv              CSV (RFC 4180), one row per attempt, with a header`,
};

const OPTIONS = {
  config: { type: 'string', short: 'c' },
  kubeconfig: { type: 'string' },
  context: { type: 'string' },
  'log-pretty': { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
  version: { type: 'boolean', short: 'V', default: false },
  json: { type: 'boolean', default: false },
  output: { type: 'string', short: 'o' },
  seed: { type: 'string' },
  reason: { type: 'string' },
  by: { type: 'string' },
  namespace: { type: 'string', short: 'n' },
  'state-configmap': { type: 'string' },
  since: { type: 'string' },
  csv: { type: 'boolean', default: false },
} as const;
type OptionName = keyof typeof OPTIONS;

const EVERY_COMMAND: readonly OptionName[] = ['config', 'kubeconfig', 'context', 'log-pretty', 'help', 'version'];
const ON_AN_INSTALL: readonly OptionName[] = ['namespace', 'state-configmap'];
const OUTPUT_FORMAT: readonly OptionName[] = ['json', 'output'];

/** What each command takes: an option it does not use is refused, not silently ignored. */
export const COMMAND_OPTIONS: Record<CommandName, readonly OptionName[]> = {
  run: EVERY_COMMAND,
  validate: EVERY_COMMAND,
  plan: [...EVERY_COMMAND, ...ON_AN_INSTALL, ...OUTPUT_FORMAT, 'seed'],
  pause: [...EVERY_COMMAND, ...ON_AN_INSTALL, 'reason', 'by'],
  resume: [...EVERY_COMMAND, ...ON_AN_INSTALL, 'by'],
  status: [...EVERY_COMMAND, ...ON_AN_INSTALL, ...OUTPUT_FORMAT],
  history: [...EVERY_COMMAND, ...ON_AN_INSTALL, ...OUTPUT_FORMAT, 'since', 'csv'],
};

/** -o/--output takes json or text; --json is -o json. */
function outputIsJson(command: CommandName, output: string | undefined, json: boolean): boolean | { error: string } {
  if (output === undefined) return json;
  if (output === 'json') return true;
  if (output === 'text' && !json) return false;
  return { error: `${command}: --output must be json or text, got "${output}"${json ? ' together with --json' : ''}` };
}

export function parseCommandLine(argv: readonly string[]): Parsed {
  const [first, ...rest] = argv;
  if (first === undefined || first === '-h' || first === '--help' || first === 'help') return { help: HELP.main };
  if (first === '--version' || first === '-V' || first === 'version') return { version: true };
  if (first === 'completion') {
    const [shell, ...extra] = rest;
    if ((shell !== 'bash' && shell !== 'zsh') || extra.length > 0)
      return { error: `completion: name the shell, bash or zsh (got ${shell === undefined ? 'none' : `"${rest.join(' ')}"`})` };
    return { completion: shell };
  }
  if (!(COMMANDS as readonly string[]).includes(first))
    return { error: `unknown command "${first}"; expected one of ${COMMANDS.join(', ')}` };
  const command = first as CommandName;
  let parsed;
  try {
    parsed = parseArgs({ args: rest, allowPositionals: command === 'validate', tokens: true, options: OPTIONS });
  } catch (error) {
    return { error: `${command}: ${(error as Error).message}` };
  }
  const { values, positionals, tokens } = parsed;
  const allowed = COMMAND_OPTIONS[command];
  for (const token of tokens) {
    if (token.kind !== 'option' || allowed.includes(token.name as OptionName)) continue;
    if (ON_AN_INSTALL.includes(token.name as OptionName))
      return {
        error:
          `${command}: ${token.rawName} is for pause, resume, status, history and plan; ` +
          `${command} reads daemon.namespace from the config`,
      };
    return {
      error: `${command}: ${token.rawName} is not an option of ${command} (see 'kube-havoc ${command} --help')`,
    };
  }
  if (values.help) return { help: HELP[command] };
  if (values.version) return { version: true };
  const json = outputIsJson(command, values.output, values.json ?? false);
  if (typeof json === 'object') return json;
  const config = command === 'validate' ? (positionals[0] ?? values.config) : values.config;
  if (command === 'validate' && config === undefined)
    return { error: 'validate: name the configuration file: kube-havoc validate <config.yaml>' };
  if (command === 'pause' && (values.reason === undefined || values.reason.trim() === ''))
    return { error: 'pause: --reason is required, e.g. --reason "incident 1234"' };
  for (const [flag, value] of [
    ['--namespace', values.namespace],
    ['--state-configmap', values['state-configmap']],
  ] as const) {
    if (value !== undefined && !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(value))
      return { error: `${command}: ${flag} must be a Kubernetes name (lower-case letters, digits, '-'), got "${value}"` };
  }
  if (json && values.csv) return { error: `${command}: choose one of -o json and --csv` };
  const since = values.since === undefined ? undefined : parseDuration(values.since);
  if (since instanceof Error) return { error: `history: --since ${since.message}` };
  const seed = values.seed === undefined ? undefined : Number(values.seed);
  if (seed !== undefined && !Number.isInteger(seed))
    return { error: `plan: --seed must be a whole number, got "${values.seed}"` };
  return {
    command,
    logPretty: values['log-pretty'] ?? false,
    json,
    config,
    kubeconfig: values.kubeconfig,
    context: values.context,
    seed,
    reason: values.reason,
    by: values.by,
    namespace: values.namespace,
    stateConfigMap: values['state-configmap'],
    ...(command === 'history' ? { sinceSeconds: since ?? 7 * 86_400, csv: values.csv ?? false } : {}),
  };
}
