// A daemon's stdout, as the e2e suites read it: pino's JSON lines parsed,
// anything else (a stack trace, a library's plain line) kept as text.

import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';

export function readJsonLines<T>(stream: Readable, json: (line: T) => void, other: (text: string) => void): void {
  createInterface({ input: stream, crlfDelay: Infinity }).on('line', (text) => {
    let parsed: T;
    try {
      parsed = JSON.parse(text) as T;
    } catch {
      other(text);
      return;
    }
    json(parsed);
  });
}
