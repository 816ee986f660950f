// Kubernetes label selectors (equality and set based), parsed once and matched
// in memory: the namespace selector and the node selector use them, and the
// Kubernetes adapter sends the same text to the API server.

export type Requirement =
  | { readonly op: 'eq' | 'ne'; readonly key: string; readonly value: string }
  | { readonly op: 'in' | 'notin'; readonly key: string; readonly values: readonly string[] }
  | { readonly op: 'exists' | 'absent'; readonly key: string };

export interface LabelSelector {
  readonly text: string;
  readonly requirements: readonly Requirement[];
  matches(labels: Readonly<Record<string, string>>): boolean;
}

const KEY = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

/** An empty text selects everything. */
export function parseLabelSelector(text: string): LabelSelector | Error {
  const requirements: Requirement[] = [];
  for (const raw of splitTerms(text)) {
    const term = raw.trim();
    if (term === '') continue;
    const requirement = parseTerm(term);
    if (requirement instanceof Error) return requirement;
    requirements.push(requirement);
  }
  return { text: text.trim(), requirements, matches: (labels) => requirements.every((r) => matches(r, labels)) };
}

function splitTerms(text: string): string[] {
  // Commas inside "in (a,b)" do not separate terms.
  const terms: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      terms.push(current);
      current = '';
    } else current += ch;
  }
  terms.push(current);
  return terms;
}

function parseTerm(term: string): Requirement | Error {
  const bad = (why: string) => new Error(`"${term}" is not a valid label selector term: ${why}`);
  const set = /^(\S+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(term);
  if (set) {
    const [, key = '', op, list = ''] = set;
    const values = list.split(',').map((v) => v.trim());
    if (!KEY.test(key)) return bad(`bad key "${key}"`);
    if (values.some((v) => !VALUE.test(v))) return bad('bad value in the list');
    return { op: op === 'in' ? 'in' : 'notin', key, values };
  }
  const eq = /^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(term);
  if (eq) {
    const [, key = '', op, value = ''] = eq;
    if (!KEY.test(key)) return bad(`bad key "${key}"`);
    if (!VALUE.test(value)) return bad(`bad value "${value}"`);
    return { op: op === '!=' ? 'ne' : 'eq', key, value };
  }
  const exists = /^(!?)\s*(\S+)$/.exec(term);
  if (exists && KEY.test(exists[2] ?? '')) return { op: exists[1] ? 'absent' : 'exists', key: exists[2] ?? '' };
  return bad('expected key=value, key!=value, key in (a,b), key notin (a,b), key or !key');
}

function matches(r: Requirement, labels: Readonly<Record<string, string>>): boolean {
  const has = Object.hasOwn(labels, r.key);
  const value = labels[r.key];
  switch (r.op) {
    case 'eq':
      return value === r.value;
    case 'ne':
      return value !== r.value;
    case 'in':
      return has && r.values.includes(value ?? '');
    case 'notin':
      return !has || !r.values.includes(value ?? '');
    case 'exists':
      return has;
    case 'absent':
      return !has;
  }
}
