/**
 * The refresher bundle that deploys (dist/lambda-assets/refresher, with a configuration file
 * beside it as the construct stages it) and a set's Parameter Store parameter that changes
 * while its container is warm (decision 45): the AWS stand-in serves Parameter Store and
 * Secrets Manager, DynamoDB Local the table, oidc-provider the token endpoint. Only `Date`
 * is faked, to move the container five minutes on. A set whose parameter is bad fails only its
 * own runs (decision 46); a cold start's read outlasts Parameter Store's throttling (a deploy
 * cold-starts one run per set at once). (A failed read again is the unit tests':
 * after the faked jump the SDK corrects its clock from the stand-in's real-time `Date`
 * header, so a second signed call in the same file would be refused as skewed.)
 */
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  formatRefresherConfig,
  REFRESHER_CONFIG_FILE,
  REFRESHER_PARAMETERS_MAX_AGE_SECONDS,
} from '../../contract/index.js';
import { DynamoDbStateStore } from '../../lambda/adapters/dynamodb-state-store.js';
import type { SynthesizedFunction } from '../../tools/synthesized-handlers.js';
import { captureOutput, lambdaContext } from '../fakes/lambda-context.js';
import { type AwsStandIn, startAwsStandIn } from '../support/aws-stand-in.js';
import { importBundledHandler } from '../support/bundled-handler.js';
import { useDynamoDbLocal } from '../support/dynamodb-local.js';
import { type OAuthServer, startOAuthServer } from '../support/oauth-server.js';

// biome-ignore lint/suspicious/noExplicitAny: a bundle's answer is untyped JSON; the assertions check its shape.
type Handler = (event: unknown, context: ReturnType<typeof lambdaContext>) => Promise<any>;

const PATH = '/a55-token-broker/A55TokenBroker/TokenBroker-c8abc123';
const OLD_SECRET = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:a55-sandbox-Old111';
const NEW_SECRET = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:a55-sandbox-New222';

describe('Integration: bundled refresher, a parameter changed under a warm container', () => {
  const dynamo = useDynamoDbLocal();
  let aws: AwsStandIn;
  let oauth: OAuthServer;
  let assetDir: string;
  let table: string;
  /** The staged asset as the template would describe the refresher (its variables resolved). */
  const refresherFn = (): SynthesizedFunction => ({
    logicalId: 'Refresher',
    assetPath: basename(assetDir),
    handler: 'index.handler',
    runtime: 'nodejs24.x',
    timeoutSeconds: 60,
    environment: { TABLE_NAME: table, SECRET_ID_PARAMETER_PATH: PATH, BROKER_NAME: 'A55TokenBroker' },
  });
  /** A fresh instance of the staged bundle, as Lambda's cold start would make. */
  const coldStart = () => importBundledHandler<Handler>(dirname(assetDir), refresherFn(), {});
  const parameterHolds = (secretId: string) =>
    aws.setParameter(`${PATH}/sandbox`, JSON.stringify({ secretId }));
  const refresh = (handler: Handler) =>
    handler({ credential: 'sandbox', reason: 'schedule' }, lambdaContext('refresher', 60_000));

  beforeAll(async () => {
    aws = await startAwsStandIn();
    oauth = await startOAuthServer({
      clients: [{ clientId: 'broker-post', tokenEndpointAuthMethod: 'client_secret_post' }],
    });
    table = await dynamo.createTable();
    // The SDK resolves endpoints at the first call, after the cold start: set for the whole file.
    Object.assign(process.env, aws.endpointEnv, { AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint });
    const pair = JSON.stringify({
      client_id: oauth.clients[0]?.clientId,
      client_secret: oauth.clients[0]?.clientSecret,
    });
    aws.saveSecretVersion(OLD_SECRET, pair);
    aws.saveSecretVersion(NEW_SECRET, pair);
    // The asset as the construct stages it: the prebuilt folder plus the sets' file.
    assetDir = mkdtempSync(join(process.cwd(), '.test-out', 'refresher-parameters-'));
    cpSync(join(process.cwd(), 'dist', 'lambda-assets', 'refresher'), assetDir, { recursive: true });
    writeFileSync(
      join(assetDir, REFRESHER_CONFIG_FILE),
      formatRefresherConfig([
        {
          name: 'sandbox',
          tokenUrl: oauth.tokenUrl,
          clientAuth: 'client_secret_post',
          parameter: '0123456789abcdef',
          parameterFields: ['secretId'],
        },
        // A second set whose parameter is hand-edited to a bad value (decision 46)
        {
          name: 'beta',
          tokenUrl: oauth.tokenUrl,
          clientAuth: 'client_secret_post',
          parameter: 'fedcba9876543210',
          parameterFields: ['secretId'],
        },
      ]),
    );
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  afterAll(async () => {
    for (const name of [...Object.keys(aws?.endpointEnv ?? {}), 'AWS_ENDPOINT_URL_DYNAMODB'])
      delete process.env[name];
    await oauth?.stop();
    await aws?.stop();
    if (assetDir) rmSync(assetDir, { recursive: true, force: true });
  });

  it('uses the new value from the first refresh five minutes after the change, and the old one until then', async () => {
    // Prepare: a warm container that read the old secret's ARN at its cold start
    aws.reset();
    parameterHolds(OLD_SECRET);
    const output = captureOutput();
    const warm = await coldStart();
    await refresh(warm);

    // Act: the stack replaced the secret (same expression, new ARN), so the asset did not change
    parameterHolds(NEW_SECRET);
    const justAfter = await refresh(warm);
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + REFRESHER_PARAMETERS_MAX_AGE_SECONDS * 1000 });
    const later = await refresh(warm);
    output.restore();

    // Assess
    expect([justAfter, later]).toEqual([
      expect.objectContaining({ credential: 'sandbox', outcome: 'written' }),
      expect.objectContaining({ credential: 'sandbox', outcome: 'written' }),
    ]);
    expect(aws.secretCalls.map((call) => call.secretId)).toEqual([OLD_SECRET, OLD_SECRET, NEW_SECRET]);
    expect(aws.parameterCalls).toHaveLength(2);
  });

  it("serves the other sets when one set's parameter is bad, and fails only that set's runs, recorded and counted", async () => {
    // Prepare: beta's parameter was hand-edited to an empty secretId before this cold start
    aws.reset();
    parameterHolds(OLD_SECRET);
    aws.setParameter(`${PATH}/beta`, JSON.stringify({ secretId: '' }));
    // beta's retry chain was running when its parameter broke: its lease is due now
    const dueAt = Math.floor(Date.now() / 1000);
    await new DynamoDbStateStore({ client: dynamo.client, tableName: table }).claimRetry(
      'beta',
      { attempt: 1, dueAt },
      { staleBeforeSeconds: 0, owner: 'a-failed-run' },
    );
    const output = captureOutput();

    // Act
    const warm = await coldStart();
    const sandbox = await refresh(warm);
    const retryOfBeta = await warm(
      {
        Records: [
          {
            messageId: 'm-1',
            eventSource: 'aws:sqs',
            body: JSON.stringify({ credential: 'beta', reason: 'retry', retry: { attempt: 1, dueAt } }),
          },
        ],
      },
      lambdaContext('refresher', 60_000),
    ).catch((error: Error) => error);
    const beta = await warm(
      { credential: 'beta', reason: 'schedule' },
      lambdaContext('refresher', 60_000),
    ).catch((error: Error) => error);
    output.restore();

    // Assess: sandbox refreshed; beta answered (not thrown: Lambda and SQS must not repeat it)
    // A token was fetched and stored or kept (the test before stored one five faked minutes ahead)
    expect(sandbox).toMatchObject({
      credential: 'sandbox',
      outcome: expect.stringMatching(/^(written|superseded)$/),
    });
    const named = `credential set 'beta': parameter ${PATH}/beta secretId: '' must be a non-empty string`;
    expect(beta).toMatchObject({
      credential: 'beta',
      outcome: 'rejected',
      error: 'CredentialSetMisconfigured',
      retryable: false,
      message: expect.stringContaining(named),
    });
    // The retry run is answered too (SQS deletes its message) and ends the chain
    expect(retryOfBeta).toMatchObject({
      credential: 'beta',
      outcome: 'rejected',
      error: 'CredentialSetMisconfigured',
    });
    expect(aws.secretCalls.map((call) => call.secretId)).toEqual([OLD_SECRET]);
    expect(aws.parameterCalls).toHaveLength(1);
    const state = await dynamo.client.send(
      new GetItemCommand({ TableName: table, Key: { credential: { S: 'beta#state' } } }),
    );
    expect(state.Item?.lastErrorName).toEqual({ S: 'CredentialSetMisconfigured' });
    expect(state.Item?.lastErrorRetryable).toEqual({ BOOL: false });
    expect(state.Item?.lastErrorMessage?.S).toContain(named);
    expect(state.Item?.retryDueAt).toBeUndefined();
    const refreshFailed = output
      .text()
      .split('\n')
      .filter((line) => line.includes('"RefreshFailed"') && line.includes('"credential":"beta"'));
    expect(refreshFailed.length).toBeGreaterThanOrEqual(2);
  });

  it('reads its parameters at a cold start while Parameter Store throttles, as at a deploy of 50 sets', async () => {
    // Prepare: the first three reads are throttled (the SDK's default of three attempts would fail)
    aws.reset();
    parameterHolds(OLD_SECRET);
    aws.setParameter(`${PATH}/beta`, JSON.stringify({ secretId: OLD_SECRET }));
    aws.failNext('ssm', 3, 'ThrottlingException', 'Rate exceeded');
    const output = captureOutput();

    // Act: beta, whose token the earlier cases never stored
    const handler = await coldStart();
    const result = await handler(
      { credential: 'beta', reason: 'deploy' },
      lambdaContext('refresher', 60_000),
    );
    output.restore();

    // Assess
    expect(result).toEqual(expect.objectContaining({ credential: 'beta', outcome: 'written' }));
    expect(aws.parameterCalls.map((call) => call.error)).toEqual([
      'ThrottlingException',
      'ThrottlingException',
      'ThrottlingException',
      undefined,
    ]);
  });
});
