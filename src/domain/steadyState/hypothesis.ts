// A workload's steady-state hypothesis on real metrics: a PromQL expression
// that must return a non-empty result (a comparison such as `... < 0.01`
// states the tolerance). It comes from the workload's `<prefix>/steady-state`
// annotation or from the configured default template.

import type { Workload, WorkloadRef } from '../model.ts';
import type { MetricsSource, Sample } from '../ports.ts';

export interface Hypothesis {
  readonly expr: string;
  /** Where it came from: the annotation key, or "steadyState.defaultHypothesis". */
  readonly source: string;
}

export type HypothesisCheck =
  | { readonly state: 'holds'; readonly value: string }
  /** `value` is what the left side of a trailing comparison returned, when there is one. */
  | { readonly state: 'fails'; readonly value?: string; readonly detail: string }
  | { readonly state: 'unknown'; readonly detail: string }
  | { readonly state: 'invalid'; readonly detail: string };

export const DEFAULT_HYPOTHESIS_FIELD = 'steadyState.defaultHypothesis';
export const TEMPLATE_VARIABLES = ['namespace', 'name', 'kind'] as const;
const VARIABLE = /\{\{\s*([A-Za-z]+)\s*\}\}/g;

/** Unknown `{{variables}}` in a default template (config validation). */
export function templateProblems(template: string): string[] {
  return [...template.matchAll(VARIABLE)]
    .map((m) => m[1] ?? '')
    .filter((name) => !(TEMPLATE_VARIABLES as readonly string[]).includes(name))
    .map((name) => `{{${name}}} is not a template variable (use ${TEMPLATE_VARIABLES.map((v) => `{{${v}}}`).join(', ')})`);
}

/** Namespace and name are DNS names, so they need no escaping inside a PromQL string literal. */
export function renderTemplate(template: string, ref: WorkloadRef): string {
  const values: Record<string, string> = { namespace: ref.namespace, name: ref.name, kind: ref.kind };
  return template.replace(VARIABLE, (whole, name: string) => values[name] ?? whole);
}

export interface HypothesisOptions {
  readonly prefix: string;
  /** Default template; empty means workloads without the annotation have no hypothesis. */
  readonly defaultTemplate: string;
}

export function annotationKey(prefix: string): string {
  return `${prefix}/steady-state`;
}

export function hypothesisFor(workload: Workload, options: HypothesisOptions): Hypothesis | undefined {
  const key = annotationKey(options.prefix);
  const own = workload.annotations[key]?.trim();
  if (own !== undefined && own !== '') return { expr: own, source: key };
  if (options.defaultTemplate.trim() === '') return undefined;
  return { expr: renderTemplate(options.defaultTemplate.trim(), workload.ref), source: DEFAULT_HYPOTHESIS_FIELD };
}

// `lhs < 0.01`, `lhs >= bool 3`: a comparison with a number at the top level, whose
// left side alone gives the value to show when the hypothesis fails.
const TRAILING_COMPARISON = /^(.*\S)\s*(==|!=|<=|>=|<|>)\s*(?:bool\s+)?[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?\s*$/is;

export function leftSide(expr: string): string | undefined {
  const match = TRAILING_COMPARISON.exec(expr);
  const lhs = match?.[1];
  if (lhs === undefined || !balanced(lhs)) return undefined;
  return lhs;
}

function balanced(text: string): boolean {
  let depth = 0;
  for (const char of text) {
    if (char === '(' || char === '{' || char === '[') depth += 1;
    if (char === ')' || char === '}' || char === ']') depth -= 1;
    if (depth < 0) return false;
  }
  return depth === 0;
}

/** At most three series, `value` alone for a single unlabelled one. */
export function describeSamples(samples: readonly Sample[]): string {
  const shown = samples.slice(0, 3).map((s) => {
    const labels = Object.entries(s.labels)
      .filter(([k]) => k !== '__name__')
      .map(([k, v]) => `${k}="${v}"`)
      .join(',');
    return labels === '' ? s.value : `${s.value} {${labels}}`;
  });
  return shown.join('; ') + (samples.length > 3 ? `; and ${samples.length - 3} more` : '');
}

export async function checkHypothesis(source: MetricsSource, hypothesis: Hypothesis): Promise<HypothesisCheck> {
  const answer = await source.query(hypothesis.expr);
  if (!answer.ok) {
    if (answer.problem === 'invalid-query') return { state: 'invalid', detail: answer.detail };
    return {
      state: 'unknown',
      detail: `Prometheus ${answer.problem === 'unreachable' ? 'unreachable' : 'error'}: ${answer.detail}`,
    };
  }
  if (answer.samples.length > 0) return { state: 'holds', value: describeSamples(answer.samples) };
  const lhs = leftSide(hypothesis.expr);
  if (lhs === undefined) return { state: 'fails', detail: `${hypothesis.expr} returned no result` };
  // A second query only to explain the failure; its own failure changes nothing.
  const seen = await source.query(lhs);
  if (!seen.ok) return { state: 'fails', detail: `${hypothesis.expr} returned no result` };
  const value = seen.samples.length === 0 ? 'no data' : describeSamples(seen.samples);
  return { state: 'fails', value, detail: `${hypothesis.expr} returned no result; value seen: ${value}` };
}
