/**
 * How the broker builds each of its Lambdas: the same runtime and architecture, the
 * prebuilt code from dist/lambda-assets (lib/lambda-assets.ts: bundled once by
 * `npm run build`, AWS SDK inside, so synth runs no bundler and deploys exactly the
 * tested files), an explicit log group with a set retention, and an explicit role that
 * starts empty (no AWSLambdaBasicExecutionRole: its logs:* actions apply to every log
 * group in the account).
 */
import { tmpdir } from 'node:os';
import { type Duration, RemovalPolicy, Stage } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Architecture, Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import {
  LAMBDA_ASSET_HANDLER,
  type LambdaAssetName,
  lambdaAssetDir,
  stagedLambdaAssetDir,
} from './lambda-assets.js';

/** What differs between the refresher and the reader. */
export interface BrokerFunctionOptions {
  /** Which prebuilt asset the function runs (lib/lambda-assets.ts). */
  readonly asset: LambdaAssetName;
  /** Shown in the console. */
  readonly description: string;
  /** Maximum run time. */
  readonly timeout: Duration;
  /** The handler's environment (names in contract/environment.ts). */
  readonly environment: Record<string, string>;
  /**
   * Files generated at synth and deployed beside the handler (name -> text), e.g. the
   * refresher's `refresher-config.json`: configuration that Lambda's 4 KB environment
   * would bound.
   * @default - the prebuilt asset as it is
   */
  readonly assetFiles?: Readonly<Record<string, string>>;
  /** How long the function's logs are kept. */
  readonly logRetention: logs.RetentionDays;
  /**
   * Concurrency reserved for the function (and the most it may use).
   * @default - none: it shares the account's unreserved pool
   */
  readonly reservedConcurrentExecutions?: number;
}

/** A broker Lambda with the role and log group made for it. */
export interface BrokerFunction {
  /** The function, running its prebuilt asset. */
  readonly fn: LambdaFunction;
  /** Holds only what the caller grants plus writing to {@link logGroup}. */
  readonly role: iam.Role;
  /** Where the function logs; deleted with the function. */
  readonly logGroup: logs.LogGroup;
}

/**
 * Creates `<id>` (the function), `<id>Role` and `<id>LogGroup` in `scope`.
 * The construct ids are part of the deployed contract: renaming one replaces the resource.
 */
export function createBrokerFunction(
  scope: Construct,
  id: string,
  options: BrokerFunctionOptions,
): BrokerFunction {
  const logGroup = new logs.LogGroup(scope, `${id}LogGroup`, {
    retention: options.logRetention,
    // Logs never contain tokens or secrets and the group belongs to this function only.
    removalPolicy: RemovalPolicy.DESTROY,
  });
  const role = new iam.Role(scope, `${id}Role`, {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: `Execution role of the token broker ${id.toLowerCase()}`,
  });
  logGroup.grantWrite(role);

  const fn = new LambdaFunction(scope, id, {
    code: Code.fromAsset(
      options.assetFiles === undefined
        ? lambdaAssetDir(options.asset)
        : stagedLambdaAssetDir(options.asset, options.assetFiles, Stage.of(scope)?.outdir ?? tmpdir()),
    ),
    handler: LAMBDA_ASSET_HANDLER,
    description: options.description,
    runtime: Runtime.NODEJS_24_X,
    architecture: Architecture.ARM_64,
    memorySize: 256,
    timeout: options.timeout,
    role,
    logGroup,
    environment: options.environment,
    ...(options.reservedConcurrentExecutions === undefined
      ? {}
      : { reservedConcurrentExecutions: options.reservedConcurrentExecutions }),
  });
  return { fn, role, logGroup };
}
