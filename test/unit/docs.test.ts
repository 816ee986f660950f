import { readFileSync } from 'node:fs';
import test from 'ava';
import { configReferenceMarkdown, defaultsYaml } from '../../src/config/reference.ts';
import { loadConfig } from '../../src/config/load.ts';

test('config/defaults.yaml is generated from the schema and current', (t) => {
  t.is(readFileSync('config/defaults.yaml', 'utf8'), defaultsYaml(), 'run `npm run docs`');
});

test('config/defaults.yaml loads and equals the built-in defaults', (t) => {
  t.deepEqual(loadConfig({ file: 'config/defaults.yaml', env: {} }), loadConfig({ env: {} }));
});

test('the configuration reference in docs/configuration.md is current', (t) => {
  t.true(readFileSync('docs/configuration.md', 'utf8').includes(configReferenceMarkdown()), 'run `npm run docs`');
});

test('the README starts with the two newcomer commands, and .ci/run runs the test one', (t) => {
  const readme = readFileSync('README.md', 'utf8');
  const commands = [...readme.matchAll(/```sh\n(.+)\n```/g)].map((m) => m[1]);
  t.is(commands[0], 'npm ci && npm run build && npm run daemon');
  t.is(commands[1], 'npm ci && npm run test:all');
  t.true(readFileSync('.ci/run', 'utf8').includes(`( ${commands[1] ?? '<none>'} )`));
});
