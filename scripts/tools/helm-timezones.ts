// Writes helm/kube-havoc/files/timezones.txt: the time zone names the daemon
// accepts (schedule.timezone is checked with Intl), so the chart refuses any
// other at install time. The list is Node's canonical zones, UTC, and the IANA
// names and links of the machine's tz database that Intl also accepts (e.g.
// Asia/Kolkata and Europe/Kyiv, which Node's ICU lists under older names).
// A test fails when Node knows a zone the file lacks (run this to refresh).
//
//   node scripts/tools/helm-timezones.ts          rewrites the file
//   node scripts/tools/helm-timezones.ts --check  exits 1 when it is out of date

import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { CHART_DIR } from './helm.ts';

export const TIMEZONES_FILE = path.join(CHART_DIR, 'files', 'timezones.txt');
const ZONEINFO = '/usr/share/zoneinfo';

function acceptedByIntl(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** Zone files under /usr/share/zoneinfo, as names (Area/City), without the posix/ and right/ copies. */
function zoneinfoNames(dir = ZONEINFO, prefix = ''): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((entry) => {
    if (!/^[A-Z][A-Za-z0-9_+-]*$/.test(entry)) return [];
    const full = path.join(dir, entry);
    return statSync(full).isDirectory() ? zoneinfoNames(full, `${prefix}${entry}/`) : [`${prefix}${entry}`];
  });
}

export function knownTimeZones(): string[] {
  const names = new Set(['UTC', ...Intl.supportedValuesOf('timeZone'), ...zoneinfoNames()]);
  return [...names].filter(acceptedByIntl).sort();
}

if (import.meta.main) {
  const current = existsSync(TIMEZONES_FILE) ? readFileSync(TIMEZONES_FILE, 'utf8') : '';
  const inFile = new Set(current.split('\n').filter((l) => l !== ''));
  if (process.argv.includes('--check')) {
    const missing = knownTimeZones().filter((z) => !inFile.has(z));
    if (missing.length > 0) {
      process.stderr.write(
        `${TIMEZONES_FILE} lacks ${missing.length} zone(s) this Node accepts (${missing.slice(0, 5).join(', ')}...): run node scripts/tools/helm-timezones.ts\n`,
      );
      process.exitCode = 1;
    }
  } else {
    // Keep names an older tz database had: a chart must not refuse what it accepted before.
    const merged = [...new Set([...inFile, ...knownTimeZones()])].filter(acceptedByIntl).sort();
    writeFileSync(TIMEZONES_FILE, `${merged.join('\n')}\n`);
    process.stdout.write(`${merged.length} zones in ${TIMEZONES_FILE}\n`);
  }
}
