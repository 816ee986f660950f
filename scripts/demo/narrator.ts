// Turns the daemon's JSON log lines into one readable line per thing that
// happened: decisions, kills, blocks, skips and recovery verdicts. The tags
// (KILLED, BLOCKED, RECOVERED, ...) are stable: the demo's e2e test reads them.

import { levelNumber } from '../../src/adapters/log/logger.ts';

export interface DaemonLine {
  readonly level: string | number;
  /** ISO 8601 (log.format json) or epoch ms (pino). */
  readonly time?: number | string;
  readonly msg: string;
  readonly event?: string;
  readonly [key: string]: unknown;
}

export type Paint = (color: 'red' | 'green' | 'yellow' | 'cyan' | 'dim' | 'bold', text: string) => string;

const CODES = { red: 31, green: 32, yellow: 33, cyan: 36, dim: 2, bold: 1 } as const;

/** ANSI colours on a terminal, plain text otherwise (a pipe, a test). */
export function paintFor(tty: boolean): Paint {
  return tty ? (color, text) => `\u001b[${CODES[color]}m${text}\u001b[0m` : (_color, text) => text;
}

function clock(line: DaemonLine): string {
  return new Date(line.time ?? Date.now()).toISOString().slice(11, 19);
}

function budget(value: unknown): string {
  const b = value as { tick?: number; hour?: number; day?: number } | undefined;
  return b ? `budget left: tick ${b.tick ?? '?'}, hour ${b.hour ?? '?'}, day ${b.day ?? '?'}` : '';
}

const str = (value: unknown): string => (typeof value === 'string' ? value : value === undefined ? '' : JSON.stringify(value));

/** The readable line for one log line, or undefined for lines the demo does not show. */
export function narrate(line: DaemonLine, paint: Paint): string | undefined {
  const at = paint('dim', clock(line));
  const tag = (color: Parameters<Paint>[0], text: string) => paint(color, text.padEnd(10));
  const where = `${str(line.namespace)}/${str(line.pod)}`;
  switch (line.event) {
    case 'tick':
      if (line.outcome === 'idle')
        return `${at}  ${tag('dim', 'tick')} ${paint('dim', `${str(line.eligible)} eligible, nobody drawn this time`)}`;
      if (line.outcome === 'acted')
        return `${at}  ${tag('dim', 'tick')} ${paint('dim', `${str(line.eligible)} eligible, ${str(line.killed)} killed; ${budget(line.budget)}`)}`;
      return `${at}  ${tag('dim', 'tick')} ${paint('dim', `${str(line.outcome)}${line.detail ? `: ${str(line.detail)}` : ''}`)}`;
    case 'kill': {
      const what = `${line.action === 'pod-delete' ? 'deleted' : 'evicted'} ${where} (${str(line.workload)})`;
      const why = paint('dim', `why: ${str(line.reason)}`);
      switch (line.result) {
        case 'killed':
          return `${at}  ${tag('red', 'KILLED')} ${what}\n${' '.repeat(21)}${why}`;
        case 'blocked':
          return `${at}  ${tag('yellow', 'BLOCKED')} ${where} (${str(line.workload)}): ${str(line.detail)}`;
        case 'already-gone':
          return `${at}  ${tag('dim', 'GONE')} ${where} was already gone`;
        default:
          return `${at}  ${tag('red', 'FAILED')} ${where} (${str(line.workload)}): ${str(line.detail)}`;
      }
    }
    case 'recovery':
      return line.recovered
        ? `${at}  ${tag('green', 'RECOVERED')} ${str(line.namespace)}/${str(line.workload)} back at steady state after ${Number(line.seconds).toFixed(1)} s`
        : `${at}  ${tag('red', 'NOT RECOVERED')} ${str(line.namespace)}/${str(line.workload)}: ${str(line.detail)}`;
    case 'skip':
      return `${at}  ${tag('cyan', 'SKIPPED')} ${str(line.namespace)}/${str(line.workload)}: ${str(line.reason)} (${str(line.detail)})`;
    case 'invalid-label':
      return `${at}  ${tag('yellow', 'BAD LABEL')} ${line.msg}`;
    case 'day-plan':
    case 'leader':
    case 'paused':
    case 'resumed':
      return `${at}  ${tag('bold', str(line.event))} ${line.msg}`;
    case 'error':
      return `${at}  ${tag('red', 'ERROR')} ${line.msg}`;
    default:
      // Warnings and errors the daemon logs outside the occurrences (API trouble, Slack failures).
      return levelNumber(line.level) >= 40 ? `${at}  ${tag('yellow', 'daemon')} ${line.msg}` : undefined;
  }
}
