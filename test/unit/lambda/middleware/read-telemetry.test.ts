/**
 * What the deployed handlers emit for CloudWatch (EMF), read off their output as CloudWatch
 * would: every metric carries the `broker` dimension the stack sets (BROKER_NAME), so two
 * brokers in one account never share a metric; the reader counts a caller's mistake as
 * ReadRefused, apart from its own failures (ReadFailed).
 */
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { DIMENSION, METRIC, METRICS_NAMESPACE, SERVICE } from '../../../../contract/index.js';
import { captureOutput, functionUrlEvent, lambdaContext } from '../../../fakes/lambda-context.js';

const BROKER = 'PaymentsTokenBroker';

type Handler = (event: unknown, context: ReturnType<typeof lambdaContext>) => Promise<unknown>;

/** One metric of an EMF line: its name and the dimensions (name → value) it is filed under. */
interface EmittedMetric {
  readonly name: string;
  readonly namespace: string;
  readonly dimensions: Record<string, string>;
}

/** Every metric of every EMF line in `text`, one entry per dimension set it is filed under. */
function emittedMetrics(text: string): EmittedMetric[] {
  return text
    .split('\n')
    .filter((line) => line.includes('"_aws"'))
    .flatMap((line) => {
      const record = JSON.parse(line) as {
        _aws: {
          CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[];
        };
      } & Record<string, unknown>;
      return record._aws.CloudWatchMetrics.flatMap((directive) =>
        directive.Dimensions.flatMap((set) =>
          directive.Metrics.map((metric) => ({
            name: metric.Name,
            namespace: directive.Namespace,
            dimensions: Object.fromEntries(set.map((key) => [key, String(record[key])])),
          })),
        ),
      );
    });
}

describe('Middleware: readTelemetry (and the broker dimension of both handlers)', () => {
  const dynamodb = mockClient(DynamoDBClient);
  const secretsManager = mockClient(SecretsManagerClient);
  let read: Handler;
  let refresh: Handler;
  let output: ReturnType<typeof captureOutput>;

  beforeAll(async () => {
    // Prepare: the environment the construct sets on both functions
    vi.stubEnv('BROKER_NAME', BROKER);
    vi.stubEnv('TABLE_NAME', 'tokens');
    vi.stubEnv('CREDENTIAL_NAMES', 'sandbox');
    vi.stubEnv('READ_CACHE_SECONDS', '0');
    vi.stubEnv('POWERTOOLS_METRICS_NAMESPACE', METRICS_NAMESPACE);
    vi.stubEnv(
      'CREDENTIALS',
      JSON.stringify([
        {
          name: 'sandbox',
          tokenUrl: 'http://127.0.0.1:9/oauth2/token',
          clientAuth: 'client_secret_post',
          secretId: 'arn:aws:secretsmanager:us-east-1:111122223333:secret:a55/sandbox-AbCdEf',
        },
      ]),
    );
    ({ handler: read } = (await import('../../../../lambda/handlers/read.js')) as unknown as {
      handler: Handler;
    });
    ({ handler: refresh } = (await import('../../../../lambda/handlers/refresh.js')) as unknown as {
      handler: Handler;
    });
  });

  beforeEach(() => {
    dynamodb.reset();
    secretsManager.reset();
    output = captureOutput();
  });

  afterEach(() => {
    output.restore();
  });

  it('files ReadUnavailable under service, broker and credential', async () => {
    // Prepare: nothing stored
    dynamodb.on(GetItemCommand).resolves({});

    // Act
    await read({}, lambdaContext('reader')).catch(() => undefined);

    // Assess
    expect(emittedMetrics(output.text())).toContainEqual({
      name: METRIC.readUnavailable,
      namespace: METRICS_NAMESPACE,
      dimensions: {
        [DIMENSION.service]: SERVICE.reader,
        [DIMENSION.broker]: BROKER,
        [DIMENSION.credential]: 'sandbox',
      },
    });
  });

  it.each([
    ['an invoke with an unknown field (BadRequest)', () => ({ colour: 'blue' })],
    ['an invoke for another set (UnknownCredential)', () => ({ credential: 'production' })],
    ['a POST to the Function URL (MethodNotAllowed)', () => functionUrlEvent('POST', '/token')],
    ['a Function URL path that does not exist (NotFound)', () => functionUrlEvent('GET', '/tokens')],
  ])('counts %s once as ReadRefused (service and broker), never as ReadFailed', async (_case, event) => {
    // Act
    await read(event(), lambdaContext('reader')).catch(() => undefined);

    // Assess
    const metrics = emittedMetrics(output.text());
    expect(metrics.filter((metric) => metric.name === METRIC.readRefused)).toEqual([
      {
        name: METRIC.readRefused,
        namespace: METRICS_NAMESPACE,
        dimensions: { [DIMENSION.service]: SERVICE.reader, [DIMENSION.broker]: BROKER },
      },
    ]);
    expect(metrics.map((metric) => metric.name)).not.toContain(METRIC.readFailed);
    expect(dynamodb).toHaveReceivedCommandTimes(GetItemCommand, 0);
  });

  it("counts the reader's own failure as ReadFailed (service and broker), not as ReadRefused", async () => {
    // Prepare
    dynamodb
      .on(GetItemCommand)
      .rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));

    // Act
    await read({}, lambdaContext('reader')).catch(() => undefined);

    // Assess
    const metrics = emittedMetrics(output.text());
    expect(metrics).toContainEqual({
      name: METRIC.readFailed,
      namespace: METRICS_NAMESPACE,
      dimensions: { [DIMENSION.service]: SERVICE.reader, [DIMENSION.broker]: BROKER },
    });
    expect(metrics.map((metric) => metric.name)).not.toContain(METRIC.readRefused);
  });

  it("files the refresher's metrics under service, broker and credential", async () => {
    // Prepare: the secret cannot be read
    dynamodb.on(GetItemCommand).resolves({});
    secretsManager
      .on(GetSecretValueCommand)
      .rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));

    // Act
    await refresh({ credential: 'sandbox', reason: 'schedule' }, lambdaContext('refresher')).catch(
      () => undefined,
    );

    // Assess
    expect(emittedMetrics(output.text())).toContainEqual({
      name: METRIC.refreshFailed,
      namespace: METRICS_NAMESPACE,
      dimensions: {
        [DIMENSION.service]: SERVICE.refresher,
        [DIMENSION.broker]: BROKER,
        [DIMENSION.credential]: 'sandbox',
      },
    });
  });
});
