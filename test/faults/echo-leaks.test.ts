/**
 * Echo leaks: a token endpoint (or a proxy in front of it) that copies what it received —
 * the form body, the Authorization header, the client secret — into the fields the
 * refresher reads back (`error`, `error_description`, `token_type`). The refresher and
 * reader handlers run as Lambda runs them, on DynamoDB Local, and nothing they emit may
 * hold the client id, the client secret or the Basic credentials: not the thrown error
 * (what the failure queue and the invoker get), not the refresher's answer, not a log
 * line or an EMF metric (the `errorCode` dimension), not the state item, not `/status`.
 * Codes that are Object property names (`constructor`, `__proto__`, `toString`) must not
 * select inherited properties either.
 */
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { stateKey } from '../../contract/index.js';
import { captureOutput, lambdaContext } from '../fakes/lambda-context.js';
import { json, type RecordedRequest, type ScriptedAnswer } from '../fakes/scripted-http-server.js';
import { useDynamoDbLocal } from '../support/dynamodb-local.js';
import { type Handler, useRefresherHandler } from '../support/refresher-handler.js';
import { exposedText } from './harness.js';

/** Short, so that even a 20-character excerpt of an echo would contain all of it. */
const SECRET = 'cs-Zq8v3Lk9';
const CLIENT_ID = 'cid-Wq7Lm2';
const BASIC = Buffer.from(`${CLIENT_ID}:${SECRET}`).toString('base64');
const FORBIDDEN = [SECRET, CLIENT_ID, BASIC];

/** What an echoing server copies: the client_secret parameter, or the Authorization header. */
const echoed = (request: RecordedRequest): string =>
  request.headers.authorization ??
  `client_secret=${new URLSearchParams(request.body).get('client_secret') ?? ''}`;
const answer =
  (status: number, fields: (request: RecordedRequest) => Record<string, unknown>): ScriptedAnswer =>
  (request, response) =>
    json(status, fields(request))(request, response);

interface Row {
  readonly name: string;
  readonly answer: ScriptedAnswer;
  /** The errorCode the metric, the state item and /status must carry. */
  readonly code?: string;
}

const ROWS: Row[] = [
  {
    name: 'error = the echoed client_secret',
    answer: answer(400, (q) => ({ error: echoed(q) })),
    code: 'other',
  },
  { name: 'error = the bare secret (401)', answer: answer(401, () => ({ error: SECRET })), code: 'other' },
  {
    name: 'error = the echoed client id',
    answer: answer(400, () => ({ error: `client_id=${CLIENT_ID}` })),
    code: 'other',
  },
  {
    name: 'error_description = the echoed secret, error a known code',
    answer: answer(400, (q) => ({ error: 'invalid_request', error_description: echoed(q) })),
    code: 'invalid_request',
  },
  { name: 'error = constructor', answer: answer(400, () => ({ error: 'constructor' })), code: 'other' },
  { name: 'error = __proto__', answer: answer(400, () => ({ error: '__proto__' })), code: 'other' },
  { name: 'error = toString', answer: answer(400, () => ({ error: 'toString' })), code: 'other' },
  { name: 'no error field at all', answer: answer(403, () => ({ message: SECRET })), code: 'http_403' },
  {
    name: 'token_type = the echoed secret',
    answer: answer(200, () => ({ access_token: 'tok', token_type: SECRET, expires_in: 3600 })),
  },
  {
    name: 'token_type = the echoed client_secret parameter',
    answer: answer(200, (q) => ({ access_token: 'tok', token_type: echoed(q), expires_in: 3600 })),
  },
];

describe('Faults: a token endpoint that echoes the request', () => {
  const dynamo = useDynamoDbLocal();
  let table: string;
  const refresher = useRefresherHandler({
    dynamodb: 'real',
    env: async () => {
      table = await dynamo.createTable();
      return {
        AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
        TABLE_NAME: table,
        CREDENTIAL_NAMES: 'post,basic',
        READ_CACHE_SECONDS: '0',
      };
    },
    credentials: (tokenUrl) => [
      { name: 'post', tokenUrl, clientAuth: 'client_secret_post', secretId: 'arn:secret:post' },
      { name: 'basic', tokenUrl, clientAuth: 'client_secret_basic', secretId: 'arn:secret:basic' },
    ],
    secret: { SecretString: JSON.stringify({ client_id: CLIENT_ID, client_secret: SECRET }) },
  });
  let read: Handler;
  let output: ReturnType<typeof captureOutput>;

  beforeAll(async () => {
    ({ handler: read } = (await import('../../lambda/handlers/read.js')) as unknown as { handler: Handler });
  });

  const stateItem = async (credential: string) =>
    (
      await dynamo.client.send(
        new GetItemCommand({
          TableName: table,
          Key: { credential: { S: stateKey(credential) } },
          ConsistentRead: true,
        }),
      )
    ).Item;

  describe.each([
    ['post', 'schedule'],
    ['basic', 'manual'],
  ] as const)('credential %s, reason %s', (credential, reason) => {
    it.each(ROWS)('$name', async (row) => {
      // Prepare
      refresher.server.script(row.answer);
      output = captureOutput();

      // Act
      let outcome: unknown;
      try {
        outcome = await refresher.handler({ credential, reason }, lambdaContext('refresher', 20_000)).then(
          (value) => ({ value }),
          (error: unknown) => ({ error }),
        );
      } finally {
        output.restore();
      }
      const logged = output.text();
      const state = await stateItem(credential);
      const status = await read({ action: 'status' }, lambdaContext('reader'));

      // Assess
      const surfaces = {
        'the refresher outcome':
          'error' in (outcome as object)
            ? exposedText((outcome as { error: unknown }).error)
            : JSON.stringify((outcome as { value: unknown }).value),
        'the logs and EMF metrics': logged,
        'the state item': JSON.stringify(state),
        'the status answer': JSON.stringify(status),
      };
      for (const [surface, text] of Object.entries(surfaces)) {
        for (const forbidden of FORBIDDEN)
          expect(text, `${surface} holds ${forbidden}`).not.toContain(forbidden);
        expect(text, `${surface} shows an inherited property`).not.toMatch(/native code|function Object/);
      }
      // The failure was still recorded and counted, by a code from the known list (or other/http_NNN).
      expect(state?.lastErrorName?.S).toMatch(/^Token(RequestRejected|ResponseInvalid)$/);
      expect(logged).toContain('"RefreshFailed"');
      if (row.code === undefined) {
        expect(state?.lastErrorCode).toBeUndefined();
      } else {
        expect(state?.lastErrorCode?.S).toBe(row.code);
        expect(logged).toContain(`"errorCode":"${row.code}"`);
      }
    });
  });
});
