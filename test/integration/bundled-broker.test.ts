/**
 * The deployable artefact end to end: synthesize the app, take the refresher and reader
 * bundles out of the cloud assembly, run them with the environment the template gives
 * them against Amazon's DynamoDB Local and a real OAuth 2.0 server (oidc-provider), and
 * check the failure rules of docs/design.md. Secrets Manager and Lambda have no local
 * server, and the bundles carry their own AWS SDK, so a mock of the test's SDK copy cannot
 * reach them: they talk to a loopback stand-in speaking the services' wire protocols
 * (test/support/aws-stand-in.ts), reached through the SDK's service endpoint variables.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { DeleteItemCommand, type DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TOKEN_UNAVAILABLE_RETRY_AFTER_SECONDS } from '../../contract/index.js';
import { createBrokerApp } from '../../lib/broker-app.js';
import {
  logicalIdsOfType,
  readerFunction,
  readTemplate,
  refresherFunction,
  type SynthesizedFunction,
  synthesizedFunctions,
  synthesizedParameters,
  type Template,
} from '../../tools/synthesized-handlers.js';
import { lambdaContext } from '../fakes/lambda-context.js';
import type { AwsStandIn } from '../support/aws-stand-in.js';
import { importBundledHandler } from '../support/bundled-handler.js';
import { useDynamoDbLocal } from '../support/dynamodb-local.js';
import { type OAuthServer, startOAuthServer } from '../support/oauth-server.js';
import { startTemplateStandIns, type TemplateStandIns } from '../support/template-table.js';
import { matchesEventPattern, resolvePatternRefs } from './event-pattern.js';

// biome-ignore lint/suspicious/noExplicitAny: a bundle's answer is untyped JSON; the assertions check its shape.
type Handler = (event: unknown, context: ReturnType<typeof lambdaContext>) => Promise<any>;

const STACK = 'A55TokenBroker';
const TABLE = 'a55-token-broker-it';
const REFRESHER_NAME = 'a55-token-broker-refresher';

describe('Integration: bundled refresher and reader', () => {
  /** Secrets Manager and Lambda on loopback. Lambda's async invoke is emulated: the
   * reader's self-healing request runs the bundled refresher. */
  let aws: AwsStandIn;
  let standIns: TemplateStandIns;
  /** Refresher runs started through the emulated async invoke, with their payloads. */
  const asyncInvocations: Array<{ payload: unknown; run: Promise<unknown> }> = [];
  let outdir: string;
  let template: Template;
  let refresherFn: SynthesizedFunction;
  /** Each set's own reader. */
  let readerFns: Record<'sandbox' | 'production', SynthesizedFunction>;
  const dynamo = useDynamoDbLocal();
  let oauth: OAuthServer;
  let db: DynamoDBClient;
  /** CloudFormation logical IDs -> the local stand-ins. */
  const refs: Record<string, string> = {};
  /** Secret ARN -> the value Secrets Manager returns (AWSCURRENT), held by the stand-in. */
  const secretValues = {
    get: (secretId: string) => aws.secretValue(secretId),
    set: (secretId: string, value: string) => aws.setSecret(secretId, value),
  };
  let refresh: Handler;

  const secretArnOf = (credential: string) =>
    `arn:aws:secretsmanager:us-east-1:111122223333:secret:a55-${credential}`;
  const readerHandler = (credential: 'sandbox' | 'production' = 'sandbox') =>
    importBundledHandler<Handler>(outdir, readerFns[credential], refs, aws.endpointEnv);
  const storedItem = async (credential: string) =>
    (
      await db.send(
        new GetItemCommand({
          TableName: TABLE,
          Key: { credential: { S: credential } },
          ConsistentRead: true,
        }),
      )
    ).Item;

  beforeAll(async () => {
    oauth = await startOAuthServer({
      accessTokenTtl: 3600,
      clients: [
        { clientId: 'broker-post', tokenEndpointAuthMethod: 'client_secret_post' },
        { clientId: 'broker-basic', tokenEndpointAuthMethod: 'client_secret_basic' },
        // The pair an operator rotates the sandbox secret to.
        { clientId: 'broker-rotated', tokenEndpointAuthMethod: 'client_secret_post' },
      ],
    });
    db = dynamo.client;

    // Synthesize exactly what `cdk deploy` would, pointed at the local OAuth server.
    // The assembly lives inside the project so the bundles resolve the external AWS SDK
    // from its node_modules, as they would from the Lambda runtime.
    outdir = mkdtempSync(join(process.cwd(), '.test-out', 'assembly-'));
    const { app } = createBrokerApp({
      outdir,
      context: {
        'aws:cdk:enable-asset-metadata': true,
        tokenBroker: {
          credentials: [
            { name: 'sandbox', tokenUrl: oauth.tokenUrl },
            { name: 'production', tokenUrl: oauth.tokenUrl, clientAuth: 'client_secret_basic' },
          ],
        },
      },
    });
    app.synth();
    template = readTemplate(outdir, STACK);
    const functions = synthesizedFunctions(template);
    refresherFn = refresherFunction(functions);
    readerFns = {
      sandbox: readerFunction(functions, 'sandbox'),
      production: readerFunction(functions, 'production'),
    };

    // The table, created from its template definition; the AWS stand-in; the table,
    // refresher and queues mapped to them.
    standIns = await startTemplateStandIns({
      dynamo,
      template,
      tableName: TABLE,
      refresher: { logicalId: refresherFn.logicalId, name: REFRESHER_NAME },
    });
    aws = standIns.aws;
    Object.assign(refs, standIns.refs);

    // Each secret the stack creates gets a local ARN; sandbox and production map to the
    // server's post and basic clients in template order.
    const secretIds = logicalIdsOfType(template, 'AWS::SecretsManager::Secret');
    const [postClient, basicClient] = oauth.clients;
    for (const [index, secretId] of secretIds.entries()) {
      const credential = secretId.toLowerCase().includes('production') ? 'production' : 'sandbox';
      const client = credential === 'production' ? basicClient : postClient;
      refs[secretId] = secretArnOf(credential);
      secretValues.set(
        secretArnOf(credential),
        JSON.stringify({ client_id: client?.clientId, client_secret: client?.clientSecret }),
      );
      expect(index).toBeLessThan(2);
    }
    // The created secrets' ARNs reach the refresher through its parameters (lib/refresher-config.ts).
    for (const [name, value] of synthesizedParameters(template, refs)) aws.setParameter(name, value);
    refresh = await importBundledHandler<Handler>(outdir, refresherFn, refs, aws.endpointEnv);
  });

  afterAll(async () => {
    await oauth?.stop();
    await standIns?.stop();
    if (outdir) rmSync(outdir, { recursive: true, force: true });
  });

  afterEach(async () => {
    await Promise.allSettled(asyncInvocations.map((invocation) => invocation.run));
    // Every invoke was the refresher's async one, and every request was signed.
    for (const call of aws.invokeCalls) {
      expect(call).toMatchObject({ functionName: REFRESHER_NAME, invocationType: 'Event' });
    }
    expect(aws.invokeCalls.map((call) => call.payload)).toEqual(
      asyncInvocations.map((invocation) => invocation.payload),
    );
    expect(aws.signatureRejections).toEqual([]);
    asyncInvocations.length = 0;
  });

  beforeEach(() => {
    // Calls, pending failures and the invoke hook start afresh; secrets (unknown ids answer
    // ResourceNotFoundException) persist, like the map they replace.
    aws.reset();
    aws.onInvoke(({ functionName, invocationType, payload }) => {
      // Only the refresher's async invoke runs it; anything else is answered and then fails afterEach.
      if (functionName !== REFRESHER_NAME || invocationType !== 'Event') return undefined;
      asyncInvocations.push({
        payload,
        run: refresh(payload, lambdaContext('refresher', 60_000)).catch((e) => e),
      });
      return undefined;
    });
  });

  it("synthesizes the refresher and each set's reader for the Node.js 24 runtime with a timeout that covers the retries", () => {
    expect(refresherFn.runtime).toBe('nodejs24.x');
    expect(readerFns.sandbox.runtime).toBe('nodejs24.x');
    expect(readerFns.production.runtime).toBe('nodejs24.x');
    expect(readerFns.sandbox.logicalId).not.toBe(readerFns.production.logicalId);
    expect(refresherFn.timeoutSeconds).toBeGreaterThanOrEqual(30);
  });

  it('refreshes, then the reader serves the very token the OAuth server issued', async () => {
    // Act
    const result = await refresh(
      { credential: 'sandbox' },
      lambdaContext('refresher', refresherFn.timeoutSeconds * 1000),
    );
    const read = await readerHandler();
    const body = await read({ credential: 'sandbox' }, lambdaContext('reader'));

    // Assess
    expect(result).toMatchObject({ credential: 'sandbox', outcome: 'written', attempts: 1 });
    expect(aws.secretCalls).toEqual([
      { service: 'secretsmanager', operation: 'GetSecretValue', secretId: secretArnOf('sandbox') },
    ]);
    expect(body).toEqual({
      credential: 'sandbox',
      accessToken: expect.any(String),
      tokenType: 'Bearer',
      expiresAt: result.expiresAt,
      expiresIn: expect.any(Number),
    });
    expect(body.expiresIn).toBeGreaterThan(3590);
    expect(body.expiresIn).toBeLessThanOrEqual(3600);
    const introspection = await oauth.introspect(body.accessToken);
    expect(introspection).toMatchObject({ active: true, client_id: oauth.clients[0]?.clientId });
    // expiresAt is counted from the send time, so it is never later than the server's exp.
    expect(Date.parse(body.expiresAt) / 1000).toBeLessThanOrEqual(Number(introspection.exp));
  });

  it('uses client_secret_basic for the production set and serves it over the Function URL face', async () => {
    // Prepare
    oauth.resetTokenRequests();

    // Act
    await refresh({ credential: 'production' }, lambdaContext('refresher', 60_000));
    const read = await readerHandler('production');
    const response = await read(
      {
        version: '2.0',
        rawPath: '/token',
        rawQueryString: 'credential=production',
        headers: {},
        requestContext: { http: { method: 'GET', path: '/token' } },
        isBase64Encoded: false,
      },
      lambdaContext('reader'),
    );

    // Assess
    expect(oauth.tokenRequests[0]?.basicAuth).toBe(true);
    expect(response.statusCode).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    const body = JSON.parse(response.body);
    expect(body).toMatchObject({ credential: 'production', tokenType: 'Bearer' });
    expect(await oauth.introspect(body.accessToken)).toMatchObject({
      active: true,
      client_id: oauth.clients[1]?.clientId,
    });
  });

  it('replaces the stored token on the next refresh (a new cold start reads the new one)', async () => {
    // Prepare
    await refresh({ credential: 'sandbox' }, lambdaContext('refresher', 60_000));
    const first = await storedItem('sandbox');

    // Act
    await refresh({ credential: 'sandbox' }, lambdaContext('refresher', 60_000));
    const second = await storedItem('sandbox');
    const read = await readerHandler();
    const body = await read({ credential: 'sandbox' }, lambdaContext('reader'));

    // Assess
    expect(second?.accessToken?.S).not.toBe(first?.accessToken?.S);
    expect(Number(second?.fetchedAt?.N)).toBeGreaterThan(Number(first?.fetchedAt?.N));
    expect(body.accessToken).toBe(second?.accessToken?.S);
    expect(second?.ttl?.N).toBeDefined();
  });

  it.each([
    ['the token endpoint keeps answering 503', () => oauth.failNext(10, 503), 'TokenEndpointUnavailable'],
    [
      'the secret was rotated to a value the endpoint rejects',
      () =>
        secretValues.set(
          secretArnOf('sandbox'),
          JSON.stringify({ client_id: 'broker-post', client_secret: 'wrong' }),
        ),
      'TokenRequestRejected',
    ],
    [
      'the secret is malformed',
      () => secretValues.set(secretArnOf('sandbox'), '{"client_id": "broker-post"}'),
      'SecretInvalid',
    ],
  ])('keeps serving the previous token when %s', async (_case, breakIt, errorName) => {
    // Prepare
    const goodSecret = secretValues.get(secretArnOf('sandbox')) as string;
    await refresh({ credential: 'sandbox' }, lambdaContext('refresher', 60_000));
    const before = await storedItem('sandbox');
    breakIt();

    try {
      // Act: a short Lambda deadline keeps the 503 case's retries brief.
      const error = await refresh({ credential: 'sandbox' }, lambdaContext('refresher', 6_000)).catch(
        (caught: Error) => caught,
      );
      const read = await readerHandler();
      const body = await read({ credential: 'sandbox' }, lambdaContext('reader'));

      // Assess
      expect(error).toMatchObject({
        name: errorName,
        message: expect.stringContaining("credential 'sandbox'"),
      });
      expect(await storedItem('sandbox')).toEqual(before);
      expect(body.accessToken).toBe(before?.accessToken?.S);
      expect((await oauth.introspect(body.accessToken)).active).toBe(true);
    } finally {
      secretValues.set(secretArnOf('sandbox'), goodSecret);
      oauth.resetTokenRequests();
    }
  });

  it('answers TokenUnavailable for a configured set with no token, UnknownCredential for others', async () => {
    // Prepare
    await db.send(new DeleteItemCommand({ TableName: TABLE, Key: { credential: { S: 'production' } } }));
    const read = await readerHandler('production');

    // Act & Assess
    await expect(read({ credential: 'production' }, lambdaContext('reader'))).rejects.toMatchObject({
      name: 'TokenUnavailable',
      message: expect.stringContaining("credential 'production'"),
    });
    await expect(read({ credential: 'staging' }, lambdaContext('reader'))).rejects.toMatchObject({
      name: 'UnknownCredential',
    });
  });

  it('self-heals: a burst of reads facing a missing token triggers exactly one refresh, then the token is served', async () => {
    // Prepare: no token and no recent request for production.
    for (const key of ['production', 'production#state']) {
      await db.send(new DeleteItemCommand({ TableName: TABLE, Key: { credential: { S: key } } }));
    }
    const readers = await Promise.all(Array.from({ length: 5 }, () => readerHandler('production')));

    // Act: 40 reads across 5 reader instances.
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, index) =>
        (readers[index % readers.length] as Handler)(
          { credential: 'production' },
          lambdaContext('reader'),
        ).catch((error: Error) => error),
      ),
    );
    await Promise.all(asyncInvocations.map((invocation) => invocation.run));

    // Assess
    expect(answers.every((answer) => answer instanceof Error && answer.name === 'TokenUnavailable')).toBe(
      true,
    );
    expect(asyncInvocations.map((invocation) => invocation.payload)).toEqual([
      { credential: 'production', reason: 'read-miss' },
    ]);
    expect(aws.invokeCalls).toEqual([
      {
        service: 'lambda',
        operation: 'Invoke',
        functionName: REFRESHER_NAME,
        invocationType: 'Event',
        payload: { credential: 'production', reason: 'read-miss' },
      },
    ]);
    // A caller honours Retry-After: within it, the reader does not read the store again.
    await new Promise((resolve) => setTimeout(resolve, TOKEN_UNAVAILABLE_RETRY_AFTER_SECONDS * 1000));
    const healed = await (readers[0] as Handler)({ credential: 'production' }, lambdaContext('reader'));
    expect((await oauth.introspect(healed.accessToken)).active).toBe(true);
  });

  it('status shows a rejected secret while the previous token is still served, and never the token', async () => {
    // Prepare
    const goodSecret = secretValues.get(secretArnOf('sandbox')) as string;
    await refresh({ credential: 'sandbox' }, lambdaContext('refresher', 60_000));
    secretValues.set(
      secretArnOf('sandbox'),
      JSON.stringify({ client_id: 'broker-post', client_secret: 'rotated-wrong' }),
    );

    try {
      // Act: the rotation rule's (asynchronous) invoke, then an operator's direct one
      const answer = await refresh(
        { credential: 'sandbox', reason: 'secret-rotated' },
        lambdaContext('refresher', 60_000),
      );
      const error = await refresh({ credential: 'sandbox' }, lambdaContext('refresher', 60_000)).catch(
        (caught: Error) => caught,
      );
      const read = await readerHandler();
      const status = await read({ action: 'status' }, lambdaContext('reader'));
      const served = await read({ credential: 'sandbox' }, lambdaContext('reader'));

      // Assess: answered on the async invoke (Lambda would only retry it), thrown on the direct one
      expect(answer).toMatchObject({
        credential: 'sandbox',
        outcome: 'rejected',
        error: 'TokenRequestRejected',
        code: 'invalid_client',
        retryable: false,
      });
      expect(error).toMatchObject({ name: 'TokenRequestRejected', oauthError: 'invalid_client' });
      const sandbox = status.credentials.find(
        (entry: { credential: string }) => entry.credential === 'sandbox',
      );
      expect(sandbox).toMatchObject({
        tokenStored: true,
        lastError: {
          name: 'TokenRequestRejected',
          code: 'invalid_client',
          message: expect.stringContaining("'sandbox'"),
        },
      });
      expect(sandbox.secondsRemaining).toBeGreaterThan(3000);
      expect(JSON.stringify(status)).not.toContain(served.accessToken);
      expect((await oauth.introspect(served.accessToken)).active).toBe(true);
    } finally {
      secretValues.set(secretArnOf('sandbox'), goodSecret);
    }
  });

  it('a real-shaped Secret Label Updated event reaches the refresher through the rule, which uses the new secret at once', async () => {
    // Prepare: the operator saves the rotated pair; Secrets Manager emits its event.
    const goodSecret = secretValues.get(secretArnOf('sandbox')) as string;
    const rotated = oauth.clients[2];
    secretValues.set(
      secretArnOf('sandbox'),
      JSON.stringify({ client_id: rotated?.clientId, client_secret: rotated?.clientSecret }),
    );
    const event = (label: string, credential: string) => ({
      version: '0',
      id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
      'detail-type': 'Secret Label Updated',
      source: 'aws.secretsmanager',
      account: '111122223333',
      time: new Date().toISOString(),
      region: 'us-east-1',
      resources: [secretArnOf(credential)],
      detail: {
        name: `a55-${credential}`,
        labelUpdated: label,
        versionId: 'a1b2c3d4-5678-90ab-cdef-EXAMPLE11111',
      },
    });
    const rules = logicalIdsOfType(template, 'AWS::Events::Rule').map(
      (id) => template.Resources[id]?.Properties,
    );
    const matching = (candidate: unknown) =>
      rules.filter((rule) => matchesEventPattern(resolvePatternRefs(rule.EventPattern, refs), candidate));

    try {
      // Act: EventBridge's part (pattern, target, input), then the refresher's.
      const matched = matching(event('AWSCURRENT', 'sandbox'));
      const [target] = matched[0]?.Targets ?? [];
      expect(target.Arn).toEqual({ 'Fn::GetAtt': [refresherFn.logicalId, 'Arn'] });
      const result = await refresh(JSON.parse(target.Input), lambdaContext('refresher', 60_000));
      const read = await readerHandler();
      const body = await read({ credential: 'sandbox' }, lambdaContext('reader'));

      // Assess
      expect(matched).toHaveLength(1);
      expect(matching(event('AWSPENDING', 'sandbox'))).toHaveLength(0);
      expect(matching(event('AWSCURRENT', 'production'))).toHaveLength(1);
      expect(matching(event('AWSCURRENT', 'production'))[0]).not.toBe(matched[0]);
      expect(JSON.parse(target.Input)).toEqual({ credential: 'sandbox', reason: 'secret-rotated' });
      expect(result).toMatchObject({ credential: 'sandbox', outcome: 'written' });
      expect(await oauth.introspect(body.accessToken)).toMatchObject({
        active: true,
        client_id: 'broker-rotated',
      });
    } finally {
      secretValues.set(secretArnOf('sandbox'), goodSecret);
    }
  });

  describe('per-set access: one reader per credential set', () => {
    const urlEvent = (rawPath: string, rawQueryString: string) => ({
      version: '2.0',
      rawPath,
      rawQueryString,
      headers: {},
      requestContext: { http: { method: 'GET', path: rawPath } },
      isBase64Encoded: false,
    });

    it("the sandbox reader refuses production with a clear error, both faces, and never answers production's token", async () => {
      // Prepare: production has a valid token stored
      await refresh({ credential: 'production' }, lambdaContext('refresher', 60_000));
      const productionToken = (await storedItem('production'))?.accessToken?.S as string;
      expect(productionToken).toEqual(expect.any(String));
      const sandboxReader = await readerHandler('sandbox');

      // Act
      const invoked = await sandboxReader({ credential: 'production' }, lambdaContext('reader')).catch(
        (caught: Error) => caught,
      );
      const overUrl = await sandboxReader(
        urlEvent('/token', 'credential=production'),
        lambdaContext('reader'),
      );

      // Assess: UnknownCredential naming the set this reader serves and how to get the other
      expect(invoked).toMatchObject({
        name: 'UnknownCredential',
        message: expect.stringContaining("serves 'sandbox' only"),
      });
      expect(JSON.stringify({ ...(invoked as object), message: (invoked as Error).message })).not.toContain(
        productionToken,
      );
      expect(overUrl.statusCode).toBe(404);
      expect(JSON.parse(overUrl.body)).toMatchObject({
        error: 'UnknownCredential',
        message: expect.stringContaining("serves 'sandbox' only"),
      });
      expect(JSON.stringify(overUrl)).not.toContain(productionToken);
      // Nothing was asked of the refresher for a set this reader does not serve
      expect(asyncInvocations).toEqual([]);
      expect(aws.invokeCalls).toEqual([]);
    });

    it("the sandbox reader's status shows sandbox only, never production's state", async () => {
      // Prepare
      await refresh({ credential: 'production' }, lambdaContext('refresher', 60_000));
      const sandboxReader = await readerHandler('sandbox');

      // Act
      const invoked = await sandboxReader({ action: 'status' }, lambdaContext('reader'));
      const overUrl = await sandboxReader(urlEvent('/status', ''), lambdaContext('reader'));

      // Assess
      expect(invoked.credentials.map((entry: { credential: string }) => entry.credential)).toEqual([
        'sandbox',
      ]);
      expect(overUrl.statusCode).toBe(200);
      expect(
        JSON.parse(overUrl.body).credentials.map((entry: { credential: string }) => entry.credential),
      ).toEqual(['sandbox']);
      expect(JSON.stringify([invoked, overUrl])).not.toContain('production');
    });

    it('the production reader serves production', async () => {
      // Prepare
      await refresh({ credential: 'production' }, lambdaContext('refresher', 60_000));
      const productionReader = await readerHandler('production');

      // Act
      const body = await productionReader({ credential: 'production' }, lambdaContext('reader'));

      // Assess
      expect(body.accessToken).toBe((await storedItem('production'))?.accessToken?.S);
      expect(await oauth.introspect(body.accessToken)).toMatchObject({
        active: true,
        client_id: oauth.clients[1]?.clientId,
      });
    });
  });
});
