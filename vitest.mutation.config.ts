/**
 * The unit suites Stryker runs against each mutant (stryker.config.mjs): the tests of the
 * mutated areas (contract, client, lambda/core, lambda/adapters), which need no build, no
 * DynamoDB Local and no synth, so a mutant is judged in milliseconds. The integration, infra
 * and package suites stay in `npm test`.
 */
import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

/** The unit test files of the mutated areas. */
export const MUTATION_TEST_FILES = [
  'test/unit/contract/**/*.test.ts',
  'test/unit/client/**/*.test.ts',
  'test/unit/lambda/core/**/*.test.ts',
  'test/unit/lambda/adapters/**/*.test.ts',
];

export default defineConfig({
  test: {
    include: MUTATION_TEST_FILES,
    exclude: [
      // Bundles the client with esbuild to check what it pulls in: a packaging test, not a unit one.
      'test/unit/client/package-entry.test.ts',
      // Real sockets and wall-clock waits (300 ms, 700 ms): under a loaded machine its timing fails
      // a run that no mutant caused. The signal it checks is also asserted per call in the stores'
      // and the trigger's own tests.
      'test/unit/lambda/adapters/reader-adapters-deadline.test.ts',
    ],
    // Reusing loaded modules across test files makes each mutant's run about three times
    // faster; test/support/mutation-isolation.ts undoes what a file patched before the next.
    isolate: false,
    setupFiles: [...(base.test?.setupFiles ?? []), 'test/support/mutation-isolation.ts'],
    env: base.test?.env,
  },
});
