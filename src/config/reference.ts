// The configuration reference (docs/configuration.md table) and the commented defaults file
// (config/defaults.yaml), both generated from the schema; a test fails when
// either is stale, so documentation cannot drift from the code.

import { stringify } from 'yaml';
import { havocSchema, isLeaf, leaves, withEnvNames, type SchemaTree } from './schema.ts';

export function configReferenceMarkdown(): string {
  const rows = leaves(withEnvNames(havocSchema())).map(([path, leaf]) => {
    const value = leaf.sensitive ? '(secret)' : `\`${JSON.stringify(leaf.default)}\``;
    return `| \`${path}\` | \`${leaf.env ?? ''}\` | ${value} | ${leaf.doc.replaceAll('|', '\\|')} |`;
  });
  return ['| setting | environment | default | meaning |', '|---|---|---|---|', ...rows].join('\n');
}

export function defaultsYaml(): string {
  const header =
    '# kube-havoc defaults: generated from src/config/schema.ts by `npm run docs`; do not edit.\n' +
    '# Every key can also be set by the environment variable named in its comment.\n';
  return header + render(withEnvNames(havocSchema()), 0);
}

function render(tree: SchemaTree, depth: number): string {
  const pad = '  '.repeat(depth);
  return Object.entries(tree)
    .map(([key, node]) => {
      if (!isLeaf(node)) return `${pad}${key}:\n${render(node, depth + 1)}`;
      const value = stringify({ [key]: node.default }, { defaultStringType: 'QUOTE_DOUBLE', defaultKeyType: 'PLAIN' })
        .trimEnd()
        .split('\n')
        .map((l) => pad + l)
        .join('\n');
      return `${pad}# ${node.doc} (${node.env})\n${value}\n`;
    })
    .join('');
}
