/**
 * The deployable stack: one TokenBroker built from the `tokenBroker` context
 * configuration, plus the outputs operators and consumers need after `cdk deploy`.
 */
import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
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
 * A stack holding one {@link TokenBroker}. Outputs: ReaderFunctionName,
 * ReaderFunctionArn, ReaderUrl, RefresherFunctionName, TableName, FailureQueueUrl,
 * DashboardName, DashboardUrl, AlarmTopicArn (with `alarmEmail`), and
 * `SecretArn<Name>` per credential set (e.g. `SecretArnSandbox`).
 */
export class TokenBrokerStack extends Stack {
  /** The broker this stack deploys. */
  readonly broker: TokenBroker;
  /** The alarm topic, created when the configuration has an `alarmEmail`. */
  readonly alarmTopic?: sns.Topic;

  constructor(scope: Construct, id: string, props: TokenBrokerStackProps) {
    super(scope, id, props);
    const { config } = props;

    if (config.alarmEmail !== undefined) this.alarmTopic = createAlarmTopic(this, config.alarmEmail).topic;
    this.broker = new TokenBroker(this, 'TokenBroker', {
      credentials: config.credentials,
      refreshInterval: Duration.minutes(config.refreshIntervalMinutes),
      ...(config.allowedOrganizationId === undefined
        ? {}
        : { allowedOrganizationId: config.allowedOrganizationId }),
      ...(this.alarmTopic === undefined ? {} : { alarmTopic: this.alarmTopic }),
    });

    const { broker } = this;
    new CfnOutput(this, 'ReaderFunctionName', {
      description: 'Reader Lambda: invoke with {"credential": NAME} (needs lambda:InvokeFunction)',
      value: broker.reader.functionName,
    });
    new CfnOutput(this, 'ReaderFunctionArn', {
      description: 'Reader Lambda ARN',
      value: broker.reader.functionArn,
    });
    new CfnOutput(this, 'ReaderUrl', {
      description: 'Reader Function URL (SigV4): GET <url>token?credential=NAME',
      value: broker.readerUrl.url,
    });
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

    const outputIds = new Map<string, string>();
    for (const { name, secret } of broker.credentialSets) {
      const outputId = `SecretArn${pascalCase(name)}`;
      const clash = outputIds.get(outputId);
      if (clash !== undefined) {
        throw new TokenBrokerConfigError(
          `${this.node.path}: credential names '${clash}' and '${name}' both map to output ${outputId}; rename one`,
        );
      }
      outputIds.set(outputId, name);
      const imported = secret.secretFullArn === undefined;
      new CfnOutput(this, outputId, {
        description: imported
          ? `Secret (imported by name) with the client credentials of credential set '${name}'`
          : `Secret with the client credentials of credential set '${name}': replace its placeholder value`,
        value: secret.secretFullArn ?? secret.secretName,
      });
    }
  }
}

/** `sandbox-eu` -> `SandboxEu`: CloudFormation output ids allow letters and digits only. */
function pascalCase(name: string): string {
  return name
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}
