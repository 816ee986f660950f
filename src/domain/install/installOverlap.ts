// Installs whose scopes overlap. Each install advertises which namespaces it
// acts on (its scope) and when it was installed; two installs that both act
// on a namespace would each spend their own budget there, doubling its blast
// radius. The rule: in a namespace both may act on, only the install that was
// installed first acts (ties: the smaller install name), unless the later one
// allows the overlap. Pure: the adapter reads the advertisements.

import type { NamespaceInfo } from '../model.ts';
import type { Occurrence } from '../occurrence.ts';
import { parseLabelSelector, type LabelSelector } from '../selection/labelSelector.ts';
import type { NamespaceRules } from '../settings.ts';
import { namespaceVerdict } from '../selection/filters.ts';

/** What an install advertises: its name (`namespace/state ConfigMap`) and its namespace rules. */
export interface InstallScope {
  readonly install: string;
  /** Empty: every namespace. */
  readonly include: readonly string[];
  readonly exclude: readonly string[];
  /** Protected namespaces, the always-protected ones included. */
  readonly protected: readonly string[];
  /** Namespace label selector text; empty: none. */
  readonly selector: string;
}

export interface AdvertisedInstall extends InstallScope {
  /** When it was installed (its advertisement was first written); undefined: not yet advertised, counts as last. */
  readonly since?: Date;
}

export function scopeOf(install: string, rules: NamespaceRules): InstallScope {
  const sorted = (set: ReadonlySet<string>) => [...set].sort();
  return {
    install,
    include: sorted(rules.include),
    exclude: sorted(rules.exclude),
    protected: sorted(rules.protected),
    selector: rules.selector.text,
  };
}

const EVERY = parseLabelSelector('') as LabelSelector;

/**
 * Whether the install may act on the namespace. Labels unknown (this install
 * reads none) while the other has a selector: counted as in its scope, so an
 * overlap is never missed for want of a label; so is a selector this version
 * cannot parse.
 */
export function inScope(scope: InstallScope, namespace: string, info: NamespaceInfo | undefined): boolean {
  const rules = { include: new Set(scope.include), exclude: new Set(scope.exclude), protected: new Set(scope.protected) };
  if (namespaceVerdict({ ...rules, selector: EVERY }, namespace, info) !== undefined) return false;
  const selector = parseLabelSelector(scope.selector);
  return selector instanceof Error || info === undefined || selector.matches(info.labels);
}

/**
 * The namespaces both installs may act on, by name, or 'all' when both cover
 * the whole cluster. Selectors count as matching here (no labels are read for
 * the report); the refusal itself is decided per namespace, with its labels.
 */
export function sharedNamespaces(a: InstallScope, b: InstallScope): readonly string[] | 'all' {
  if (a.include.length === 0 && b.include.length === 0) return 'all';
  const names =
    a.include.length === 0 ? b.include : b.include.length === 0 ? a.include : a.include.filter((n) => b.include.includes(n));
  return names.filter((n) => inScope(a, n, undefined) && inScope(b, n, undefined));
}

export function overlaps(a: InstallScope, b: InstallScope): boolean {
  const shared = sharedNamespaces(a, b);
  return shared === 'all' || shared.length > 0;
}

/** Whether `a` was installed before `b`: the one that keeps a shared namespace. Not yet advertised counts as last. */
export function installedFirst(a: AdvertisedInstall, b: AdvertisedInstall): boolean {
  if (a.since === undefined) return false;
  if (b.since === undefined) return true;
  const order = a.since.getTime() - b.since.getTime();
  return order < 0 || (order === 0 && a.install < b.install);
}

/** The install, installed before `own`, that acts on the namespace; undefined when `own` may. */
export function claimedBy(
  own: AdvertisedInstall,
  others: readonly AdvertisedInstall[],
  namespace: string,
  info: NamespaceInfo | undefined,
): string | undefined {
  return others
    .filter((o) => o.install !== own.install && installedFirst(o, own) && inScope(o, namespace, info))
    .map((o) => o.install)
    .sort()[0];
}

/** One sentence for the log line and the Event. */
export function overlapText(o: Extract<Occurrence, { type: 'install-overlap' }>): string {
  const where = o.namespaces === 'all' ? 'every namespace both select' : `namespace(s) ${o.namespaces.join(', ')}`;
  const head = `kube-havoc install ${o.install} overlaps install ${o.other} in ${where}`;
  switch (o.resolution) {
    case 'refused':
      return `${head}: ${o.other} was installed first, so ${o.install} refuses them (namespaces.allowOverlap allows it)`;
    case 'kept':
      return `${head}: ${o.install} was installed first and keeps acting there; ${o.other} refuses them`;
    case 'allowed':
      return `${head}: both act there (namespaces.allowOverlap), each with its own budget: twice the blast radius`;
    case 'ended':
      return `kube-havoc install ${o.install} no longer overlaps install ${o.other}`;
  }
}
