// prettier keeps code within its print width but cannot split a string, a
// template or a comment; a line of 300 characters is read by scrolling. The
// width is prettier's own, so the two never disagree.

import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const WIDTH = (JSON.parse(readFileSync(path.join(ROOT, '.prettierrc.json'), 'utf8')) as { printWidth: number }).printWidth;

test('no line in src/ is wider than prettier prints', (t) => {
  const files = readdirSync(path.join(ROOT, 'src'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
  t.true(files.length > 50, 'the sources were found');
  const wide = files.flatMap((file) =>
    readFileSync(path.join(ROOT, 'src', file), 'utf8')
      .split('\n')
      .flatMap((line, i) => (line.length > WIDTH ? [`src/${file}:${i + 1} has ${line.length} characters`] : [])),
  );
  t.deepEqual(wide, [], `split these at ${WIDTH} characters (build long messages from named parts)`);
});
