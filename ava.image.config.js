// The image suite (npm run test:image): builds the Dockerfile with podman and
// runs it against the e2e control plane and a local OCI registry. Serial, one
// file; the timeout covers a cold image build in the before hook.
export default {
  files: ['test/e2e/**/*.image.test.ts'],
  extensions: ['ts'],
  serial: true,
  concurrency: 1,
  timeout: '20m',
};
