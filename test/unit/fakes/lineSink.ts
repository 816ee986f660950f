// A log destination that keeps every line the logger writes, for tests that read the real pino output.

import { Writable } from 'node:stream';

export function lineSink(): { readonly lines: string[]; readonly stream: Writable } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { lines, stream };
}
