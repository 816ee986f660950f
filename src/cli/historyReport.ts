// `kube-havoc history`: the durable history, one line per attempt with its
// verdict, newest first; or the same rows as JSON or CSV (RFC 4180).

import type { Attempt } from '../domain/history/attempts.ts';
import { formatSeconds } from '../domain/duration.ts';

/** One attempt in words; `status` lists its recent kills with the same line. */
export function attemptLine(a: Attempt): string {
  const where = a.kind === 'Node' ? `node/${a.workload}` : `${a.namespace}/${a.kind}/${a.workload}`;
  const dry = a.dryRun ? '  [dry run]' : '';
  const r = a.recovery;
  const verdict =
    r === undefined
      ? ''
      : r.recovered
        ? `  recovered in ${formatSeconds(r.seconds)}`
        : `  NOT recovered after ${formatSeconds(r.seconds)}`;
  const hypothesis = r?.hypothesis === undefined ? '' : `; hypothesis ${r.hypothesis.detail}`;
  const released = a.released === undefined ? '' : `  released ${a.released}`;
  const detail = a.result === 'killed' || a.detail === undefined ? '' : `  (${a.detail})`;
  const head = `  ${a.at}  ${a.action.padEnd(10)} ${a.result.padEnd(12)} ${a.count}  ${where}`;
  return `${head}${dry}${verdict}${hypothesis}${released}${detail}`;
}

export function renderHistory(rows: readonly Attempt[], since: string): string {
  if (rows.length === 0) return `No kills, drains or verdicts recorded since ${since}.\n`;
  return `${rows.length} attempt(s) since ${since}, newest first:\n${rows.map(attemptLine).join('\n')}\n`;
}

export const CSV_COLUMNS = [
  'at',
  'namespace',
  'kind',
  'workload',
  'action',
  'result',
  'dryRun',
  'count',
  'victims',
  'recovery',
  'recoverySeconds',
  'hypothesis',
  'hypothesisDetail',
  'detail',
  'reason',
  'released',
] as const;

/** RFC 4180: a field with a comma, a quote or a line break is quoted, its quotes doubled; records end in CRLF. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export function historyCsv(rows: readonly Attempt[]): string {
  const record = (a: Attempt): string[] => [
    a.at,
    a.namespace,
    a.kind,
    a.workload,
    a.action,
    a.result,
    String(a.dryRun),
    String(a.count),
    a.victims.join(' '),
    a.recovery === undefined ? 'pending' : a.recovery.recovered ? 'recovered' : 'not-recovered',
    a.recovery === undefined ? '' : String(a.recovery.seconds),
    a.recovery?.hypothesis?.verdict ?? '',
    a.recovery?.hypothesis?.detail ?? '',
    a.detail ?? a.recovery?.detail ?? '',
    a.reason,
    a.released ?? '',
  ];
  return [[...CSV_COLUMNS], ...rows.map(record)].map((fields) => `${fields.map(csvField).join(',')}\r\n`).join('');
}
