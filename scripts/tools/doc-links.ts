// Dead relative links in the project's markdown: a link to a file that does
// not exist, or to an anchor (#heading) that no heading of the target has.
// External links (http, mailto) are not fetched: the check must work offline.
//
//   node scripts/tools/doc-links.ts    lists dead links, exits 1 if any

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface DeadLink {
  /** File and line, relative to the root: docs/helm.md:12. */
  readonly where: string;
  readonly target: string;
  readonly why: string;
}

/** README.md, CONTRIBUTING.md and every markdown file under docs/. */
export function documentationFiles(root = ROOT): string[] {
  const docs = path.join(root, 'docs');
  const inDocs = existsSync(docs)
    ? readdirSync(docs, { recursive: true, encoding: 'utf8' })
        .filter((f) => f.endsWith('.md'))
        .map((f) => path.join('docs', f))
    : [];
  return ['README.md', 'CONTRIBUTING.md', ...inDocs.sort()].filter((f) => existsSync(path.join(root, f)));
}

/** The text outside fenced code blocks and code spans, line by line (links there are examples, not links). */
function proseLines(markdown: string): string[] {
  let fenced = false;
  return markdown.split('\n').map((line) => {
    if (/^\s*```/.test(line)) {
      fenced = !fenced;
      return '';
    }
    return fenced ? '' : line.replace(/`[^`]*`/g, '');
  });
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to dashes; repeats get -1, -2, ... */
export function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (/^\s*```/.test(line)) fenced = !fenced;
    const heading = fenced ? null : /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!heading) continue;
    const slug = (heading[1] ?? '')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    out.add(n === 0 ? slug : `${slug}-${n}`);
  }
  for (const [, name] of markdown.matchAll(/<a\s+(?:name|id)="([^"]+)"/g)) out.add(name ?? '');
  return out;
}

/** Every dead relative link or anchor in `files` (paths relative to `root`). */
export function deadLinks(files: readonly string[] = documentationFiles(), root = ROOT): DeadLink[] {
  const dead: DeadLink[] = [];
  for (const file of files) {
    const lines = proseLines(readFileSync(path.join(root, file), 'utf8'));
    lines.forEach((line, index) => {
      for (const [, raw] of line.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
        const target = raw ?? '';
        if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // http:, https:, mailto:
        const [pathPart = '', anchor] = target.split('#', 2);
        const resolved =
          pathPart === ''
            ? path.join(root, file)
            : path.resolve(path.dirname(path.join(root, file)), decodeURIComponent(pathPart));
        const where = `${file}:${index + 1}`;
        if (!resolved.startsWith(root) || !existsSync(resolved)) {
          dead.push({ where, target, why: 'no such file' });
        } else if (anchor !== undefined && anchor !== '') {
          if (statSync(resolved).isDirectory() || !resolved.endsWith('.md'))
            dead.push({ where, target, why: 'an anchor on something that is not a markdown file' });
          else if (!anchors(readFileSync(resolved, 'utf8')).has(anchor))
            dead.push({ where, target, why: `no heading with the anchor #${anchor}` });
        }
      }
    });
  }
  return dead;
}

if (import.meta.main) {
  const dead = deadLinks();
  for (const d of dead) process.stdout.write(`${d.where}: ${d.target}: ${d.why}\n`);
  process.stdout.write(
    dead.length === 0 ? `no dead links in ${documentationFiles().join(', ')}\n` : `${dead.length} dead links\n`,
  );
  process.exitCode = dead.length === 0 ? 0 : 1;
}
