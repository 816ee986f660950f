// The metrics reference table of docs/operations.md, rendered from the
// registry itself; a test compares the two so the documentation cannot drift.

import type { Registry } from 'prom-client';

interface Described {
  readonly name: string;
  readonly help: string;
  readonly type: string;
  readonly labelNames?: readonly string[];
}

export const REFERENCE_START = '<!-- metrics-reference:start -->';
export const REFERENCE_END = '<!-- metrics-reference:end -->';

/** Markdown table of every family whose name starts with `prefix`, in registration order. */
export function metricsReference(registry: Registry, prefix = 'havoc_'): string {
  const rows = (registry.getMetricsAsArray() as unknown as Described[])
    .filter((metric) => metric.name.startsWith(prefix))
    .map((metric) => {
      const labels = (metric.labelNames ?? []).map((label) => `\`${label}\``).join(', ') || '—';
      return `| \`${metric.name}\` | ${metric.type} | ${labels} | ${metric.help.replaceAll('|', '\\|')} |`;
    });
  return ['| Metric | Type | Labels | Meaning |', '|---|---|---|---|', ...rows].join('\n');
}

/** `document` with the table between the markers replaced by the current one (npm run docs). */
export function withMetricsReference(document: string, registry: Registry): string {
  const from = document.indexOf(REFERENCE_START);
  const to = document.indexOf(REFERENCE_END);
  if (from < 0 || to < from) throw new Error(`the document lacks the ${REFERENCE_START} ... ${REFERENCE_END} markers`);
  return `${document.slice(0, from + REFERENCE_START.length)}\n${metricsReference(registry)}\n${document.slice(to)}`;
}
