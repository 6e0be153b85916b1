/**
 * CDK app entry (`cdk synth`, `cdk deploy`): the A55TokenBroker stack built from the
 * `tokenBroker` context value and checked by cdk-nag (AWS Solutions). A bad
 * configuration prints one clear line and exits 1, without a stack trace.
 */
import { createBrokerApp } from '../lib/broker-app.js';
import { TokenBrokerConfigError } from '../lib/validation.js';

try {
  createBrokerApp();
} catch (error) {
  if (!(error instanceof TokenBrokerConfigError)) throw error;
  console.error(`invalid token broker configuration: ${error.message}`);
  process.exit(1);
}
