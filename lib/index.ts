/** Public API of the A55 token broker CDK library: re-exports only. */
export * from './broker-app.js';
export * from './config.js';
export * from './nag.js';
export { type AlarmTopic, createAlarmTopic } from './operations/alarm-topic.js';
export {
  type CredentialAlarms,
  TOKEN_EXPIRY_ALARM_SECONDS,
  type TokenBrokerAlarms,
} from './operations/alarms.js';
export { REFRESHER_FINGERPRINT_PROPERTY } from './operations/deploy-refresh.js';
export { rotationEventPattern } from './operations/rotation.js';
export * from './token-broker.js';
export * from './token-broker-consumer.js';
export * from './token-broker-props.js';
export * from './token-broker-stack.js';
export {
  EMAIL_PATTERN,
  ORGANIZATION_ID_PATTERN,
  READER_CACHE_SECONDS,
  REFRESH_INTERVAL_MINUTES,
  TokenBrokerConfigError,
} from './validation.js';
