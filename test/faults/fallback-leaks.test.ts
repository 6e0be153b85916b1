/**
 * Leak canaries on the AWSPREVIOUS fallback (docs/design.md, A rejected AWSCURRENT): two
 * pairs are in play, and a token endpoint that echoes what it received could put either
 * into a refusal. Neither secret (raw, or as the Basic credentials), nor the token, may reach
 * a log line, a metric, the answer or a thrown error.
 */
import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { beforeEach, describe, expect, it } from 'vitest';
import { captureOutput, lambdaContext } from '../fakes/lambda-context.js';
import { json, raw, type ScriptedAnswer } from '../fakes/scripted-http-server.js';
import { useRefresherHandler } from '../support/refresher-handler.js';
import { CANARY_SECRET, CANARY_TOKEN, exposedText } from './harness.js';

const PREVIOUS_CANARY = 'canary-previous-Hh4tQ2';
const SECRET_ID = 'arn:secret:basic';
const pair = (secret: string) => JSON.stringify({ client_id: 'canary-client', client_secret: secret });
const basic = (secret: string) => Buffer.from(`canary-client:${secret}`).toString('base64');
const echoBody: ScriptedAnswer = (request, response) =>
  json(401, {
    error: 'invalid_client',
    error_description: `${request.body} ${request.headers.authorization}`,
  })(request, response);

const ROWS: Array<{ name: string; endpoint: ScriptedAnswer[]; fails: boolean }> = [
  {
    name: 'AWSCURRENT rejected with an echo, AWSPREVIOUS accepted',
    endpoint: [echoBody, json(200, { access_token: CANARY_TOKEN, token_type: 'Bearer', expires_in: 3600 })],
    fails: false,
  },
  { name: 'both rejected, each refusal echoing its request', endpoint: [echoBody, echoBody], fails: true },
  {
    name: 'AWSCURRENT rejected, AWSPREVIOUS answered with a 500 echoing the Authorization header',
    endpoint: [echoBody, (q, s) => raw(500, String(q.headers.authorization))(q, s)],
    fails: true,
  },
];

describe('Faults: leak canaries on the AWSPREVIOUS fallback', () => {
  const refresher = useRefresherHandler({
    credentials: (tokenUrl) => [
      { name: 'basic', tokenUrl, clientAuth: 'client_secret_basic', secretId: SECRET_ID },
    ],
  });
  const { dynamodb, secretsManager } = refresher;
  let output: ReturnType<typeof captureOutput>;

  beforeEach(() => {
    secretsManager
      .on(GetSecretValueCommand, { SecretId: SECRET_ID })
      .resolves({ SecretString: pair(CANARY_SECRET), VersionId: 'v-new' });
    secretsManager
      .on(GetSecretValueCommand, { SecretId: SECRET_ID, VersionStage: 'AWSPREVIOUS' })
      .resolves({ SecretString: pair(PREVIOUS_CANARY), VersionId: 'v-old' });
  });

  it.each(ROWS)('refresher: $name', async (row) => {
    // Prepare
    refresher.server.script(...row.endpoint);
    output = captureOutput();

    // Act
    const result = await refresher
      .handler({ credential: 'basic', reason: 'secret-rotated' }, lambdaContext('refresher'))
      .then(
        (value) => ({ value }),
        (error: unknown) => ({ error }),
      );
    const logged = output.text();
    output.restore();

    // Assess: both pairs were sent, and nothing that left the handler holds either
    expect(refresher.server.requests).toHaveLength(2);
    const rejected = JSON.stringify(
      dynamodb.commandCalls(UpdateItemCommand).map((call) => call.args[0].input.ExpressionAttributeValues),
    );
    const answer = 'error' in result ? exposedText(result.error) : JSON.stringify(result.value);
    // An asynchronous invoke's rejected secret is answered, not thrown (decision 18).
    expect(result).toHaveProperty('value.outcome', row.fails ? 'rejected' : 'written');
    for (const text of [answer, logged, rejected]) {
      for (const secret of [CANARY_SECRET, PREVIOUS_CANARY]) {
        expect(text).not.toContain(secret);
        expect(text).not.toContain(basic(secret));
      }
      expect(text).not.toContain(CANARY_TOKEN);
    }
    if (!row.fails) expect(logged).toContain('"SecretRejected"');
  });
});
