// The end-to-end suite: a real control plane on 127.0.0.1 (test/e2e/harness).
// Serial: the scenarios share one cluster per file and the machine has 2 cores.
export default {
  files: ['test/e2e/**/*.e2e.test.ts'],
  extensions: ['ts'],
  serial: true,
  concurrency: 1,
  timeout: '10m',
};
