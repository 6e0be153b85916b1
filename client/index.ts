/**
 * Consumer library of the A55 token broker (`a55-token-broker/client`): re-exports only.
 * It imports the AWS SDK's Lambda client and SigV4 signer and the broker's contract
 * (`contract/`, dependency-free), never aws-cdk-lib nor the broker's own code.
 */

export { TOKEN_BROKER_ENV } from '../contract/index.js';
export {
  A55_API_BASE_URL,
  A55Client,
  type A55ClientOptions,
  type A55RequestOptions,
  type QueryValue,
  type TokenSource,
} from './a55-client.js';
export { A55ApiError, A55Error, A55RequestError, A55TimeoutError } from './a55-errors.js';
export { type Clock, systemClock } from './clock.js';
export type { BrokerTargetOptions } from './create-transport.js';
export { type EnvironmentTarget, readEnvironment } from './environment.js';
export {
  BadRequest,
  BrokerAccessDenied,
  BrokerResponseInvalid,
  BrokerUnavailable,
  ClientConfigError,
  InternalError,
  MethodNotAllowed,
  NotFound,
  TokenBrokerError,
  type TokenBrokerErrorOptions,
  TokenUnavailable,
  UnknownCredential,
} from './errors.js';
export { rejectedTokenHash } from './rejected-token.js';
export {
  type GetTokenOptions,
  TokenBrokerClient,
  type TokenBrokerClientOptions,
} from './token-broker-client.js';
export { InvokeTransport, type InvokeTransportOptions } from './transports/invoke-transport.js';
export {
  type AwsCredentials,
  type AwsCredentialsProvider,
  SigV4Signer,
  type SigV4SignerOptions,
} from './transports/sigv4-signer.js';
export type { BrokerToken, TokenRequest, TokenTransport } from './transports/transport.js';
export { UrlTransport, type UrlTransportOptions } from './transports/url-transport.js';
