/**
 * Builds the CDK app that `bin/app.ts` runs: the A55TokenBroker stack from the
 * `tokenBroker` context value, checked by cdk-nag. Kept out of bin/ so tests build the
 * very same app in memory.
 */
import { App, type AppProps } from 'aws-cdk-lib';
import { CONFIG_CONTEXT_KEY, loadBrokerConfig } from './config.js';
import { registerNag } from './nag-checks.js';
import { TokenBrokerStack } from './token-broker-stack.js';

/** The stack id: part of the deployed contract (renaming it deploys a second broker). */
export const BROKER_STACK_ID = 'A55TokenBroker';

/** The app and the broker stack in it. */
export interface BrokerApp {
  readonly app: App;
  readonly stack: TokenBrokerStack;
}

/**
 * Creates the app, the broker stack and the cdk-nag registration.
 *
 * @param props passed to `new App` (tests give `outdir` and `context`).
 * @param env the process environment: the stack is bound to `CDK_DEFAULT_ACCOUNT` and
 *   `CDK_DEFAULT_REGION` when both are set, and environment-agnostic otherwise.
 * @throws TokenBrokerConfigError when the `tokenBroker` context value is invalid.
 */
export function createBrokerApp(props: AppProps = {}, env: NodeJS.ProcessEnv = process.env): BrokerApp {
  const app = new App(props);
  const config = loadBrokerConfig(app.node.tryGetContext(CONFIG_CONTEXT_KEY));
  const account = env.CDK_DEFAULT_ACCOUNT;
  const region = env.CDK_DEFAULT_REGION;
  const stack = new TokenBrokerStack(app, BROKER_STACK_ID, {
    description: 'A55 token broker: scheduled OAuth 2.0 client-credentials tokens served over IAM',
    config,
    ...(account && region ? { env: { account, region } } : {}),
  });
  registerNag(app);
  return { app, stack };
}
