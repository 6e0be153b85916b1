/**
 * How the broker builds each of its two Lambdas: the same runtime, architecture and
 * local esbuild bundling, an explicit log group with a set retention, and an explicit
 * role that starts empty (no AWSLambdaBasicExecutionRole: its logs:* actions apply to
 * every log group in the account).
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

/** The repository root: entries and the lock file are found from here, not from the cwd. */
const PROJECT_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * esbuild settings for both handlers. ESM for top-level await and smaller cold starts;
 * the banner gives bundled CommonJS dependencies a `require`; the AWS SDK v3 is left out
 * because the Node.js 24 runtime ships it.
 */
export const BUNDLING = {
  format: OutputFormat.ESM,
  target: 'node22',
  minify: true,
  sourceMap: false,
  mainFields: ['module', 'main'],
  banner: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
  externalModules: ['@aws-sdk/*'],
  forceDockerBundling: false,
} as const;

/** What differs between the refresher and the reader. */
export interface BrokerFunctionOptions {
  /** Handler file under `lambda/handlers/`, e.g. `refresh.ts`; it must `export const handler`. */
  readonly entry: string;
  /** Shown in the console. */
  readonly description: string;
  /** Maximum run time. */
  readonly timeout: Duration;
  /** The handler's environment (names in contract/environment.ts). */
  readonly environment: Record<string, string>;
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
  /** The function, bundled from its handler file. */
  readonly fn: NodejsFunction;
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

  const fn = new NodejsFunction(scope, id, {
    entry: join(PROJECT_ROOT, 'lambda', 'handlers', options.entry),
    handler: 'handler',
    projectRoot: PROJECT_ROOT,
    depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json'),
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
    bundling: {
      ...BUNDLING,
      mainFields: [...BUNDLING.mainFields],
      externalModules: [...BUNDLING.externalModules],
    },
  });
  return { fn, role, logGroup };
}
