/**
 * The refresher bundle that deploys (dist/lambda-assets, from the synthesized assembly)
 * against DynamoDB Local, the real OAuth server (oidc-provider, with its fault gate) and the
 * AWS stand-in (Secrets Manager with version stages, SQS for the retry queue): the retry
 * chain recovers once the IdP returns (issue #13 item 4), and a mistyped rotation is no
 * outage (item 5). The retry queue's delivery is played by the test: each SendMessage the
 * refresher makes is handed back to it as the SQS event Lambda's event source mapping
 * would build, without waiting its DelaySeconds (the lease compares tickets, not clocks).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { type DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createBrokerApp } from '../../lib/broker-app.js';
import {
  readerFunction,
  readTemplate,
  refresherFunction,
  type SynthesizedFunction,
  synthesizedFunctions,
} from '../../tools/synthesized-handlers.js';
import { captureOutput, lambdaContext } from '../fakes/lambda-context.js';
import type { AwsStandIn } from '../support/aws-stand-in.js';
import { importBundledHandler } from '../support/bundled-handler.js';
import { useDynamoDbLocal } from '../support/dynamodb-local.js';
import { type OAuthServer, startOAuthServer } from '../support/oauth-server.js';
import { startTemplateStandIns, type TemplateStandIns } from '../support/template-table.js';

// biome-ignore lint/suspicious/noExplicitAny: a bundle's answer is untyped JSON; the assertions check its shape.
type Handler = (event: unknown, context: ReturnType<typeof lambdaContext>) => Promise<any>;

const STACK = 'A55TokenBroker';
const TABLE = 'a55-token-broker-resilience';
// Imported by name: its id is known at synth, so the refresher's configuration carries it as is.
const SECRET_ARN = 'a55/sandbox';

describe('Integration: bundled refresher, retry chain and a mistyped rotation', () => {
  let aws: AwsStandIn;
  let standIns: TemplateStandIns;
  let oauth: OAuthServer;
  let db: DynamoDBClient;
  let outdir: string;
  let refresherFn: SynthesizedFunction;
  let readerFn: SynthesizedFunction;
  let refresh: Handler;
  const dynamo = useDynamoDbLocal();
  const refs: Record<string, string> = {};
  const context = () => lambdaContext('refresher', refresherFn.timeoutSeconds * 1000);
  const pairOf = (clientSecret: string) =>
    JSON.stringify({ client_id: oauth.clients[0]?.clientId, client_secret: clientSecret });
  const goodSecret = () => oauth.clients[0]?.clientSecret as string;
  const stateItem = async () =>
    (
      await db.send(
        new GetItemCommand({
          TableName: TABLE,
          Key: { credential: { S: 'sandbox#state' } },
          ConsistentRead: true,
        }),
      )
    ).Item;
  const storedToken = async () =>
    (
      await db.send(
        new GetItemCommand({ TableName: TABLE, Key: { credential: { S: 'sandbox' } }, ConsistentRead: true }),
      )
    ).Item?.accessToken?.S;
  /** Delivers the `index`th message the refresher sent, as the event source mapping would. */
  const deliver = (index: number) => {
    const message = aws.sentMessages[index];
    if (!message) throw new Error(`no message ${index}; sent: ${aws.sentMessages.length}`);
    return refresh(
      { Records: [{ messageId: `m-${index}`, eventSource: 'aws:sqs', body: JSON.stringify(message.body) }] },
      context(),
    );
  };

  beforeAll(async () => {
    oauth = await startOAuthServer({
      accessTokenTtl: 3600,
      clients: [{ clientId: 'broker-post', tokenEndpointAuthMethod: 'client_secret_post' }],
    });
    db = dynamo.client;
    outdir = mkdtempSync(join(process.cwd(), '.test-out', 'assembly-resilience-'));
    const { app } = createBrokerApp({
      outdir,
      context: {
        'aws:cdk:enable-asset-metadata': true,
        tokenBroker: { credentials: [{ name: 'sandbox', tokenUrl: oauth.tokenUrl, secretName: SECRET_ARN }] },
      },
    });
    app.synth();
    const template = readTemplate(outdir, STACK);
    const functions = synthesizedFunctions(template);
    refresherFn = refresherFunction(functions);
    readerFn = readerFunction(functions, 'sandbox');

    // The table, the AWS stand-in, and the table, refresher and queues (a queue's Ref is
    // its URL: the stand-in's) mapped to them.
    standIns = await startTemplateStandIns({
      dynamo,
      template,
      tableName: TABLE,
      refresher: { logicalId: refresherFn.logicalId, name: 'a55-token-broker-refresher' },
    });
    aws = standIns.aws;
    Object.assign(refs, standIns.refs);
    aws.saveSecretVersion(SECRET_ARN, pairOf(goodSecret()));
    refresh = await importBundledHandler<Handler>(outdir, refresherFn, refs, aws.endpointEnv);
  });

  afterAll(async () => {
    await oauth?.stop();
    await standIns?.stop();
    if (outdir) rmSync(outdir, { recursive: true, force: true });
  });

  beforeEach(() => {
    aws.reset();
    oauth.resetTokenRequests();
  });

  it('keeps retrying a set on its own after an outage and stores a fresh token once the IdP returns', async () => {
    // Prepare: the IdP is down for the scheduled run (its four in-run attempts) and the first retry
    const before = await storedToken();
    oauth.failNext(5, 503);

    // Act
    const scheduled = await refresh({ credential: 'sandbox', reason: 'schedule' }, context()).catch(
      (error: Error) => error,
    );
    const firstRetry = await deliver(0);
    const requestsWhileDown = oauth.tokenRequestCount;
    // The IdP is back: the next retry run recovers
    const secondRetry = await deliver(1);
    // SQS delivers the first message again (at-least-once): its lease is gone
    const duplicate = await deliver(0);

    // Assess
    expect(scheduled).toMatchObject({ name: 'TokenEndpointUnavailable' });
    expect(firstRetry).toMatchObject({ outcome: 'failed', retryable: true, retry: 'scheduled' });
    expect(requestsWhileDown).toBe(5);
    expect(secondRetry).toMatchObject({ credential: 'sandbox', outcome: 'written', attempts: 1 });
    expect(duplicate).toEqual({ credential: 'sandbox', outcome: 'retry-not-needed', attempt: 1 });
    expect(oauth.tokenRequestCount).toBe(6);
    expect(aws.sentMessages.map((message) => [message.delaySeconds, message.body])).toEqual([
      [15, { credential: 'sandbox', reason: 'retry', retry: { attempt: 1, dueAt: expect.any(Number) } }],
      [30, { credential: 'sandbox', reason: 'retry', retry: { attempt: 2, dueAt: expect.any(Number) } }],
    ]);
    const token = await storedToken();
    expect(token).toBeDefined();
    expect(token).not.toBe(before);
    expect((await oauth.introspect(token as string)).active).toBe(true);
    expect((await stateItem())?.retryDueAt).toBeUndefined();
    expect(aws.signatureRejections).toEqual([]);
  });

  it('starts one retry chain however many runs fail at once (conditional lease on DynamoDB Local)', async () => {
    // Prepare: a success first, so no lease is left from earlier; then the IdP goes down
    await refresh({ credential: 'sandbox', reason: 'manual' }, context());
    aws.reset();
    oauth.failNext(12, 503);

    // Act: a scheduled run, a reader's request and a deploy refresh fail together
    const failures = await Promise.all(
      (['schedule', 'read-miss', 'deploy'] as const).map((reason) =>
        refresh({ credential: 'sandbox', reason }, context()).catch((error: Error) => error),
      ),
    );
    const lease = await stateItem();

    // Assess
    expect(failures.map((failure) => failure.name)).toEqual(Array(3).fill('TokenEndpointUnavailable'));
    expect(aws.sentMessages).toHaveLength(1);
    expect(aws.sentMessages[0]?.body).toMatchObject({
      retry: { attempt: 1, dueAt: Number(lease?.retryDueAt?.N) },
    });

    // Cleanup: the IdP is back; the chain's retry ends it
    await deliver(0);
    expect((await stateItem())?.retryDueAt).toBeUndefined();
  });

  it('serves with AWSPREVIOUS after a mistyped rotation, alarms, says so on /status, and goes back on the next save', async () => {
    // Prepare: a token from the good pair, then the operator saves a typo
    await refresh({ credential: 'sandbox', reason: 'deploy' }, context());
    const tokenBefore = await storedToken();
    const goodVersion = aws.secretVersionId(SECRET_ARN);
    const typoVersion = aws.saveSecretVersion(SECRET_ARN, pairOf('typo-secret-c41d'));
    const read = await importBundledHandler<Handler>(outdir, readerFn, refs, aws.endpointEnv);
    const output = captureOutput();

    let rotated: Awaited<ReturnType<Handler>>;
    let status: Awaited<ReturnType<Handler>>;
    let served: Awaited<ReturnType<Handler>>;
    let emf: string;
    try {
      // Act: the rotation rule's run
      rotated = await refresh({ credential: 'sandbox', reason: 'secret-rotated' }, context());
      emf = output.text();
    } finally {
      output.restore();
    }
    status = await read({ action: 'status' }, lambdaContext('reader'));
    served = await read({ credential: 'sandbox', minValiditySeconds: 1800 }, lambdaContext('reader'));

    // Assess: a fresh token from the previous pair, SecretRejected counted
    expect(rotated).toMatchObject({ outcome: 'written', secretStage: 'AWSPREVIOUS', secretRejected: true });
    expect(oauth.tokenRequests.map((request) => request.status)).toEqual([200, 401, 200]);
    expect(emf).toContain('"SecretRejected"');
    expect(emf).toContain('"RefreshSucceeded"');
    expect(served.accessToken).not.toBe(tokenBefore);
    expect((await oauth.introspect(served.accessToken)).active).toBe(true);
    expect(status.credentials[0].secret).toEqual({
      inUse: { stage: 'AWSPREVIOUS', versionId: goodVersion },
      rejected: { stage: 'AWSCURRENT', versionId: typoVersion },
    });
    for (const text of [JSON.stringify(status), emf]) {
      expect(text).not.toContain('typo-secret-c41d');
      expect(text).not.toContain(goodSecret());
      expect(text).not.toContain(served.accessToken);
    }

    // Act: the operator saves the right pair; the rotation rule runs again
    const fixedVersion = aws.saveSecretVersion(SECRET_ARN, pairOf(goodSecret()));
    const fixed = await refresh({ credential: 'sandbox', reason: 'secret-rotated' }, context());
    status = await read({ action: 'status' }, lambdaContext('reader'));

    // Assess: back on AWSCURRENT, nothing rejected
    expect(fixed).toMatchObject({ outcome: 'written' });
    expect(fixed.secretStage).toBeUndefined();
    expect(status.credentials[0].secret).toEqual({
      inUse: { stage: 'AWSCURRENT', versionId: fixedVersion },
      rejected: null,
    });
    expect(aws.secretCalls.map((call) => call.versionStage ?? 'AWSCURRENT')).toEqual([
      'AWSCURRENT',
      'AWSCURRENT',
      'AWSPREVIOUS',
      'AWSCURRENT',
    ]);
  });
});
