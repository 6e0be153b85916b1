/**
 * What the tests that run the bundled handlers need of a synthesized template before the
 * first cold start: the token table on DynamoDB Local exactly as the template defines it
 * (key schema, attributes, billing, TTL attribute), the loopback AWS stand-in, and the
 * references the functions' environments hold (table, refresher, queues; a nested stack's
 * parameters) mapped to those local stand-ins, with the SDK's endpoint variables set.
 */
import { CreateTableCommand, type DynamoDBClient, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { logicalIdsOfType, resolveIntrinsics, type Template } from '../../tools/synthesized-handlers.js';
import { type AwsStandIn, startAwsStandIn } from './aws-stand-in.js';

/** Creates `tableName` from the template's one table and turns its TTL on; answers the table's logical id. */
export async function createTableFromTemplate(
  client: DynamoDBClient,
  template: Template,
  tableName: string,
): Promise<string> {
  const [tableId] = logicalIdsOfType(template, 'AWS::DynamoDB::Table') as [string];
  const table = template.Resources[tableId]?.Properties;
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      KeySchema: table.KeySchema,
      AttributeDefinitions: table.AttributeDefinitions,
      BillingMode: table.BillingMode,
    }),
  );
  await client.send(
    new UpdateTimeToLiveCommand({
      TableName: tableName,
      TimeToLiveSpecification: { AttributeName: table.TimeToLiveSpecification.AttributeName, Enabled: true },
    }),
  );
  return tableId;
}

/** The local stand-ins of one synthesized broker stack. */
export interface TemplateStandIns {
  /** Secrets Manager, Parameter Store, Lambda and SQS on loopback. */
  readonly aws: AwsStandIn;
  /** CloudFormation logical IDs (and nested stack parameters) -> local values; add to it. */
  readonly refs: Record<string, string>;
  /** The table's logical ID. */
  readonly tableId: string;
  /** Unsets the endpoint variables and stops the stand-in. */
  stop(): Promise<void>;
}

/** What {@link startTemplateStandIns} maps. */
export interface TemplateStandInOptions {
  readonly dynamo: { readonly client: DynamoDBClient; readonly endpoint: string };
  /** The broker stack's template. */
  readonly template: Template;
  /** The table's local name. */
  readonly tableName: string;
  /** The refresher's logical ID and the name its Ref resolves to (what readers invoke). */
  readonly refresher: { readonly logicalId: string; readonly name: string };
}

/**
 * Starts the AWS stand-in and creates the template's table; maps the table, the refresher
 * and every queue (its Ref is its URL: the stand-in's) in `refs`; and sets the SDK's
 * endpoint variables for the file, since the SDK resolves endpoints lazily, at the first
 * request, after the cold start's own environment is gone.
 */
export async function startTemplateStandIns(options: TemplateStandInOptions): Promise<TemplateStandIns> {
  const { dynamo, template } = options;
  const aws = await startAwsStandIn();
  const tableId = await createTableFromTemplate(dynamo.client, template, options.tableName);
  const refs: Record<string, string> = {
    [tableId]: options.tableName,
    [options.refresher.logicalId]: options.refresher.name,
  };
  for (const queueId of logicalIdsOfType(template, 'AWS::SQS::Queue')) refs[queueId] = aws.queueUrl(queueId);
  const endpoints = { AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint, ...aws.endpointEnv };
  Object.assign(process.env, endpoints);
  return {
    aws,
    refs,
    tableId,
    async stop() {
      for (const name of Object.keys(endpoints)) delete process.env[name];
      await aws.stop();
    },
  };
}

/**
 * Adds to `refs` the parameters a nested stack's functions refer to: each parameter as the
 * parent passes it (`parameters`, from its `AWS::CloudFormation::Stack`), resolved through
 * `refs`; a parameter the parent passes something unmapped is left out.
 */
export function addNestedParameterRefs(
  refs: Record<string, string>,
  parameters: Record<string, unknown>,
): void {
  for (const [name, value] of Object.entries(parameters)) {
    try {
      refs[name] = resolveIntrinsics(value, refs);
    } catch {
      // Not a reference the functions resolve (e.g. the alarm topic): left unmapped.
    }
  }
}
