/**
 * What a {@link TokenBroker} offers the constructs and helpers built on it (its
 * CredentialSets, its alarms and its dashboard), as an interface: they depend on this,
 * not on the class, so no file imports the construct that imports it.
 */
import type { Duration } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { IConstruct } from 'constructs';

/** A token broker: its shared resources and its metrics (implemented by TokenBroker). */
export interface ITokenBroker extends IConstruct {
  /** Set names in configuration order. */
  readonly credentialNames: string[];
  /** The `broker` dimension of its metrics, the prefix of its alarm names, its dashboard's name. */
  readonly brokerName: string;
  /**
   * The token cache every set's items live in. The class, not `ITable`: under a consumer's
   * `exactOptionalPropertyTypes`, `Table` does not satisfy `ITable` (tableStreamArn).
   */
  readonly table: dynamodb.Table;
  /** The key encrypting {@link table}. */
  readonly tableKey: kms.IKey;
  /** The function every trigger invokes. */
  readonly refresher: lambda.IFunction;
  /** Seconds each set's reader keeps its item in memory. */
  readonly readerCacheSeconds: number;
  /** How long the broker's function logs are kept. */
  readonly logRetention: logs.RetentionDays;
  /** Time between two scheduled refreshes of each set. */
  readonly refreshInterval: Duration;
  /** The role the schedules invoke the refresher with. */
  readonly schedulerRole: iam.Role;
  /** The deploy-time refresh provider's role. */
  readonly deployRefreshRole: iam.Role;
  /** The deploy-time refresh provider's log group. */
  readonly deployRefreshLogGroup: logs.LogGroup;
  /** Failed refreshes and undeliverable rotation events. */
  readonly failureQueue: sqs.IQueue;
  /** The start of its rotation rules' names (`a55-<8 hex>-`), which the refresher's permission names. */
  readonly rotationRulePrefix: string;
  /** The topic every alarm notifies, when one was given. */
  readonly alarmTopic?: sns.ITopic;
  /** RefreshSucceeded of a set. */
  metricRefreshSucceeded(credential: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /** RefreshFailed of a set. */
  metricRefreshFailed(credential: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /** SecretRejected of a set. */
  metricSecretRejected(credential: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /** TokenSecondsRemaining of a set. */
  metricTokenSecondsRemaining(credential: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /** TokenLifetimeTooShort of a set. */
  metricTokenLifetimeTooShort(credential: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /** ReadServed of a set. */
  metricReadServed(credential: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /** ReadUnavailable of a set. */
  metricReadUnavailable(credential: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /** RefreshRequested of a set. */
  metricRefreshRequested(credential: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /** ReadFailed of every reader of the broker. */
  metricReadFailed(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /** ReadRefused of every reader of the broker. */
  metricReadRefused(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
}
