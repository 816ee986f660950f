import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import test from 'ava';
import { anchors, deadLinks, documentationFiles } from '../../scripts/tools/doc-links.ts';
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
  t.is(commands[0], 'npm ci && npm run demo');
  t.is(commands[1], 'npm ci && npm run test:all');
  // Between them: the daemon against one's own cluster, in dry run.
  t.regex(
    readme.slice(readme.indexOf(commands[0] ?? '<none>'), readme.indexOf(commands[1] ?? '<none>')),
    /in dry run[\s\S]*`npm run build && npm run daemon -- --context <your-context>`/,
  );
  const scripts = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts;
  t.is(scripts.demo, 'npm run build && node scripts/demo/demo.ts');
  t.true(readFileSync('.ci/run', 'utf8').includes(`( ${commands[1] ?? '<none>'} )`));
});

test('README.md, CONTRIBUTING.md and docs/ have no dead relative links or anchors', (t) => {
  const files = documentationFiles();
  t.true(files.includes('README.md') && files.some((f) => f.startsWith('docs/')), files.join(', '));
  t.deepEqual(deadLinks(files), [], 'fix the link or the heading (node scripts/tools/doc-links.ts lists them)');
});

test('the link check finds a missing file and a missing anchor, and reads anchors as GitHub makes them', (t) => {
  const root = mkdtempSync(path.join(tmpdir(), 'havoc-links-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(path.join(root, 'docs'));
  writeFileSync(
    path.join(root, 'README.md'),
    [
      '# kube-havoc',
      '## Opting in: the label contract',
      '## FAQ',
      '## FAQ',
      '[ok](docs/a.md) [ok](#opting-in-the-label-contract) [ok](#faq-1) [ok](docs/a.md#why-was-nothing-killed)',
      '[gone](docs/b.md) [gone](#faq-2) [gone](docs/a.md#nope) `[not a link](x.md)`',
      '```',
      '[not a link](y.md)',
      '```',
      '[web](https://example.com/x.md)',
    ].join('\n'),
  );
  writeFileSync(path.join(root, 'docs', 'a.md'), '# A\n\n## Why was nothing killed?\n[up](../README.md#faq)\n');
  t.deepEqual(
    deadLinks(['README.md', 'docs/a.md'], root).map((d) => `${d.where} ${d.target}: ${d.why}`),
    [
      'README.md:6 docs/b.md: no such file',
      'README.md:6 #faq-2: no heading with the anchor #faq-2',
      'README.md:6 docs/a.md#nope: no heading with the anchor #nope',
    ],
  );
  t.deepEqual(
    [...anchors('# `kube-havoc plan` output\n## Moving from kube-monkey (v0.5)\n')],
    ['kube-havoc-plan-output', 'moving-from-kube-monkey-v05'],
  );
});
