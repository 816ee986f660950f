// Regenerates config/defaults.yaml and the README configuration reference
// from the schema. Run with `npm run docs`.

import { readFileSync, writeFileSync } from 'node:fs';
import { configReferenceMarkdown, defaultsYaml } from '../src/config/reference.ts';

const START = '<!-- config-reference:start -->';
const END = '<!-- config-reference:end -->';

writeFileSync('config/defaults.yaml', defaultsYaml());
const readme = readFileSync('README.md', 'utf8');
const from = readme.indexOf(START);
const to = readme.indexOf(END);
if (from < 0 || to < from) throw new Error(`README.md lacks the ${START} ... ${END} markers`);
writeFileSync('README.md', `${readme.slice(0, from + START.length)}\n${configReferenceMarkdown()}\n${readme.slice(to)}`);
console.log('wrote config/defaults.yaml and the README configuration reference');
