// Regenerates config/defaults.yaml, the configuration reference in
// docs/configuration.md and the metrics reference in docs/operations.md from
// the code. Run with `npm run docs`.

import { readFileSync, writeFileSync } from 'node:fs';
import { Registry } from 'prom-client';
import { createHavocMetrics } from '../src/adapters/metrics/havocMetrics.ts';
import { withMetricsReference } from '../src/adapters/metrics/metricsReference.ts';
import { configReferenceMarkdown, defaultsYaml } from '../src/config/reference.ts';

const START = '<!-- config-reference:start -->';
const END = '<!-- config-reference:end -->';

writeFileSync('config/defaults.yaml', defaultsYaml());
const CONFIG_DOC = 'docs/configuration.md';
const METRICS_DOC = 'docs/operations.md';
const reference = readFileSync(CONFIG_DOC, 'utf8');
const from = reference.indexOf(START);
const to = reference.indexOf(END);
if (from < 0 || to < from) throw new Error(`${CONFIG_DOC} lacks the ${START} ... ${END} markers`);
writeFileSync(CONFIG_DOC, `${reference.slice(0, from + START.length)}\n${configReferenceMarkdown()}\n${reference.slice(to)}`);
const registry = new Registry();
createHavocMetrics({ registry, defaultMetrics: false });
writeFileSync(METRICS_DOC, withMetricsReference(readFileSync(METRICS_DOC, 'utf8'), registry));
console.log(
  `wrote config/defaults.yaml, the configuration reference in ${CONFIG_DOC} and the metrics reference in ${METRICS_DOC}`,
);
