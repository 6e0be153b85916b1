import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  DynamoDBServiceException,
  GetItemCommand,
  ProvisionedThroughputExceededException,
  PutItemCommand,
  ResourceNotFoundException,
  ThrottlingException,
} from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { STORED_ITEM_CLOCK_SKEW_SECONDS } from '../../../../contract/index.js';
import { DynamoDbTokenStore, PUT_CONDITION } from '../../../../lambda/adapters/dynamodb-token-store.js';
import { TokenStoreError } from '../../../../lambda/core/errors.js';
import type { StoredToken } from '../../../../lambda/core/ports.js';

const TABLE = 'broker-tokens';
const ACCESS_TOKEN = 'eyJhbGciOiJSUzI1NiJ9.secret-token-value.signature';
const TOKEN: StoredToken = {
  credential: 'sandbox',
  accessToken: ACCESS_TOKEN,
  tokenType: 'Bearer',
  expiresAt: 1_800_003_600,
  fetchedAt: 1_800_000_000,
  scope: 'a55/read a55/write',
};

const ddbMock = mockClient(DynamoDBClient);

function serviceError(name: string, message: string, status = 400): DynamoDBServiceException {
  return new DynamoDBServiceException({
    name,
    message,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status },
  });
}

/** Runs `action`, expecting it to reject with a TokenStoreError, and returns that error. */
async function storeError(action: () => Promise<unknown>): Promise<TokenStoreError> {
  const error = await action().then(
    () => undefined,
    (rejection: unknown) => rejection,
  );
  expect(error).toBeInstanceOf(TokenStoreError);
  return error as TokenStoreError;
}

describe('Class: DynamoDbTokenStore', () => {
  let store: DynamoDbTokenStore;

  beforeEach(() => {
    ddbMock.reset();
    store = new DynamoDbTokenStore({ client: new DynamoDBClient({}), tableName: TABLE });
  });

  describe('Method: put', () => {
    it('writes every attribute, with ttl = expiresAt + the default grace of one day', async () => {
      // Prepare
      ddbMock.on(PutItemCommand).resolves({});

      // Act
      const result = await store.put({ ...TOKEN, secretReadAt: 1_799_999_999.5 });

      // Assess
      expect(result).toEqual({ result: 'written' });
      expect(ddbMock).toHaveReceivedCommandExactlyOnceWith(PutItemCommand, {
        TableName: TABLE,
        Item: {
          credential: { S: 'sandbox' },
          accessToken: { S: ACCESS_TOKEN },
          tokenType: { S: 'Bearer' },
          expiresAt: { N: '1800003600' },
          fetchedAt: { N: '1800000000' },
          secretReadAt: { N: '1799999999.5' },
          scope: { S: 'a55/read a55/write' },
          ttl: { N: String(1_800_003_600 + 86_400) },
        },
      });
    });

    it('omits scope when the token has none, and applies a configured grace', async () => {
      // Prepare
      ddbMock.on(PutItemCommand).resolves({});
      const graceful = new DynamoDbTokenStore({
        client: new DynamoDBClient({}),
        tableName: TABLE,
        ttlGraceSeconds: 60,
      });
      const { scope: _scope, ...unscoped } = TOKEN;

      // Act
      await graceful.put(unscoped);

      // Assess
      const item = ddbMock.commandCalls(PutItemCommand)[0]?.args[0].input.Item;
      expect(item).not.toHaveProperty('scope');
      expect(item?.ttl).toEqual({ N: '1800003660' });
    });

    it('writes only when no item exists, the stored one cannot be right, or it is older', async () => {
      // Prepare
      ddbMock.on(PutItemCommand).resolves({});
      const nowMs = 1_800_000_010_250;

      // Act
      await store.put({ ...TOKEN, secretReadAt: 1_799_999_999.5 }, nowMs);

      // Assess
      expect(ddbMock).toHaveReceivedCommandWith(PutItemCommand, {
        ConditionExpression: PUT_CONDITION,
        ExpressionAttributeNames: { '#scope': 'scope' },
        ExpressionAttributeValues: {
          ':fetchedAt': { N: '1800000000' },
          ':secretReadAt': { N: '1799999999.5' },
          ':now': { N: '1800000010.25' },
          ':latest': { N: String(1_800_000_010.25 + STORED_ITEM_CLOCK_SKEW_SECONDS) },
          ':number': { S: 'N' },
          ':string': { S: 'S' },
          ':zero': { N: '0' },
          ':bearer': { S: 'Bearer' },
        },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      });
      for (const clause of [
        'attribute_not_exists(credential)',
        'expiresAt <= :now',
        'fetchedAt > :latest',
        'secretReadAt > :latest',
        'secretReadAt < :secretReadAt',
        '(secretReadAt = :secretReadAt AND fetchedAt < :fetchedAt)',
        '(NOT attribute_type(secretReadAt, :number) AND fetchedAt < :fetchedAt)',
        'NOT attribute_type(fetchedAt, :number)',
      ]) {
        expect(PUT_CONDITION.split(' OR ')).toContain(clause);
      }
    });

    it('orders a token without secretReadAt by its send time', async () => {
      ddbMock.on(PutItemCommand).resolves({});
      await store.put(TOKEN);
      const input = ddbMock.commandCalls(PutItemCommand)[0]?.args[0].input;
      expect(input?.ExpressionAttributeValues?.[':secretReadAt']).toEqual({ N: '1800000000' });
      expect(input?.Item).not.toHaveProperty('secretReadAt');
    });

    it("returns 'superseded' when the condition fails (a newer token is stored)", async () => {
      // Prepare
      ddbMock
        .on(PutItemCommand)
        .rejects(
          new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }),
        );

      // Act
      const result = await store.put(TOKEN);

      // Assess
      expect(result).toEqual({ result: 'superseded' });
    });

    it("answers the item that stayed with 'superseded', read from the failed condition check", async () => {
      // Prepare
      ddbMock.on(PutItemCommand).rejects(
        new ConditionalCheckFailedException({
          message: 'The conditional request failed',
          $metadata: {},
          Item: {
            credential: { S: 'sandbox' },
            accessToken: { S: 'newer' },
            tokenType: { S: 'Bearer' },
            expiresAt: { N: '1800000400' },
            fetchedAt: { N: '1800000005.5' },
            secretReadAt: { N: '1800000005' },
          },
        }),
      );

      // Act
      const result = await store.put(TOKEN);

      // Assess
      expect(result).toEqual({
        result: 'superseded',
        kept: {
          credential: 'sandbox',
          accessToken: 'newer',
          tokenType: 'Bearer',
          expiresAt: 1_800_000_400,
          fetchedAt: 1_800_000_005.5,
          secretReadAt: 1_800_000_005,
        },
      });
    });

    it.each([
      [
        'ProvisionedThroughputExceededException',
        new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} }),
      ],
      ['ThrottlingException', new ThrottlingException({ message: 'Rate exceeded', $metadata: {} })],
      ['RequestLimitExceeded', serviceError('RequestLimitExceeded', 'Throughput exceeds the account limit')],
      ['InternalServerError', serviceError('InternalServerError', 'Internal server error', 500)],
      ['ServiceUnavailable', serviceError('ServiceUnavailable', 'Service unavailable', 503)],
    ])('throws a retryable TokenStoreError on %s', async (name, sdkError) => {
      // Prepare
      ddbMock.on(PutItemCommand).rejects(sdkError);

      // Act
      const error = await storeError(() => store.put(TOKEN));

      // Assess
      expect(error.retryable).toBe(true);
      expect(error.credential).toBe('sandbox');
      expect(error.message).toContain(name);
      expect(error.message).toContain(TABLE);
      expect(error.cause).toMatchObject({ name, message: sdkError.message });
    });

    it('throws a retryable TokenStoreError when DynamoDB cannot be reached', async () => {
      // Prepare
      ddbMock
        .on(PutItemCommand)
        .rejects(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));

      // Act
      const error = await storeError(() => store.put(TOKEN));

      // Assess
      expect(error.retryable).toBe(true);
    });

    it('throws a non-retryable error naming the credential, the table and the missing permission on AccessDenied', async () => {
      // Prepare
      const sdkError = serviceError(
        'AccessDeniedException',
        'User: arn:aws:sts::123456789012:assumed-role/refresher/fn is not authorized to perform: dynamodb:PutItem',
      );
      ddbMock.on(PutItemCommand).rejects(sdkError);

      // Act
      const error = await storeError(() => store.put(TOKEN));

      // Assess
      expect(error.retryable).toBe(false);
      expect(error.name).toBe('TokenStoreError');
      expect(error.message).toMatch(
        /^credential 'sandbox': token store failed: PutItem on table broker-tokens/,
      );
      expect(error.message).toContain('AccessDeniedException');
      expect(error.message).toContain('check the refresher role has dynamodb:PutItem on table broker-tokens');
      expect(error.cause).toMatchObject({
        name: 'AccessDeniedException',
        message: sdkError.message,
        $metadata: { httpStatusCode: 400 },
        $fault: 'client',
      });
    });

    it('says to deploy the stack when the table does not exist', async () => {
      // Prepare
      ddbMock
        .on(PutItemCommand)
        .rejects(new ResourceNotFoundException({ message: 'Requested resource not found', $metadata: {} }));

      // Act
      const error = await storeError(() => store.put(TOKEN));

      // Assess
      expect(error.retryable).toBe(false);
      expect(error.message).toContain('table broker-tokens does not exist');
      expect(error.message).toContain('deploy the stack');
    });

    it('redacts the token from a message it passes on (AccessDenied)', async () => {
      // Prepare
      ddbMock.on(PutItemCommand).rejects(serviceError('AccessDeniedException', `denied for ${ACCESS_TOKEN}`));

      // Act
      const error = await storeError(() => store.put(TOKEN));

      // Assess
      expect(error.message).toContain('denied for [redacted]');
      expect(JSON.stringify(error, Object.getOwnPropertyNames(error))).not.toContain(ACCESS_TOKEN);
    });

    it('never puts the access token into the message or the cause, even when the SDK message holds it', async () => {
      // Prepare
      ddbMock
        .on(PutItemCommand)
        .rejects(serviceError('ValidationException', `bad value ${ACCESS_TOKEN} in item`));

      // Act
      const error = await storeError(() => store.put(TOKEN));

      // Assess
      expect(error.message).not.toContain(ACCESS_TOKEN);
      expect(error.message).toContain('ValidationException (message omitted)');
      expect(String(error.cause)).not.toContain(ACCESS_TOKEN);
      expect(JSON.stringify(error, Object.getOwnPropertyNames(error))).not.toContain(ACCESS_TOKEN);
      expect(error.stack ?? '').not.toContain(ACCESS_TOKEN);
      expect((error.cause as Error).stack ?? '').not.toContain(ACCESS_TOKEN);
    });

    it('refuses a non-finite expiresAt without calling DynamoDB', async () => {
      // Act
      const error = await storeError(() => store.put({ ...TOKEN, expiresAt: Number.NaN }));

      // Assess
      expect(error.message).toContain('expiresAt is not a finite number');
      expect(ddbMock).not.toHaveReceivedCommand(PutItemCommand);
    });
  });

  describe('Method: get', () => {
    it('returns undefined when there is no item', async () => {
      // Prepare
      ddbMock.on(GetItemCommand).resolves({});

      // Act
      const token = await store.get('sandbox');

      // Assess
      expect(token).toBeUndefined();
      expect(ddbMock).toHaveReceivedCommandExactlyOnceWith(GetItemCommand, {
        TableName: TABLE,
        Key: { credential: { S: 'sandbox' } },
        ConsistentRead: false,
      });
    });

    it('returns the stored token, numbers parsed and scope kept', async () => {
      // Prepare
      ddbMock.on(GetItemCommand).resolves({
        Item: {
          credential: { S: 'sandbox' },
          accessToken: { S: ACCESS_TOKEN },
          tokenType: { S: 'Bearer' },
          expiresAt: { N: '1800003600' },
          fetchedAt: { N: '1800000000' },
          scope: { S: 'a55/read a55/write' },
          ttl: { N: '1800090000' },
        },
      });

      // Act
      const token = await store.get('sandbox');

      // Assess
      expect(token).toStrictEqual(TOKEN);
    });

    it('returns a token without scope when the item has none', async () => {
      // Prepare
      ddbMock.on(GetItemCommand).resolves({
        Item: {
          credential: { S: 'sandbox' },
          accessToken: { S: ACCESS_TOKEN },
          tokenType: { S: 'Bearer' },
          expiresAt: { N: '1800003600' },
          fetchedAt: { N: '1800000000' },
        },
      });

      // Act
      const token = await store.get('sandbox');

      // Assess
      expect(token).not.toHaveProperty('scope');
    });

    it('reads strongly consistent when configured', async () => {
      // Prepare
      ddbMock.on(GetItemCommand).resolves({});
      const consistent = new DynamoDbTokenStore({
        client: new DynamoDBClient({}),
        tableName: TABLE,
        consistentRead: true,
      });

      // Act
      await consistent.get('sandbox');

      // Assess
      expect(ddbMock).toHaveReceivedCommandWith(GetItemCommand, { ConsistentRead: true });
    });

    it.each([
      ['accessToken is missing', { accessToken: undefined }, 'accessToken'],
      ['expiresAt is a string', { expiresAt: { S: '1800003600' } }, 'expiresAt'],
      ['fetchedAt is not a number', { fetchedAt: { N: 'soon' } }, 'fetchedAt'],
      ['tokenType is not Bearer', { tokenType: { S: 'mac' } }, 'tokenType'],
      ['scope is a number', { scope: { N: '1' } }, 'scope'],
    ])(
      'returns undefined and reports the problem, without the token, when %s',
      async (_case, change, attribute) => {
        // Prepare
        const item = {
          credential: { S: 'sandbox' },
          accessToken: { S: ACCESS_TOKEN },
          tokenType: { S: 'Bearer' },
          expiresAt: { N: '1800003600' },
          fetchedAt: { N: '1800000000' },
          ...change,
        };
        ddbMock.on(GetItemCommand).resolves({ Item: JSON.parse(JSON.stringify(item)) });
        const onMalformedItem = vi.fn();
        const reporting = new DynamoDbTokenStore({
          client: new DynamoDBClient({}),
          tableName: TABLE,
          onMalformedItem,
        });

        // Act
        const token = await reporting.get('sandbox');

        // Assess
        expect(token).toBeUndefined();
        expect(onMalformedItem).toHaveBeenCalledExactlyOnceWith(
          'sandbox',
          expect.stringContaining(attribute),
        );
        expect(JSON.stringify(onMalformedItem.mock.calls)).not.toContain(ACCESS_TOKEN);
      },
    );

    it('leaves the raw response out of the message and the cause when it cannot be parsed', async () => {
      // Prepare: a deserialization error keeps the response body, which holds the stored token.
      const body = `{"Item":{"accessToken":{"S":"${ACCESS_TOKEN}"}`;
      const sdkError = Object.assign(
        serviceError('SyntaxError', `Deserialization error for body: ${body}`, 200),
        {
          $response: { statusCode: 200, body },
          $responseBodyText: body,
        },
      );
      ddbMock.on(GetItemCommand).rejects(sdkError);

      // Act
      const error = await storeError(() => store.get('sandbox'));

      // Assess
      expect(error.message).toContain('the response could not be parsed (body omitted)');
      expect(error.message).not.toContain(ACCESS_TOKEN);
      expect(error.cause).not.toHaveProperty('$response');
      expect(error.cause).not.toHaveProperty('$responseBodyText');
      expect(JSON.stringify(error.cause, Object.getOwnPropertyNames(error.cause))).not.toContain(
        ACCESS_TOKEN,
      );
    });

    it('throws a non-retryable error naming the table and GetItem on AccessDenied', async () => {
      // Prepare
      ddbMock.on(GetItemCommand).rejects(serviceError('AccessDeniedException', 'not authorized'));

      // Act
      const error = await storeError(() => store.get('sandbox'));

      // Assess
      expect(error.retryable).toBe(false);
      expect(error.message).toContain("credential 'sandbox'");
      expect(error.message).toContain('dynamodb:GetItem on table broker-tokens');
    });
  });

  describe('Method: constructor', () => {
    it('rejects a negative ttl grace', () => {
      // Act & Assess
      expect(
        () =>
          new DynamoDbTokenStore({ client: new DynamoDBClient({}), tableName: TABLE, ttlGraceSeconds: -1 }),
      ).toThrow(/ttlGraceSeconds must be a non-negative integer, got -1/);
    });
  });
});
