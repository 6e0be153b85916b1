/**
 * Public API of the A55 token broker CDK library: re-exports only. The construct
 * (TokenBroker, its CredentialSets and their props), the deployable stack, the
 * configuration it is built from, and the error every validation throws.
 */
export { A55_TOKEN_URL } from '../contract/index.js';
export {
  type BrokerConfig,
  CONFIG_CONTEXT_KEY,
  type CredentialSetConfig,
  DEFAULT_BROKER_CONFIG,
  loadBrokerConfig,
} from './config.js';
export { CredentialSet, type CredentialSetProps } from './credential-set.js';
export type { CredentialAlarms, TokenBrokerAlarms } from './monitoring/alarms.js';
export type { ConnectConsumerOptions } from './reader-access.js';
export { TokenBroker } from './token-broker.js';
export type { ITokenBroker } from './token-broker-parts.js';
export type { TokenBrokerCredential, TokenBrokerProps } from './token-broker-props.js';
export { TokenBrokerStack, type TokenBrokerStackProps } from './token-broker-stack.js';
export { TokenBrokerConfigError } from './validation.js';
