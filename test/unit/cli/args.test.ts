// The command line as the README promises it: --version on every command,
// -o json as well as --json, and a flag a command does not use refused by name.
import test from 'ava';
import { COMMAND_OPTIONS, COMMANDS, HELP, parseCommandLine } from '../../../src/cli/args.ts';

test('--version and -V on every command, as on the root', (t) => {
  for (const command of COMMANDS) {
    t.deepEqual(parseCommandLine([command, '--version']), { version: true }, command);
    t.deepEqual(parseCommandLine([command, '-V']), { version: true }, command);
    t.regex(HELP[command], /-V, --version/, `${command} --help lists it`);
  }
  t.deepEqual(parseCommandLine(['--version']), { version: true });
});

test('-o json and --output json are --json; -o text is the default; anything else is named', (t) => {
  for (const command of ['status', 'plan'] as const) {
    t.like(parseCommandLine([command, '-o', 'json']), { command, json: true });
    t.like(parseCommandLine([command, '--output=json']), { command, json: true });
    t.like(parseCommandLine([command, '--json']), { command, json: true });
    t.like(parseCommandLine([command, '-o', 'text']), { command, json: false });
    t.like(parseCommandLine([command]), { command, json: false });
    t.deepEqual(parseCommandLine([command, '-o', 'yaml']), { error: `${command}: --output must be json or text, got "yaml"` });
  }
});

const refused: [string[], string][] = [
  [['run', '--reason', 'x'], "run: --reason is not an option of run (see 'kube-havoc run --help')"],
  [['run', '--json'], "run: --json is not an option of run (see 'kube-havoc run --help')"],
  [['pause', '--reason', 'x', '-o', 'json'], "pause: -o is not an option of pause (see 'kube-havoc pause --help')"],
  [['pause', '--reason', 'x', '--seed', '1'], "pause: --seed is not an option of pause (see 'kube-havoc pause --help')"],
  [['resume', '--reason', 'x'], "resume: --reason is not an option of resume (see 'kube-havoc resume --help')"],
  [['status', '--by', 'alice'], "status: --by is not an option of status (see 'kube-havoc status --help')"],
  [['plan', '--reason', 'x'], "plan: --reason is not an option of plan (see 'kube-havoc plan --help')"],
  [['validate', 'c.yaml', '--seed', '2'], "validate: --seed is not an option of validate (see 'kube-havoc validate --help')"],
  [
    ['validate', 'c.yaml', '-n', 'havoc'],
    'validate: -n is for pause, resume, status, history and plan; validate reads daemon.namespace from the config',
  ],
];

for (const [argv, error] of refused) {
  test(`refused, naming the flag: kube-havoc ${argv.join(' ')}`, (t) => {
    t.deepEqual(parseCommandLine(argv), { error });
  });
}

test('an unknown flag is named too', (t) => {
  t.regex((parseCommandLine(['status', '--bogus']) as { error: string }).error, /^status: .*'--bogus'/);
});

test("every option a command's help lists, it accepts; no other", (t) => {
  for (const command of COMMANDS) {
    const listed = [...HELP[command].matchAll(/--([a-z-]+)/g)].map((m) => m[1]).filter((o) => o !== undefined);
    t.deepEqual([...new Set(listed)].sort(), [...COMMAND_OPTIONS[command]].sort(), command);
  }
});
