/**
 * The broker's contract: the rules, limits, names and shapes that the construct (`lib/`),
 * the Lambdas (`lambda/`), the client (`client/`) and the local broker (`local/`) share.
 * It depends on nothing (no AWS SDK, no aws-cdk-lib), so every layer may import it; a
 * rule defined here is imported, never restated. See docs/design.md, "Map".
 */
export * from './client-credentials.js';
export * from './credential-set.js';
export * from './environment.js';
export * from './limits.js';
export * from './loopback.js';
export * from './oauth-errors.js';
export * from './reader-errors.js';
export * from './refresh-event.js';
export * from './refresher-config.js';
export * from './rejected-token.js';
export * from './retry-after.js';
export * from './retry-chain.js';
export * from './telemetry.js';
export * from './token-view.js';
