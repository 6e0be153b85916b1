/**
 * Log hygiene of both handlers (issue #11, item 10): the event is never logged, even with
 * POWERTOOLS_LOGGER_LOG_EVENT=true in the environment, so neither the Authorization header
 * (SigV4 signature) nor X-Amz-Security-Token (a session token) of a Function URL call ever
 * reaches a log line; a field of that name is redacted wherever it is logged.
 */
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createObservability } from '../../../../lambda/middleware/observability.js';
import { captureOutput, functionUrlEvent, lambdaContext } from '../../../fakes/lambda-context.js';

const CANARY_SIGNATURE = 'canary-sigv4-signature-7f3e';
const CANARY_SESSION = 'canary-session-token-c0de';

const event = () =>
  functionUrlEvent('GET', '/token', 'credential=sandbox', {
    authorization: `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261127/us-east-1/lambda/aws4_request, SignedHeaders=host;x-amz-date, Signature=${CANARY_SIGNATURE}`,
    'x-amz-security-token': CANARY_SESSION,
    'X-Amz-Security-Token': CANARY_SESSION,
  });

type Handler = (event: unknown, context: ReturnType<typeof lambdaContext>) => Promise<unknown>;

describe('Module: observability', () => {
  const dynamodb = mockClient(DynamoDBClient);
  const secretsManager = mockClient(SecretsManagerClient);
  let read: Handler;
  let refresh: Handler;
  let output: ReturnType<typeof captureOutput>;

  beforeAll(async () => {
    vi.stubEnv('POWERTOOLS_LOGGER_LOG_EVENT', 'true');
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'DEBUG');
    vi.stubEnv('TABLE_NAME', 'tokens');
    vi.stubEnv('CREDENTIAL_NAMES', 'sandbox');
    vi.stubEnv('READ_CACHE_SECONDS', '0');
    vi.stubEnv('REFRESH_INTERVAL_SECONDS', '3000');
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
    dynamodb.on(GetItemCommand).resolves({});
    secretsManager.reset();
    secretsManager
      .on(GetSecretValueCommand)
      .rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    output = captureOutput();
  });

  afterEach(() => {
    output.restore();
  });

  const assertClean = (text: string) => {
    expect(text).not.toContain(CANARY_SIGNATURE);
    expect(text).not.toContain(CANARY_SESSION);
    expect(text).not.toContain('Lambda invocation event');
  };

  it('the reader never logs the event, its Authorization or X-Amz-Security-Token header', async () => {
    // Act
    await read(event(), lambdaContext('reader'));

    // Assess: it did log (the refusal), just not the event
    const text = output.text();
    expect(text).toContain('read refused');
    assertClean(text);
  });

  it('the refresher never logs the event either', async () => {
    await refresh(event(), lambdaContext('refresher')).catch(() => undefined);
    assertClean(output.text());
  });

  it('redacts Authorization and X-Amz-Security-Token wherever they are logged', () => {
    // Prepare
    const { logger } = createObservability('test-service');

    // Act
    logger.info('headers', {
      headers: {
        Authorization: `AWS4 Signature=${CANARY_SIGNATURE}`,
        'x-amz-security-token': CANARY_SESSION,
      },
      authorization: CANARY_SIGNATURE,
      host: 'x.lambda-url.us-east-1.on.aws',
    });

    // Assess
    const text = output.text();
    assertClean(text);
    expect(text).toContain('x.lambda-url.us-east-1.on.aws');
    expect(text).toContain('[redacted]');
  });
});
