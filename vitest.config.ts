import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup.ts'],
    // Builds the prebuilt Lambda assets the construct deploys and the integration tests run.
    globalSetup: ['test/global-setup.ts'],
    // Integration and infra suites synthesize the CDK app and start local servers once per file.
    hookTimeout: 120_000,
    testTimeout: 30_000,
    // Two cores: keep CPU-heavy synth/bundling files from starving each other.
    maxWorkers: 2,
    env: {
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      CDK_DISABLE_CLI_TELEMETRY: 'true',
    },
  },
});
