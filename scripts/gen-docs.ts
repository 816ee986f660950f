// Regenerates config/defaults.yaml, the README configuration reference and
// the metrics reference in README.md from the code. Run with `npm run docs`.

import { readFileSync, writeFileSync } from 'node:fs';
import { Registry } from 'prom-client';
import { createHavocMetrics } from '../src/adapters/metrics/havocMetrics.ts';
import { withMetricsReference } from '../src/adapters/metrics/metricsReference.ts';
import { configReferenceMarkdown, defaultsYaml } from '../src/config/reference.ts';

const START = '<!-- config-reference:start -->';
const END = '<!-- config-reference:end -->';

writeFileSync('config/defaults.yaml', defaultsYaml());
const readme = readFileSync('README.md', 'utf8');
const from = readme.indexOf(START);
const to = readme.indexOf(END);
if (from < 0 || to < from) throw new Error(`README.md lacks the ${START} ... ${END} markers`);
writeFileSync('README.md', `${readme.slice(0, from + START.length)}\n${configReferenceMarkdown()}\n${readme.slice(to)}`);
const registry = new Registry();
createHavocMetrics({ registry, defaultMetrics: false });
writeFileSync('README.md', withMetricsReference(readFileSync('README.md', 'utf8'), registry));
console.log('wrote config/defaults.yaml, the README configuration reference and the metrics reference');
