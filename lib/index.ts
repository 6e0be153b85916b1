/** Public API of the A55 token broker CDK library: re-exports only. */
export * from './broker-app.js';
export * from './config.js';
export * from './nag.js';
export * from './token-broker.js';
export * from './token-broker-props.js';
export * from './token-broker-stack.js';
export {
  ORGANIZATION_ID_PATTERN,
  READER_CACHE_SECONDS,
  REFRESH_INTERVAL_MINUTES,
  TokenBrokerConfigError,
} from './validation.js';
