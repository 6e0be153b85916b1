/**
 * Leak canaries: the refresher and reader handlers run their success and failure paths
 * with a canary client secret and a canary token. Everything that leaves them — log
 * lines, EMF metrics, answers, thrown errors (message, stack, cause, serialized) and
 * HTTP error bodies — is captured, and neither canary may appear in any of it. Only a
 * successful read answer may carry the token: that is its purpose.
 */
import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureOutput, functionUrlEvent, lambdaContext } from '../fakes/lambda-context.js';
import { json, raw, type ScriptedAnswer } from '../fakes/scripted-http-server.js';
import { type Handler, useRefresherHandler } from '../support/refresher-handler.js';
import { CANARY_SECRET, CANARY_TOKEN, exposedText } from './harness.js';

const GOOD_SECRET = JSON.stringify({ client_id: 'canary-client', client_secret: CANARY_SECRET });
const tokenBody = (fields: Record<string, unknown> = {}) =>
  json(200, { access_token: CANARY_TOKEN, token_type: 'Bearer', expires_in: 3600, ...fields });

function awsError(name: string, message: string): Error {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode: 400 } });
}

interface RefreshRow {
  readonly name: string;
  readonly secret?: { SecretString?: string; SecretBinary?: Uint8Array } | Error;
  readonly endpoint?: ScriptedAnswer[];
  readonly put?: Error;
  readonly fails: boolean;
}

const REFRESH_ROWS: RefreshRow[] = [
  { name: 'success', endpoint: [tokenBody()], fails: false },
  { name: 'success with client_secret_basic', endpoint: [tokenBody()], fails: false },
  {
    name: 'success after a 503',
    endpoint: [json(503, {}, { 'retry-after': '0' }), tokenBody()],
    fails: false,
  },
  {
    name: 'invalid_client echoing the secret',
    endpoint: [json(401, { error: 'invalid_client', error_description: `secret ${CANARY_SECRET} is wrong` })],
    fails: true,
  },
  { name: 'a 400 echoing the whole request', endpoint: [(q, s) => raw(400, q.body)(q, s)], fails: true },
  {
    name: 'a 500 echoing the Authorization header',
    endpoint: [(q, s) => raw(500, String(q.headers.authorization))(q, s)],
    fails: true,
  },
  { name: 'token_type mac', endpoint: [tokenBody({ token_type: 'mac' })], fails: true },
  { name: 'expires_in as a string', endpoint: [tokenBody({ expires_in: '3600' })], fails: true },
  {
    name: 'an HTML page quoting the token',
    endpoint: [raw(200, `<html>${CANARY_TOKEN}</html>`, 'text/html')],
    fails: true,
  },
  {
    name: 'a body over the size cap',
    endpoint: [raw(200, `{"access_token":"${CANARY_TOKEN}${'x'.repeat(70_000)}"}`, 'application/json')],
    fails: true,
  },
  {
    name: 'a token with a newline',
    endpoint: [tokenBody({ access_token: `${CANARY_TOKEN}\n` })],
    fails: true,
  },
  {
    name: 'a secret that is not JSON',
    secret: { SecretString: `client_secret=${CANARY_SECRET}` },
    fails: true,
  },
  {
    name: 'a secret that is a JSON string',
    secret: { SecretString: JSON.stringify(CANARY_SECRET) },
    fails: true,
  },
  { name: 'a binary secret', secret: { SecretBinary: new TextEncoder().encode(GOOD_SECRET) }, fails: true },
  {
    name: 'a secret with an empty client_id',
    secret: { SecretString: JSON.stringify({ client_id: '', client_secret: CANARY_SECRET }) },
    fails: true,
  },
  {
    name: 'Secrets Manager access denied',
    secret: awsError('AccessDeniedException', 'not authorized to perform GetSecretValue'),
    fails: true,
  },
  {
    name: 'DynamoDB access denied on the write',
    endpoint: [tokenBody()],
    put: awsError('AccessDeniedException', 'not authorized'),
    fails: true,
  },
  {
    name: 'DynamoDB validation error quoting the item',
    endpoint: [tokenBody()],
    put: awsError('ValidationException', `invalid value ${CANARY_TOKEN}`),
    fails: true,
  },
];

describe('Faults: leak canaries', () => {
  const refresher = useRefresherHandler({
    // No reader cache: each case must reach the (mocked) store.
    env: { CREDENTIAL_NAMES: 'post,basic', READ_CACHE_SECONDS: '0' },
    credentials: (tokenUrl) => [
      { name: 'post', tokenUrl, clientAuth: 'client_secret_post', secretId: 'arn:secret:post' },
      { name: 'basic', tokenUrl, clientAuth: 'client_secret_basic', secretId: 'arn:secret:basic' },
    ],
  });
  const { dynamodb, secretsManager } = refresher;
  let read: Handler;
  /** Every line either handler wrote, across the whole file. */
  let output: ReturnType<typeof captureOutput>;
  const everything: string[] = [];

  beforeAll(async () => {
    ({ handler: read } = (await import('../../lambda/handlers/read.js')) as unknown as { handler: Handler });
    output = captureOutput();
  });

  afterAll(() => {
    output?.restore();
  });

  it.each(REFRESH_ROWS)('refresher: $name', async (row) => {
    // Prepare
    const answer = row.secret ?? { SecretString: GOOD_SECRET };
    if (answer instanceof Error) secretsManager.on(GetSecretValueCommand).rejects(answer);
    else secretsManager.on(GetSecretValueCommand).resolves(answer);
    if (row.put) dynamodb.on(PutItemCommand).rejects(row.put);
    else dynamodb.on(PutItemCommand).resolves({});
    refresher.server.script(...(row.endpoint ?? [tokenBody()]));
    const credential = row.name.includes('basic') ? 'basic' : 'post';

    // Act
    const result = await refresher.handler({ credential }, lambdaContext('refresher', 20_000)).then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    );

    // Assess
    expect('error' in result).toBe(row.fails);
    const exposed = 'error' in result ? exposedText(result.error) : JSON.stringify(result.value);
    everything.push(exposed);
    expect(exposed).not.toContain(CANARY_SECRET);
    expect(exposed).not.toContain(CANARY_TOKEN);
    expect(exposed).not.toContain(Buffer.from(`canary-client:${CANARY_SECRET}`).toString('base64'));
  });

  it('reader: the token appears only in successful answers', async () => {
    const now = Math.floor(Date.now() / 1000);
    const item = (secondsLeft: number) => ({
      Item: {
        credential: { S: 'post' },
        accessToken: { S: CANARY_TOKEN },
        tokenType: { S: 'Bearer' },
        expiresAt: { N: String(now + secondsLeft) },
        fetchedAt: { N: String(now - 5) },
      },
    });
    const url = (method: string, query: string) =>
      functionUrlEvent(method, '/token', query, { authorization: `Bearer ${CANARY_TOKEN}` });

    // Successes carry it, by design.
    dynamodb.on(GetItemCommand).resolves(item(3000));
    expect(JSON.stringify(await read({ credential: 'post' }, lambdaContext('reader')))).toContain(
      CANARY_TOKEN,
    );
    expect(JSON.stringify(await read(url('GET', 'credential=post'), lambdaContext('reader')))).toContain(
      CANARY_TOKEN,
    );

    // Failures never do: not enough validity, store errors quoting it, bad requests.
    const failures: unknown[] = [];
    dynamodb.on(GetItemCommand).resolves(item(100));
    failures.push(await read({ credential: 'post' }, lambdaContext('reader')).catch((e: unknown) => e));
    failures.push(await read(url('GET', 'credential=post'), lambdaContext('reader')));
    dynamodb.on(GetItemCommand).rejects(awsError('ValidationException', `bad item ${CANARY_TOKEN}`));
    failures.push(await read({ credential: 'post' }, lambdaContext('reader')).catch((e: unknown) => e));
    failures.push(await read(url('GET', 'credential=post'), lambdaContext('reader')));
    failures.push(await read(url('POST', `credential=${CANARY_TOKEN}`), lambdaContext('reader')));
    failures.push(await read({ credential: CANARY_TOKEN }, lambdaContext('reader')).catch((e: unknown) => e));
    for (const failure of failures) {
      const exposed = failure instanceof Error ? exposedText(failure) : JSON.stringify(failure);
      everything.push(exposed);
      expect(exposed).not.toContain(CANARY_TOKEN);
    }
  });

  it('no log line or EMF metric of either handler ever held a canary', () => {
    const logged = output.text();
    // Proof that the capture saw the handlers' logs and metrics at all.
    expect(logged).toContain('"token refreshed"');
    expect(logged).toContain('"RefreshFailed"');
    expect(logged).toContain('"ReadServed"');
    expect(logged).not.toContain(CANARY_SECRET);
    expect(logged).not.toContain(CANARY_TOKEN);
    expect(everything.length).toBeGreaterThan(REFRESH_ROWS.length);
  });
});
