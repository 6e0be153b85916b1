/**
 * Secret fault matrix: every way the client credentials secret can be unreadable or
 * malformed. Each must fail the refresh with an error naming the secret (and the field),
 * never call the token endpoint, write nothing and leak nothing.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RefresherCredentialSet } from '../../contract/index.js';
import { SecretsManagerCredentialSource } from '../../lambda/adapters/secrets-manager-credential-source.js';
import { json, type ScriptedHttpServer, startScriptedHttpServer } from '../fakes/scripted-http-server.js';
import { useDynamoDbLocal } from '../support/dynamodb-local.js';
import { CANARY_SECRET, exposedText, FaultHarness } from './harness.js';

const SECRET_ID = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:a55/prod-x1Y2z3';

function sdkError(name: string, message = `${name}: simulated`): Error {
  return Object.assign(new Error(message), { name, $fault: 'client', $metadata: { httpStatusCode: 400 } });
}

type Answer = { SecretString?: string; SecretBinary?: Uint8Array } | Error;

const ROWS: Array<{ name: string; answer: Answer; error: string; says: string; reads?: number }> = [
  {
    name: 'ResourceNotFoundException',
    answer: sdkError('ResourceNotFoundException'),
    error: 'SecretUnavailable',
    says: 'does not exist',
  },
  {
    name: 'AccessDeniedException',
    answer: sdkError('AccessDeniedException'),
    error: 'SecretUnavailable',
    says: 'secretsmanager:GetSecretValue',
  },
  {
    name: 'DecryptionFailure',
    answer: sdkError('DecryptionFailure'),
    error: 'SecretUnavailable',
    says: 'cannot be decrypted',
  },
  {
    name: 'throttling (retried, then given up)',
    answer: sdkError('ThrottlingException'),
    error: 'SecretUnavailable',
    says: 'ThrottlingException',
    reads: 4,
  },
  {
    name: 'a binary secret',
    answer: { SecretBinary: new TextEncoder().encode(CANARY_SECRET) },
    error: 'SecretInvalid',
    says: 'binary value',
  },
  {
    name: 'non-JSON',
    answer: { SecretString: `client_id=a client_secret=${CANARY_SECRET}` },
    error: 'SecretInvalid',
    says: 'is not valid JSON',
  },
  {
    name: 'truncated JSON',
    answer: { SecretString: `{"client_id":"a","client_secret":"${CANARY_SECRET}` },
    error: 'SecretInvalid',
    says: 'is not valid JSON',
  },
  {
    name: 'a JSON array',
    answer: { SecretString: `["a","${CANARY_SECRET}"]` },
    error: 'SecretInvalid',
    says: 'is an array',
  },
  {
    name: 'client_id missing',
    answer: { SecretString: `{"client_secret":"${CANARY_SECRET}"}` },
    error: 'SecretInvalid',
    says: 'field client_id is missing',
  },
  {
    name: 'client_id empty',
    answer: { SecretString: `{"client_id":"","client_secret":"${CANARY_SECRET}"}` },
    error: 'SecretInvalid',
    says: 'field client_id is empty',
  },
  {
    name: 'client_id not a string',
    answer: { SecretString: `{"client_id":12345,"client_secret":"${CANARY_SECRET}"}` },
    error: 'SecretInvalid',
    says: 'field client_id is a number',
  },
  {
    name: 'client_secret missing',
    answer: { SecretString: '{"client_id":"a"}' },
    error: 'SecretInvalid',
    says: 'field client_secret is missing',
  },
  {
    name: 'client_secret empty',
    answer: { SecretString: '{"client_id":"a","client_secret":"   "}' },
    error: 'SecretInvalid',
    says: 'field client_secret is empty',
  },
  {
    name: 'client_secret not a string',
    answer: { SecretString: '{"client_id":"a","client_secret":["x"]}' },
    error: 'SecretInvalid',
    says: 'field client_secret is an array',
  },
  {
    name: 'the placeholder the stack created',
    answer: { SecretString: '{"client_id":"REPLACE_ME","client_secret":"REPLACE_ME"}' },
    error: 'SecretNotSet',
    says: 'placeholder',
  },
  {
    name: 'keys in another spelling',
    answer: { SecretString: `{"clientId":"a","clientSecret":"${CANARY_SECRET}"}` },
    error: 'SecretInvalid',
    says: 'field client_id is missing',
  },
];

describe('Faults: client credentials secret', () => {
  const secretsManager = mockClient(SecretsManagerClient);
  const source = new SecretsManagerCredentialSource({ client: new SecretsManagerClient({}) });
  const dynamo = useDynamoDbLocal();
  let endpoint: ScriptedHttpServer;
  let harness: FaultHarness;

  beforeAll(async () => {
    endpoint = await startScriptedHttpServer();
    endpoint.script(
      json(200, { access_token: 'should-not-be-fetched', token_type: 'Bearer', expires_in: 3600 }),
    );
    harness = new FaultHarness(dynamo.client, await dynamo.createTable());
  });

  afterAll(async () => {
    await endpoint?.stop();
  });

  beforeEach(() => {
    secretsManager.reset();
  });

  it.each(ROWS.map((row, index) => [row.name, row, index] as const))('%s', async (_name, row, index) => {
    // Prepare
    const config: RefresherCredentialSet = {
      name: `secret-${index}`,
      tokenUrl: endpoint.url,
      clientAuth: 'client_secret_post',
      secretId: SECRET_ID,
    };
    const previous = await harness.seedPrevious(config.name);
    if (row.answer instanceof Error) secretsManager.on(GetSecretValueCommand).rejects(row.answer);
    else secretsManager.on(GetSecretValueCommand).resolves(row.answer);
    const requestsBefore = endpoint.requests.length;

    // Act
    const outcome = await harness.refresh(config, { credentials: source });

    // Assess
    expect(outcome.error?.name).toBe(row.error);
    expect(outcome.error?.message).toContain(`credential '${config.name}'`);
    expect(outcome.error?.message).toContain(SECRET_ID);
    expect(outcome.error?.message).toContain(row.says);
    expect(secretsManager).toHaveReceivedCommandTimes(GetSecretValueCommand, row.reads ?? 1);
    expect(endpoint.requests.length).toBe(requestsBefore);
    expect(outcome.stored).toEqual(previous);
    expect(outcome.served).toMatchObject({ accessToken: previous.accessToken });
    expect(exposedText(outcome.error)).not.toContain(CANARY_SECRET);
  });

  it('recovers within one refresh when throttling stops', async () => {
    secretsManager
      .on(GetSecretValueCommand)
      .rejectsOnce(sdkError('ThrottlingException'))
      .resolves({ SecretString: JSON.stringify({ client_id: 'a', client_secret: CANARY_SECRET }) });
    const outcome = await harness.refresh(
      {
        name: 'secret-recovers',
        tokenUrl: endpoint.url,
        clientAuth: 'client_secret_post',
        secretId: SECRET_ID,
      },
      { credentials: source },
    );
    expect(outcome.result?.outcome).toBe('written');
    expect(secretsManager).toHaveReceivedCommandTimes(GetSecretValueCommand, 2);
  });
});
