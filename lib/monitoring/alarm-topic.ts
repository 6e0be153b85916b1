/**
 * The SNS topic the stack creates for the broker's alarms when the `alarmEmail` context
 * value is set: encrypted with its own rotated KMS key (CloudWatch cannot publish to a topic
 * encrypted with the AWS managed SNS key), TLS only, one e-mail subscription.
 */
import { ArnFormat, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';

/** The topic and its key. */
export interface AlarmTopic {
  readonly topic: sns.Topic;
  readonly key: kms.Key;
}

/**
 * Creates `AlarmTopicKey` and `AlarmTopic` (with an e-mail subscription to `email`) in
 * `scope`. The subscriber must confirm the subscription from the e-mail AWS sends.
 */
export function createAlarmTopic(scope: Construct, email: string): AlarmTopic {
  const stack = Stack.of(scope);
  const key = new kms.Key(scope, 'AlarmTopicKey', {
    description: 'Encrypts the A55 token broker alarm topic (SNS)',
    enableKeyRotation: true,
    // It protects notifications in transit through SNS only; nothing stays encrypted under it.
    removalPolicy: RemovalPolicy.DESTROY,
  });
  const alarmsOfThisAccount = {
    StringEquals: { 'aws:SourceAccount': stack.account },
    ArnLike: {
      'aws:SourceArn': stack.formatArn({
        service: 'cloudwatch',
        resource: 'alarm',
        resourceName: '*',
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      }),
    },
  };
  // CloudWatch publishes alarm notifications as a service; SNS uses the key on its behalf.
  // Only for this account's alarms (confused-deputy guard, as on the topic policy below).
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'AllowCloudWatchAlarms',
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      resources: ['*'],
      conditions: alarmsOfThisAccount,
    }),
  );
  const topic = new sns.Topic(scope, 'AlarmTopic', {
    displayName: 'A55 token broker alarms',
    masterKey: key,
    enforceSSL: true,
  });
  // Only this account's alarms may publish (confused-deputy guard).
  topic.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'AllowCloudWatchAlarmsOfThisAccount',
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['sns:Publish'],
      resources: [topic.topicArn],
      conditions: alarmsOfThisAccount,
    }),
  );
  topic.addSubscription(new EmailSubscription(email));
  return { topic, key };
}
