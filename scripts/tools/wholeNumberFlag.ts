// A command-line flag that must be a whole number, for the project's scripts
// (the daemon's own flags are parsed in src/cli/args.ts). The error names the
// flag and the text as given, so `--runs abc` says "abc", not "NaN".

export function wholeNumberFlag(name: string, text: string | undefined, min = 0): number {
  const n = Number(text);
  if (text === undefined || text.trim() === '' || !Number.isInteger(n) || n < min)
    throw new Error(`--${name} must be a whole number >= ${min}, got "${text ?? ''}"`);
  return n;
}
