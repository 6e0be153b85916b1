/**
 * The consumer library against the real reader: the handler module of lambda/handlers,
 * reading DynamoDB Local, reached through each transport (a Function URL stand-in that
 * verifies SigV4, the same stand-in unsigned as the local broker, and Lambda Invoke
 * through a mocked LambdaClient that runs the handler the way the Node.js runtime does),
 * and an A55 API stand-in behind it all.
 */
import { inspect } from 'node:util';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  InvokeCommand,
  type InvokeCommandInput,
  type InvokeCommandOutput,
  LambdaClient,
} from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  A55ApiError,
  A55Client,
  BrokerAccessDenied,
  rejectedTokenHash,
  TokenBrokerClient,
  TokenUnavailable,
  UnknownCredential,
} from '../../../client/index.js';
import { DynamoDbTokenStore } from '../../../lambda/adapters/dynamodb-token-store.js';
import { captureOutput, lambdaContext } from '../../fakes/lambda-context.js';
import { useDynamoDbLocal } from '../../support/dynamodb-local.js';
import { lambdaPayload } from '../../unit/client/fakes.js';
import { type A55StandIn, startA55StandIn, WALLETS } from './a55-stand-in.js';
import { type FunctionUrlServer, startFunctionUrlServer, type UrlHandler } from './function-url-server.js';

/** Tokens are canaries: none may appear in an error, a log line or a metric. */
const SANDBOX_TOKEN = `canary-sandbox-${Math.random().toString(36).slice(2)}`;
const PRODUCTION_TOKEN = `canary-production-${Math.random().toString(36).slice(2)}`;
const ROTATED_TOKEN = `canary-rotated-${Math.random().toString(36).slice(2)}`;
const CANARIES = [SANDBOX_TOKEN, PRODUCTION_TOKEN, ROTATED_TOKEN];

/** Temporary credentials of a caller's role; the Function URL stand-in knows them. */
const ROLE_CREDENTIALS = {
  accessKeyId: 'ASIACONSUMERROLE',
  secretAccessKey: 'consumer-role-secret',
  sessionToken: 'consumer-role-session',
};
/** What vitest.config.ts puts in the environment, which the default credential chain reads. */
const ENV_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };

/** Runs `handler` for an InvokeCommand the way the Lambda Node.js runtime answers. */
async function invokeLikeLambda(
  handler: UrlHandler,
  input: InvokeCommandInput,
): Promise<InvokeCommandOutput> {
  const payload = input.Payload ? JSON.parse(new TextDecoder().decode(input.Payload as Uint8Array)) : {};
  try {
    const result = await handler(payload, lambdaContext(String(input.FunctionName)));
    return { StatusCode: 200, ExecutedVersion: '$LATEST', Payload: lambdaPayload(result), $metadata: {} };
  } catch (error) {
    const { name, message, stack } = error as Error;
    return {
      StatusCode: 200,
      ExecutedVersion: '$LATEST',
      FunctionError: 'Unhandled',
      Payload: lambdaPayload({ errorType: name, errorMessage: message, trace: (stack ?? '').split('\n') }),
      $metadata: {},
    } as InvokeCommandOutput;
  }
}

/** Every way an error may reach a log. */
function everythingIn(error: unknown): string {
  return `${String(error)}\n${(error as Error)?.stack}\n${inspect(error, { depth: 10 })}\n${JSON.stringify(error)}`;
}

describe('Integration: consumer library against the real reader', () => {
  const lambda = mockClient(LambdaClient);
  const local = useDynamoDbLocal();
  let dynamodb: DynamoDBClient;
  let store: DynamoDbTokenStore;
  let signedUrl: FunctionUrlServer;
  let localBroker: FunctionUrlServer;
  let a55: A55StandIn;
  let output: ReturnType<typeof captureOutput>;
  const errors: unknown[] = [];

  /** Stores `accessToken` for `credential` with an hour left, newer than anything before. */
  async function storeToken(
    credential: string,
    accessToken: string,
    fetchedAt = Math.floor(Date.now() / 1000),
  ) {
    await store.put({ credential, accessToken, tokenType: 'Bearer', expiresAt: fetchedAt + 3600, fetchedAt });
  }

  beforeAll(async () => {
    dynamodb = local.client;
    const tableName = await local.createTable('client');
    store = new DynamoDbTokenStore({ client: dynamodb, tableName });

    // The reader reads its configuration once, at import: as the stack would set it.
    vi.stubEnv('TABLE_NAME', tableName);
    vi.stubEnv('CREDENTIAL_NAMES', 'sandbox,production,empty');
    vi.stubEnv('READ_CACHE_SECONDS', '0');
    vi.stubEnv('POWERTOOLS_METRICS_NAMESPACE', 'TokenBroker');
    vi.stubEnv('AWS_ENDPOINT_URL_DYNAMODB', local.endpoint);
    const { handler } = (await import('../../../lambda/handlers/read.js')) as unknown as {
      handler: UrlHandler;
    };

    signedUrl = await startFunctionUrlServer(handler, {
      verify: { credentials: [ROLE_CREDENTIALS, ENV_CREDENTIALS], region: 'us-east-1', service: 'lambda' },
    });
    localBroker = await startFunctionUrlServer(handler);
    lambda.on(InvokeCommand).callsFake((input: InvokeCommandInput) => invokeLikeLambda(handler, input));
    a55 = await startA55StandIn();
    await storeToken('sandbox', SANDBOX_TOKEN);
    await storeToken('production', PRODUCTION_TOKEN);
    a55.acceptedTokens.add(SANDBOX_TOKEN);
    a55.acceptedTokens.add(PRODUCTION_TOKEN);
  });

  beforeEach(() => {
    signedUrl.requests.length = 0;
    signedUrl.verifications.length = 0;
    localBroker.requests.length = 0;
    a55.calls.length = 0;
    lambda.resetHistory();
    output = captureOutput();
  });

  afterEach(() => {
    const text = output.text();
    output.restore();
    for (const canary of CANARIES) expect(text).not.toContain(canary);
    vi.stubEnv('TOKEN_BROKER_FUNCTION', '');
    vi.stubEnv('TOKEN_BROKER_URL', '');
    vi.stubEnv('TOKEN_BROKER_CREDENTIAL', '');
  });

  afterAll(async () => {
    vi.unstubAllEnvs();
    await Promise.all([signedUrl?.stop(), localBroker?.stop(), a55?.stop()]);
    // Every error any test caught: none carries a token, however it is printed.
    for (const error of errors)
      for (const canary of CANARIES) expect(everythingIn(error)).not.toContain(canary);
    expect(errors.length).toBeGreaterThan(3);
  });

  describe('Transport: Function URL with SigV4', () => {
    it('gets the stored token with a signature the server recomputes, one request for 100 callers', async () => {
      // Prepare
      const client = new TokenBrokerClient({
        url: signedUrl.url,
        signing: 'sigv4',
        credentials: ROLE_CREDENTIALS,
        credential: 'production',
      });

      // Act
      const tokens = await Promise.all(Array.from({ length: 100 }, () => client.getToken()));

      // Assess
      expect(new Set(tokens)).toEqual(new Set([PRODUCTION_TOKEN]));
      expect(signedUrl.requests).toHaveLength(1);
      expect(signedUrl.requests[0]).toMatchObject({
        method: 'GET',
        rawPath: '/token',
        rawQueryString: 'credential=production&minValiditySeconds=300',
      });
      expect(signedUrl.verifications).toEqual([
        {
          valid: true,
          accessKeyId: ROLE_CREDENTIALS.accessKeyId,
          signedHeaders: ['host', 'x-amz-content-sha256', 'x-amz-date', 'x-amz-security-token'],
        },
      ]);
    });

    it('signs with the default credential chain when given no credentials', async () => {
      // Prepare
      const client = new TokenBrokerClient({ url: signedUrl.url, signing: 'sigv4', credential: 'sandbox' });

      // Act
      const details = await client.getTokenDetails();

      // Assess
      expect(details).toMatchObject({
        credential: 'sandbox',
        accessToken: SANDBOX_TOKEN,
        tokenType: 'Bearer',
      });
      expect(details.expiresIn).toBeGreaterThan(3500);
      expect(signedUrl.verifications).toMatchObject([{ valid: true, accessKeyId: 'test' }]);
    });

    it('turns a signature made with the wrong secret (refused before the reader runs) into BrokerAccessDenied', async () => {
      // Prepare
      const client = new TokenBrokerClient({
        url: signedUrl.url,
        signing: 'sigv4',
        credentials: { ...ROLE_CREDENTIALS, secretAccessKey: 'not-the-secret' },
      });

      // Act
      const error = await client.getToken().catch((caught: unknown) => caught);
      errors.push(error);

      // Assess
      expect(error).toBeInstanceOf(BrokerAccessDenied);
      expect(error).toMatchObject({ status: 403 });
      expect(signedUrl.verifications).toEqual([{ valid: false, reason: 'signature does not match' }]);
    });

    it('gives up on TokenUnavailable at once when Retry-After reaches past the deadline', async () => {
      // Prepare
      const client = new TokenBrokerClient({
        url: signedUrl.url,
        signing: 'sigv4',
        credential: 'empty',
        retryDeadlineMs: 1_000,
      });

      // Act
      const error = await client.getToken().catch((caught: unknown) => caught);
      errors.push(error);

      // Assess
      expect(error).toBeInstanceOf(TokenUnavailable);
      expect(error).toMatchObject({
        status: 503,
        retryAfterSeconds: 2,
        message: expect.stringContaining("'empty'"),
      });
      expect(signedUrl.requests).toHaveLength(1);
    });
  });

  describe('Transport: plain HTTP (local broker)', () => {
    it('gets the token from TOKEN_BROKER_URL without signing', async () => {
      // Prepare
      vi.stubEnv('TOKEN_BROKER_URL', localBroker.url);
      vi.stubEnv('TOKEN_BROKER_CREDENTIAL', 'sandbox');

      // Act
      const token = await new TokenBrokerClient().getToken();

      // Assess
      expect(token).toBe(SANDBOX_TOKEN);
      expect(localBroker.requests).toHaveLength(1);
      expect(localBroker.requests[0]?.headers.authorization).toBeUndefined();
    });

    it('turns a 404 UnknownCredential answer into UnknownCredential', async () => {
      const client = new TokenBrokerClient({ url: localBroker.url, credential: 'staging' });
      const error = await client.getToken().catch((caught: unknown) => caught);
      errors.push(error);
      expect(error).toBeInstanceOf(UnknownCredential);
      expect(error).toMatchObject({
        status: 404,
        message: expect.stringContaining("'sandbox', 'production'"),
      });
    });
  });

  describe('Transport: Lambda Invoke', () => {
    it('gets the token with no options inside a connected consumer (TOKEN_BROKER_FUNCTION)', async () => {
      // Prepare
      vi.stubEnv('TOKEN_BROKER_FUNCTION', 'a55-token-broker-reader');
      vi.stubEnv('TOKEN_BROKER_CREDENTIAL', 'production');
      const client = new TokenBrokerClient();

      // Act
      const tokens = await Promise.all(Array.from({ length: 100 }, () => client.getToken()));

      // Assess
      expect(new Set(tokens)).toEqual(new Set([PRODUCTION_TOKEN]));
      expect(lambda).toHaveReceivedCommandTimes(InvokeCommand, 1);
      expect(lambda).toHaveReceivedCommandWith(InvokeCommand, { FunctionName: 'a55-token-broker-reader' });
    });

    it.each([
      ['staging', 'UnknownCredential', UnknownCredential],
      ['empty', 'TokenUnavailable', TokenUnavailable],
    ])('turns the function error for credential %s into %s', async (credential, _name, type) => {
      // Prepare
      const client = new TokenBrokerClient({ functionName: 'reader', credential, retryDeadlineMs: 300 });

      // Act
      const error = await client.getToken().catch((caught: unknown) => caught);
      errors.push(error);

      // Assess
      expect(error).toBeInstanceOf(type);
      expect(error).toMatchObject({ broker: 'function reader', status: undefined });
    });
  });

  describe('Class: A55Client', () => {
    it('calls the A55 stand-in with the broker token, one broker call for 20 requests', async () => {
      // Prepare
      const broker = new TokenBrokerClient({ url: signedUrl.url, signing: 'sigv4', credential: 'sandbox' });
      const client = new A55Client({ broker, baseUrl: a55.baseUrl });

      // Act
      const answers = await Promise.all(Array.from({ length: 20 }, () => client.request('GET', '/wallets')));

      // Assess
      expect(answers).toEqual(Array.from({ length: 20 }, () => WALLETS));
      expect(signedUrl.requests).toHaveLength(1);
      expect(a55.calls).toHaveLength(20);
      expect(a55.calls[0]).toMatchObject({
        authorization: `Bearer ${SANDBOX_TOKEN}`,
        contentType: 'application/json',
        status: 200,
      });
    });

    it('on a 401 drops the token, re-reads the broker (which has a rotated token) and retries once', async () => {
      // Prepare: the client caches the production token...
      const broker = new TokenBrokerClient({ functionName: 'reader', credential: 'production' });
      const client = new A55Client({ broker, baseUrl: a55.baseUrl });
      await client.request('GET', '/wallets');
      // ...then A55 revokes it and the refresher stores a new one.
      a55.acceptedTokens.delete(PRODUCTION_TOKEN);
      a55.acceptedTokens.add(ROTATED_TOKEN);
      await storeToken('production', ROTATED_TOKEN, Math.floor(Date.now() / 1000) + 1);

      // Act
      const wallets = await client.request('GET', '/wallets');

      // Assess
      expect(wallets).toEqual(WALLETS);
      expect(a55.calls.map((call) => [call.authorization, call.status])).toEqual([
        [`Bearer ${PRODUCTION_TOKEN}`, 200],
        [`Bearer ${PRODUCTION_TOKEN}`, 401],
        [`Bearer ${ROTATED_TOKEN}`, 200],
      ]);
      expect(lambda).toHaveReceivedCommandTimes(InvokeCommand, 2);
    });

    it('never retries with the token the API refused: while the store holds only that one, TokenUnavailable', async () => {
      // Prepare
      const broker = new TokenBrokerClient({
        url: localBroker.url,
        credential: 'sandbox',
        retryDeadlineMs: 0,
      });
      const client = new A55Client({ broker, baseUrl: a55.baseUrl });
      a55.acceptedTokens.delete(SANDBOX_TOKEN);

      // Act
      const error = await client.request('GET', '/wallets').catch((caught: unknown) => caught);
      errors.push(error);

      // Assess: the reader was told "not this token" (a hash) and did not serve it again.
      expect(error).toBeInstanceOf(TokenUnavailable);
      expect(a55.calls).toHaveLength(1);
      expect(localBroker.requests).toHaveLength(2);
      expect(JSON.stringify(localBroker.requests[1])).toContain(
        `rejectedTokenHash=${rejectedTokenHash(SANDBOX_TOKEN)}`,
      );
      expect(JSON.stringify(localBroker.requests)).not.toContain(SANDBOX_TOKEN);
    });

    it('throws A55ApiError 401 without the token when the other token the reader gives is refused too', async () => {
      // Prepare: the client holds the sandbox token; the store has a newer one by now.
      const broker = new TokenBrokerClient({ url: localBroker.url, credential: 'sandbox' });
      const client = new A55Client({ broker, baseUrl: a55.baseUrl });
      expect(await broker.getToken()).toBe(SANDBOX_TOKEN);
      await storeToken('sandbox', ROTATED_TOKEN, Math.floor(Date.now() / 1000) + 2);
      a55.acceptedTokens.delete(SANDBOX_TOKEN);
      a55.acceptedTokens.delete(ROTATED_TOKEN);

      // Act
      const error = await client.request('GET', '/wallets').catch((caught: unknown) => caught);
      errors.push(error);

      // Assess
      expect(error).toBeInstanceOf(A55ApiError);
      expect(error).toMatchObject({ status: 401, body: '{"message":"Unauthorized"}' });
      expect((error as Error).message).toContain('a fresh token was rejected too');
      expect(a55.calls.map((call) => call.authorization)).toEqual([
        `Bearer ${SANDBOX_TOKEN}`,
        `Bearer ${ROTATED_TOKEN}`,
      ]);
      expect(localBroker.requests).toHaveLength(2);
    });
  });
});
