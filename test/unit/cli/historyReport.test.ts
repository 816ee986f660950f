import test from 'ava';
import { parseCommandLine } from '../../../src/cli/args.ts';
import { csvField, historyCsv, renderHistory } from '../../../src/cli/historyReport.ts';
import type { Attempt } from '../../../src/domain/history/attempts.ts';

const kill: Attempt = {
  at: '2026-11-20T10:00:00.000Z',
  namespace: 'shop',
  kind: 'Deployment',
  workload: 'checkout',
  action: 'pod-evict',
  result: 'killed',
  dryRun: false,
  count: 2,
  victims: ['checkout-a', 'checkout-b'],
  reason: 'mtbf 2d, chance 0.05, "one"',
  recovery: {
    at: '2026-11-20T10:00:42.000Z',
    recovered: true,
    seconds: 42,
    hypothesis: { verdict: 'held', detail: 'held (1)' },
  },
};
const drain: Attempt = {
  at: '2026-11-20T09:00:00.000Z',
  namespace: '',
  kind: 'Node',
  workload: 'worker-3',
  action: 'node-drain',
  result: 'blocked',
  dryRun: true,
  count: 0,
  victims: ['worker-3'],
  reason: 'node chaos',
  detail: 'not draining worker-3: web-0 PDB web,\nmin 1',
};

test('history: --since and --json or --csv; a bad duration and both formats at once are named', (t) => {
  t.like(parseCommandLine(['history']), { command: 'history', sinceSeconds: 7 * 86_400, csv: false, json: false });
  t.like(parseCommandLine(['history', '--since', '30d', '--csv', '-n', 'havoc']), {
    command: 'history',
    sinceSeconds: 30 * 86_400,
    csv: true,
    namespace: 'havoc',
  });
  t.like(parseCommandLine(['history', '--since', '24h', '--json']), { sinceSeconds: 86_400, json: true });
  t.deepEqual(parseCommandLine(['history', '--since', 'a week']), {
    error: 'history: --since "a week" is not a duration (use e.g. 30m, 8h, 2d, 1h30m)',
  });
  t.deepEqual(parseCommandLine(['history', '--json', '--csv']), { error: 'history: choose one of -o json and --csv' });
  t.deepEqual(parseCommandLine(['history', '-o', 'json', '--csv']), { error: 'history: choose one of -o json and --csv' });
  t.deepEqual(parseCommandLine(['status', '--since', '7d']), {
    error: "status: --since is not an option of status (see 'kube-havoc status --help')",
  });
  t.regex((parseCommandLine(['history', '--help']) as { help: string }).help, /--since DURATION/);
});

test('history lines: newest first as given, one per attempt with its verdict, the dry run and the detail of a block', (t) => {
  const text = renderHistory([kill, drain], '2026-11-13T10:00:00.000Z');
  const lines = text.trimEnd().split('\n');
  t.is(lines[0], '2 attempt(s) since 2026-11-13T10:00:00.000Z, newest first:');
  t.regex(
    lines[1] ?? '',
    /10:00:00.000Z  pod-evict  killed {7}2  shop\/Deployment\/checkout  recovered in 42s; hypothesis held \(1\)$/,
  );
  t.regex(lines[2] ?? '', /node-drain blocked .*node\/worker-3  \[dry run\]  \(not draining worker-3/);
  t.is(renderHistory([], 'x'), 'No kills, drains or verdicts recorded since x.\n');
});

test('CSV follows RFC 4180: a header, CRLF records, fields with commas, quotes or line breaks quoted with quotes doubled', (t) => {
  t.is(csvField('plain'), 'plain');
  t.is(csvField('a,b'), '"a,b"');
  t.is(csvField('say "hi"'), '"say ""hi"""');
  t.is(csvField('two\nlines'), '"two\nlines"');
  const csv = historyCsv([kill, drain]);
  t.true(csv.endsWith('\r\n'));
  const records = csv.split('\r\n');
  t.is(
    records[0],
    'at,namespace,kind,workload,action,result,dryRun,count,victims,recovery,recoverySeconds,hypothesis,hypothesisDetail,detail,reason,released',
  );
  t.is(
    records[1],
    '2026-11-20T10:00:00.000Z,shop,Deployment,checkout,pod-evict,killed,false,2,checkout-a checkout-b,recovered,42,held,held (1),,' +
      '"mtbf 2d, chance 0.05, ""one""",',
  );
  t.is(
    records[2],
    '2026-11-20T09:00:00.000Z,,Node,worker-3,node-drain,blocked,true,0,worker-3,pending,,,,"not draining worker-3: web-0 PDB web,\nmin 1",node chaos,',
  );
});
