/**
 * Wires a consumer to the broker in one call: the IAM grant plus the environment
 * variables `new TokenBrokerClient()` reads, so consumer code needs no configuration.
 */
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { TOKEN_BROKER_ENV } from '../contract/index.js';
import type { TokenBroker } from './token-broker.js';

/** Options of {@link connectConsumer}. */
export interface ConnectConsumerOptions {
  /**
   * The credential set the consumer's client asks for (TOKEN_BROKER_CREDENTIAL). Required
   * when the broker serves more than one set, so no consumer ends up on production (or
   * sandbox) by the order of a list.
   * @default the broker's only set
   */
  readonly credential?: string;
}

/** What {@link connectConsumer} wires: a Lambda function, or an ECS container. */
export type TokenBrokerConsumer = lambda.Function | ecs.ContainerDefinition;

/**
 * Lets `consumer` read tokens and tells its {@link TokenBrokerClient} where from.
 *
 * - A Lambda function gets `TOKEN_BROKER_FUNCTION` (the reader's name: Lambda Invoke).
 * - An ECS container gets `TOKEN_BROKER_URL` (the reader's Function URL: SigV4 with the
 *   task role), and the grant goes to its task role.
 *
 * Both get `TOKEN_BROKER_CREDENTIAL`, and `broker.grantRead` on their role.
 *
 * @returns the grant, as `broker.grantRead` returns it.
 * @throws Error when `credential` is not one of the broker's sets, or is missing while
 *   the broker has several.
 * @example
 * const broker = new TokenBroker(this, 'A55Tokens', { credentials: [{ name: 'production' }] });
 * const fn = new NodejsFunction(this, 'Payments', { entry: 'src/payments.ts' });
 * connectConsumer(broker, fn);
 * // src/payments.ts: const a55 = new A55Client({ broker: new TokenBrokerClient() });
 */
export function connectConsumer(
  broker: TokenBroker,
  consumer: TokenBrokerConsumer,
  options: ConnectConsumerOptions = {},
): iam.Grant {
  const credential = chooseCredential(broker.credentialNames, options.credential);
  // Told apart by shape, not instanceof: a consumer app may load its own copy of aws-cdk-lib.
  if (isContainer(consumer)) {
    consumer.addEnvironment(TOKEN_BROKER_ENV.url, broker.readerUrl.url);
    consumer.addEnvironment(TOKEN_BROKER_ENV.credential, credential);
    return broker.grantRead(consumer.taskDefinition.taskRole);
  }
  consumer.addEnvironment(TOKEN_BROKER_ENV.functionName, broker.reader.functionName);
  consumer.addEnvironment(TOKEN_BROKER_ENV.credential, credential);
  return broker.grantRead(consumer);
}

function isContainer(consumer: TokenBrokerConsumer): consumer is ecs.ContainerDefinition {
  return 'taskDefinition' in consumer && 'containerName' in consumer;
}

function chooseCredential(names: readonly string[], wanted: string | undefined): string {
  const known = names.map((name) => `'${name}'`).join(', ');
  if (wanted === undefined) {
    const [only] = names;
    if (names.length === 1 && only !== undefined) return only;
    throw new Error(`connectConsumer needs options.credential: this broker serves ${known}`);
  }
  if (!names.includes(wanted)) {
    throw new Error(
      `connectConsumer credential '${wanted}' is not served by this broker: it serves ${known}`,
    );
  }
  return wanted;
}
