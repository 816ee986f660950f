// Alert blockers, as kured has them: no chaos while an alert matching a
// configured matcher fires in Prometheus. A matcher is a set of PromQL label
// matchers without braces, e.g. `severity="critical"` or
// `alertname=~"KubeAPIDown|EtcdNoLeader",severity!="info"`; the list is an OR.
// A matcher that names `{{namespace}}` only blocks chaos in that namespace.

import type { MetricsSource } from '../ports.ts';

export type BlockerCheck =
  | { readonly state: 'clear' }
  | { readonly state: 'firing'; readonly alerts: readonly string[] }
  | { readonly state: 'unknown'; readonly detail: string };

const LABEL = /^[A-Za-z_][A-Za-z0-9_]*$/;
const ONE_MATCHER = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*(?:,|$)/;

/** The problem with one configured matcher, or undefined when PromQL will accept it. */
export function matcherProblem(text: string): string | undefined {
  let rest = text.trim();
  if (rest === '') return 'is empty (write label matchers such as severity="critical")';
  if (rest.startsWith('{')) return 'must be label matchers without braces, such as severity="critical"';
  while (rest !== '') {
    const match = ONE_MATCHER.exec(rest);
    if (match === null) {
      const where = rest === text.trim() ? '' : `at "${rest}": `;
      return `${where}is not a label matcher such as severity="critical" or alertname=~"A|B"`;
    }
    const [whole, label = '', op = '', value = ''] = match;
    if (!LABEL.test(label)) return `"${label}" is not a label name`;
    if (op === '=~' || op === '!~') {
      try {
        new RegExp(value.replaceAll('{{namespace}}', 'x'));
      } catch (error) {
        return `"${value}" is not a regular expression: ${(error as Error).message}`;
      }
    }
    const unknown = [...value.matchAll(/\{\{\s*([A-Za-z]+)\s*\}\}/g)].find((m) => m[1] !== 'namespace');
    if (unknown) return `{{${unknown[1] ?? ''}}} is not a template variable of a blocker (only {{namespace}})`;
    rest = rest.slice(whole.length).trim();
  }
  return undefined;
}

export function perNamespace(matcher: string): boolean {
  return /\{\{\s*namespace\s*\}\}/.test(matcher);
}

/** One query for a list of matchers; undefined when the list is empty. */
export function blockerQuery(matchers: readonly string[], namespace?: string): string | undefined {
  if (matchers.length === 0) return undefined;
  return matchers
    .map((m) => (namespace === undefined ? m : m.replace(/\{\{\s*namespace\s*\}\}/g, namespace)))
    .map((m) => `ALERTS{alertstate="firing",${m.trim()}}`)
    .join(' or ');
}

export async function firingBlockers(source: MetricsSource, query: string | undefined): Promise<BlockerCheck> {
  if (query === undefined) return { state: 'clear' };
  const answer = await source.query(query);
  if (!answer.ok)
    return { state: 'unknown', detail: `cannot ask Prometheus for firing alerts (${answer.problem}): ${answer.detail}` };
  if (answer.samples.length === 0) return { state: 'clear' };
  const names = answer.samples.map((s) => {
    const name = s.labels['alertname'] ?? 'unnamed alert';
    return s.labels['namespace'] === undefined ? name : `${name} (namespace ${s.labels['namespace']})`;
  });
  return { state: 'firing', alerts: [...new Set(names)].sort() };
}
