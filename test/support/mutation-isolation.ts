/**
 * Setup file of vitest.mutation.config.ts, which turns vitest's per-file isolation off (each
 * mutant's tests then run three times faster, reusing loaded modules). What a test file
 * leaves patched must not reach the next file, so after each file this puts back the AWS SDK
 * clients' `send` (aws-sdk-client-mock stubs it on the prototype, in sinon's default sandbox),
 * spies, stubbed globals and environment variables, and the real timers.
 */
import sinon from 'sinon';
import { afterAll, vi } from 'vitest';

afterAll(() => {
  sinon.restore();
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
  vi.unstubAllGlobals();
  vi.useRealTimers();
});
