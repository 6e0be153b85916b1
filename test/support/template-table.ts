/**
 * The token table on DynamoDB Local exactly as the synthesized template defines it (key
 * schema, attributes, billing, TTL attribute), for the tests that run the bundled handlers.
 */
import { CreateTableCommand, type DynamoDBClient, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { logicalIdsOfType, type Template } from '../../tools/synthesized-handlers.js';

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
