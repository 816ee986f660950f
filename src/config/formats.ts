// Validation rules of the config schema, as convict formats. Each throws an
// Error whose message states the rule; convict prefixes the field name and
// appends the value.

import cron from 'node-cron';
import { parseDuration } from '../domain/duration.ts';
import { parseCidr } from '../domain/optin/ipAddress.ts';
import { hostPatternProblem } from '../domain/optin/probeTarget.ts';
import { parseLabelSelector } from '../domain/selection/labelSelector.ts';
import { matcherProblem } from '../domain/steadyState/blockers.ts';
import { templateProblems } from '../domain/steadyState/hypothesis.ts';
import { isTimeZone, parseClock, WEEKDAYS } from '../domain/window/businessWindow.ts';

export interface Format {
  name: string;
  validate(value: unknown): void;
  coerce?(value: unknown): unknown;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/** Values that convict does not print (falsy) are named in the message itself. */
function shown(value: unknown): string {
  return value ? '' : ` (got ${JSON.stringify(value)})`;
}

function list(value: unknown): unknown {
  return typeof value === 'string'
    ? value
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '')
    : value;
}

function stringArray(value: unknown, what: string, check: (item: string) => string | undefined): void {
  if (!Array.isArray(value)) throw new Error(`must be a list of ${what}`);
  const bad = value.map((v) => (typeof v === 'string' ? check(v) : `${JSON.stringify(v)} is not a string`)).filter(Boolean);
  if (bad.length > 0) throw new Error(bad.join('; '));
}

function whole(min: number) {
  return (value: unknown) => {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
      throw new Error(`must be a whole number of at least ${min}${shown(value)}`);
    }
  };
}

const toNumber = (v: unknown) => (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v)) ? Number(v) : v);

export const formats = {
  // convict's own Boolean turns any string but "false" into true ("no" would enable node chaos).
  boolean: {
    name: 'havoc-boolean',
    coerce: (v: unknown) => (v === 'true' ? true : v === 'false' ? false : v),
    validate(value: unknown) {
      if (typeof value !== 'boolean') throw new Error(`must be true or false${shown(value)}`);
    },
  },
  duration: {
    name: 'havoc-duration',
    validate(value: unknown) {
      if (typeof value !== 'string') throw new Error(`must be a duration string such as 30m, 8h, 2d${shown(value)}`);
      const seconds = parseDuration(value);
      if (seconds instanceof Error) throw new Error(`must be a duration such as 30m, 8h, 2d, 1h30m`);
    },
  },
  cron: {
    name: 'havoc-cron',
    validate(value: unknown) {
      if (typeof value !== 'string') throw new Error('must be a cron expression string');
      const result = cron.validateDetailed(value);
      if (!result.valid) {
        const why = result.errors
          .map((e) => `${e.field}${e.value === undefined ? '' : ` "${e.value}"`}: ${e.message}`)
          .join('; ');
        throw new Error(`is not a valid cron expression (${why || 'unparseable'})`);
      }
    },
  },
  timezone: {
    name: 'havoc-timezone',
    validate(value: unknown) {
      if (typeof value !== 'string' || !isTimeZone(value))
        throw new Error(`is not an IANA time zone such as Europe/Berlin${shown(value)}`);
    },
  },
  clock: {
    name: 'havoc-clock',
    validate(value: unknown) {
      if (typeof value !== 'string' || parseClock(value) === undefined)
        throw new Error(`must be a time of day HH:MM (24-hour)${shown(value)}`);
    },
  },
  weekdays: {
    name: 'havoc-weekdays',
    coerce: list,
    validate(value: unknown) {
      stringArray(value, 'weekdays', (d) =>
        (WEEKDAYS as readonly string[]).includes(d) ? undefined : `"${d}" is not one of ${WEEKDAYS.join(', ')}`,
      );
      if ((value as unknown[]).length === 0)
        throw new Error('must name at least one weekday (to stop all chaos, pause or set dryRun)');
    },
  },
  dates: {
    name: 'havoc-dates',
    coerce: list,
    validate(value: unknown) {
      stringArray(value, 'dates', (d) => {
        const ok = /^\d{4}-\d{2}-\d{2}$/.test(d) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d);
        return ok ? undefined : `"${d}" is not a date YYYY-MM-DD`;
      });
    },
  },
  names: {
    name: 'havoc-names',
    coerce: list,
    validate(value: unknown) {
      stringArray(value, 'namespace names', (n) => (DNS_LABEL.test(n) ? undefined : `"${n}" is not a valid namespace name`));
    },
  },
  labelSelector: {
    name: 'havoc-label-selector',
    validate(value: unknown) {
      if (typeof value !== 'string') throw new Error('must be a label selector string');
      const parsed = parseLabelSelector(value);
      if (parsed instanceof Error) throw parsed;
    },
  },
  labelPrefix: {
    name: 'havoc-label-prefix',
    validate(value: unknown) {
      if (typeof value !== 'string' || !DNS_NAME.test(value) || value.length > 253) {
        throw new Error(`must be a DNS subdomain such as havoc or chaos.example.com (no trailing slash)${shown(value)}`);
      }
    },
  },
  dnsName: {
    name: 'havoc-dns-name',
    validate(value: unknown) {
      if (typeof value !== 'string' || !DNS_NAME.test(value)) throw new Error(`must be a Kubernetes object name${shown(value)}`);
    },
  },
  count: { name: 'havoc-count', coerce: toNumber, validate: whole(1) },
  countOrZero: { name: 'havoc-count-or-zero', coerce: toNumber, validate: whole(0) },
  optionalSeconds: { name: 'havoc-optional-seconds', coerce: toNumber, validate: whole(0) },
  percent: {
    name: 'havoc-percent',
    coerce: toNumber,
    validate(value: unknown) {
      if (typeof value !== 'number' || !(value > 0 && value <= 100))
        throw new Error(`must be a percentage above 0 and at most 100${shown(value)}`);
    },
  },
  hostPatterns: {
    name: 'havoc-host-patterns',
    coerce: list,
    validate: (value: unknown) => stringArray(value, 'host names or *.suffix patterns', hostPatternProblem),
  },
  cidrs: {
    name: 'havoc-cidrs',
    coerce: list,
    validate: (value: unknown) =>
      stringArray(value, 'CIDR ranges', (item) => {
        const parsed = parseCidr(item);
        return parsed instanceof Error ? parsed.message : undefined;
      }),
  },
  optionalUrl: {
    name: 'havoc-optional-url',
    validate(value: unknown) {
      if (value === '') return;
      // The URL is secret: the message must not repeat it (convict hides sensitive values).
      if (typeof value !== 'string' || !URL.canParse(value) || !/^https?:$/.test(new URL(value).protocol)) {
        throw new Error('must be an http(s) URL');
      }
    },
  },
  // Not secret (unlike the webhook): the message repeats the value so the field and value are both named.
  optionalHttpUrl: {
    name: 'havoc-optional-http-url',
    validate(value: unknown) {
      if (value === '') return;
      if (typeof value !== 'string' || !URL.canParse(value) || !/^https?:$/.test(new URL(value).protocol)) {
        throw new Error(`must be an http(s) URL such as http://prometheus.monitoring:9090${shown(value)}`);
      }
    },
  },
  alertMatchers: {
    name: 'havoc-alert-matchers',
    // A matcher holds commas itself, so the env form is a JSON list.
    coerce: (v: unknown) => {
      if (typeof v !== 'string') return v;
      try {
        return v.trim() === '' ? [] : (JSON.parse(v) as unknown);
      } catch {
        return [v];
      }
    },
    validate(value: unknown) {
      stringArray(value, 'alert matchers', (m) => {
        const problem = matcherProblem(m);
        return problem === undefined ? undefined : `${JSON.stringify(m)} ${problem}`;
      });
    },
  },
  hypothesisTemplate: {
    name: 'havoc-hypothesis-template',
    validate(value: unknown) {
      if (typeof value !== 'string') throw new Error('must be a PromQL expression string');
      const problems = templateProblems(value);
      if (problems.length > 0) throw new Error(problems.join('; '));
    },
  },
} satisfies Record<string, Format>;
