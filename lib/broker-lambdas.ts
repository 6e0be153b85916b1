/**
 * The broker's refresher as the TokenBroker wires it: the only function that reads the
 * client secrets, with its environment (names from contract/environment.ts), the table
 * key, its queues and parameters, and the concurrency reserved for it; its per-set grants
 * (secrets, item keys) are lib/refresher-grants.ts. The readers, one per set, are lib/credential-reader.ts.
 */
import { Duration } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { BROKER_FUNCTION_ENV, METRICS_NAMESPACE, SERVICE } from '../contract/index.js';
import { createBrokerFunction } from './broker-function.js';
import { grantRefresherParameters, type RefresherConfigPlan } from './refresher-config.js';
import { grantTableKey } from './table-access.js';

/** What {@link createRefresher} builds the function from. */
export interface RefresherOptions {
  readonly table: dynamodb.Table;
  readonly tableKey: kms.IKey;
  /** The broker's name: the `broker` dimension of the metrics it emits (BROKER_NAME). */
  readonly brokerName: string;
  /** Its sets: `refresher-config.json` in its asset, and their parameters' path (lib/refresher-config.ts). */
  readonly config: RefresherConfigPlan;
  readonly logRetention: logs.RetentionDays;
  /** The schedules' interval: a token that will not outlive the next run is counted (TokenLifetimeTooShort). */
  readonly refreshInterval: Duration;
  /** Concurrency reserved for it; undefined for none. */
  readonly reservedConcurrency?: number;
}

/** Creates `Refresher` (with its role and log group) in `scope`. */
export function createRefresher(scope: Construct, options: RefresherOptions): lambda.Function {
  const { table } = options;
  const env = BROKER_FUNCTION_ENV;
  const { config } = options;

  const refresher = createBrokerFunction(scope, 'Refresher', {
    asset: 'refresher',
    assetFiles: config.files,
    description: 'A55 token broker: fetches a client-credentials token and stores it in DynamoDB',
    // Room for the token request's 10 s timeout plus backoff retries on 429/5xx.
    timeout: Duration.seconds(60),
    logRetention: options.logRetention,
    ...(options.reservedConcurrency === undefined
      ? {}
      : { reservedConcurrentExecutions: options.reservedConcurrency }),
    environment: {
      [env.tableName]: table.tableName,
      // The sets are in the asset's refresher-config.json: the environment stays the same size for any number.
      ...(config.parameterPath === undefined ? {} : { [env.secretIdParameterPath]: config.parameterPath }),
      [env.refreshIntervalSeconds]: String(options.refreshInterval.toSeconds()),
      [env.brokerName]: options.brokerName,
      POWERTOOLS_SERVICE_NAME: SERVICE.refresher,
      POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
      POWERTOOLS_LOG_LEVEL: 'INFO',
    },
  });
  // Its item calls and secrets, per set, are in managed policies of their own
  // (lib/refresher-grants.ts): that part grows with the number of sets.
  // What grantWriteData would give on the key, without the ReEncrypt*/GenerateDataKey* wildcards
  // that DynamoDB item calls never use.
  grantTableKey(refresher.role, options.tableKey, [
    'kms:Decrypt',
    'kms:DescribeKey',
    'kms:Encrypt',
    'kms:GenerateDataKey',
  ]);
  // Its sets' deploy-time fields, read once at cold start.
  grantRefresherParameters(refresher.role, config);
  return refresher.fn;
}
