/**
 * The deployable stack: one TokenBroker built from the `tokenBroker` context
 * configuration, plus the outputs operators and consumers need after `cdk deploy`.
 */
import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import type { BrokerConfig } from './config.js';
import { createAlarmTopic } from './monitoring/alarm-topic.js';
import { TokenBroker } from './token-broker.js';
import { TokenBrokerConfigError } from './validation.js';

/** Properties of {@link TokenBrokerStack}. */
export interface TokenBrokerStackProps extends StackProps {
  /**
   * The broker configuration, e.g. `loadBrokerConfig(app.node.tryGetContext('tokenBroker'))`
   * (what `createBrokerApp` passes): read once, by the app.
   */
  readonly config: BrokerConfig;
}

/**
 * A stack holding one {@link TokenBroker}. Outputs: RefresherFunctionName, TableName,
 * FailureQueueUrl, DashboardName, DashboardUrl, AlarmTopicArn (with `alarmEmail`), and per
 * credential set, the name Pascal-cased (`sandbox-eu` -> `SandboxEu`):
 * `ReaderFunctionArn<Name>`, `ReaderUrl<Name>` (that set's reader, which serves that set
 * only) and `SecretArn<Name>`, plus `ReaderFunctionName<Name>` for the sets whose reader is
 * in this stack (the first `SETS_IN_BROKER_STACK` unless pinned; the ARN serves for the others).
 */
export class TokenBrokerStack extends Stack {
  /** The broker this stack deploys. */
  readonly broker: TokenBroker;
  /** The alarm topic, created when the configuration has an `alarmEmail`. */
  readonly alarmTopic?: sns.Topic;

  constructor(scope: Construct, id: string, props: TokenBrokerStackProps) {
    super(scope, id, props);
    const { config } = props;
    const suffixes = outputSuffixes(this.node.path, config.credentials);

    if (config.alarmEmail !== undefined) this.alarmTopic = createAlarmTopic(this, config.alarmEmail).topic;
    this.broker = new TokenBroker(this, 'TokenBroker', {
      credentials: config.credentials.map(({ secretKmsKeyArn, ...credential }) => ({
        ...credential,
        ...(secretKmsKeyArn === undefined
          ? {}
          : {
              secretEncryptionKey: kms.Key.fromKeyArn(
                this,
                `SecretKey${suffixes.get(credential.name)}`,
                secretKmsKeyArn,
              ),
            }),
      })),
      refreshInterval: Duration.minutes(config.refreshIntervalMinutes),
      ...(config.allowedOrganizationId === undefined
        ? {}
        : { allowedOrganizationId: config.allowedOrganizationId }),
      ...(config.allowedOrganizationSets === undefined
        ? {}
        : { allowedOrganizationSets: config.allowedOrganizationSets }),
      ...(config.refresherReservedConcurrency === undefined
        ? {}
        : { refresherReservedConcurrency: config.refresherReservedConcurrency }),
      ...(this.alarmTopic === undefined ? {} : { alarmTopic: this.alarmTopic }),
    });

    const { broker } = this;
    new CfnOutput(this, 'RefresherFunctionName', {
      description: 'Refresher Lambda: invoke with {"credential": NAME} to refresh a token now',
      value: broker.refresher.functionName,
    });
    new CfnOutput(this, 'TableName', { description: 'DynamoDB token cache', value: broker.table.tableName });
    new CfnOutput(this, 'FailureQueueUrl', {
      description:
        'SQS queue of failed refreshes (async invokes after their retries, undelivered rotation events)',
      value: broker.failureQueue.queueUrl,
    });
    new CfnOutput(this, 'DashboardName', {
      description: 'CloudWatch dashboard of the broker',
      value: broker.dashboard.dashboardName,
    });
    new CfnOutput(this, 'DashboardUrl', {
      // The commercial partition's console; the name output works everywhere.
      description: 'CloudWatch dashboard of the broker (console link)',
      value:
        `https://${this.region}.console.aws.amazon.com/cloudwatch/home?region=${this.region}` +
        `#dashboards:name=${broker.dashboard.dashboardName}`,
    });
    if (this.alarmTopic !== undefined) {
      new CfnOutput(this, 'AlarmTopicArn', {
        description: 'SNS topic of the broker alarms (confirm the e-mail subscription)',
        value: this.alarmTopic.topicArn,
      });
    }

    for (const { name, secret, reader, readerUrl } of broker.credentialSets) {
      const suffix = suffixes.get(name) as string;
      // Four outputs for each of 50 sets would pass CloudFormation's 200: a set in a nested
      // stack has no name output (its ARN serves wherever a function name does; decision 42).
      // By where the set is, not its position: a pinned set keeps its outputs (decision 47).
      if (Stack.of(reader) === this) {
        new CfnOutput(this, `ReaderFunctionName${suffix}`, {
          description: `Reader Lambda of credential set '${name}' (serves it only): invoke with {"credential": "${name}"} (needs lambda:InvokeFunction)`,
          value: reader.functionName,
        });
      }
      new CfnOutput(this, `ReaderFunctionArn${suffix}`, {
        description: `Reader Lambda ARN of credential set '${name}' (TOKEN_BROKER_FUNCTION)`,
        value: reader.functionArn,
      });
      new CfnOutput(this, `ReaderUrl${suffix}`, {
        description: `Reader Function URL of credential set '${name}' (SigV4): GET <url>token?credential=${name}`,
        value: readerUrl.url,
      });
      const imported = secret.secretFullArn === undefined;
      new CfnOutput(this, `SecretArn${suffix}`, {
        description: imported
          ? `Secret (imported by name) with the client credentials of credential set '${name}'`
          : `Secret with the client credentials of credential set '${name}': replace its placeholder value`,
        value: secret.secretFullArn ?? secret.secretName,
      });
    }
  }
}

/**
 * Each set's suffix of its output ids (and of its imported key's construct id).
 * @throws TokenBrokerConfigError when two names map to one suffix.
 */
function outputSuffixes(
  path: string,
  credentials: readonly { readonly name: string }[],
): Map<string, string> {
  const suffixes = new Map<string, string>();
  const owners = new Map<string, string>();
  for (const { name } of credentials) {
    const suffix = pascalCase(name);
    const clash = owners.get(suffix);
    if (clash !== undefined) {
      throw new TokenBrokerConfigError(
        `${path}: credential names '${clash}' and '${name}' both map to output SecretArn${suffix}; rename one`,
      );
    }
    owners.set(suffix, name);
    suffixes.set(name, suffix);
  }
  return suffixes;
}

/** `sandbox-eu` -> `SandboxEu`: CloudFormation output ids allow letters and digits only. */
function pascalCase(name: string): string {
  return name
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}
