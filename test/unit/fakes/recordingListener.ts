// Collects occurrences, and a log that collects lines, for assertions.

import type { Occurrence } from '../../../src/domain/occurrence.ts';
import type { Log } from '../../../src/domain/ports.ts';

export function recorder(): {
  occurrences: Occurrence[];
  report: (o: Occurrence) => void;
  of<T extends Occurrence['type']>(type: T): Extract<Occurrence, { type: T }>[];
} {
  const occurrences: Occurrence[] = [];
  return {
    occurrences,
    report: (o) => {
      occurrences.push(o);
    },
    of: <T extends Occurrence['type']>(type: T) =>
      occurrences.filter((o): o is Extract<Occurrence, { type: T }> => o.type === type),
  };
}

export function recordingLog(): Log & { lines: { level: string; obj: object; msg?: string }[] } {
  const lines: { level: string; obj: object; msg?: string }[] = [];
  const at = (level: string) => (obj: object, msg?: string) => {
    lines.push({ level, obj, ...(msg === undefined ? {} : { msg }) });
  };
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
