/**
 * The DynamoDB state store's requests and its reading of the state item, with the SDK mocked
 * (aws-sdk-client-mock). What the expressions do against a real table is the integration
 * suite's (DynamoDB Local, test/support/store-contract.ts); here: that each call sends the
 * expression, key and values it must, reads every attribute back, and says what failed.
 */
import { DynamoDBClient, GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbStateStore } from '../../../../lambda/adapters/dynamodb-state-store.js';
import { TokenStoreError } from '../../../../lambda/core/errors.js';
import { RECORDED_MESSAGE_MAX_CHARS } from '../../../../lambda/core/ports.js';

const TABLE = 'broker-table';
const KEY = { credential: { S: 'sandbox#state' } };

/** An SDK error as the DynamoDB client throws it. */
const sdkError = (name: string, status = 400) =>
  Object.assign(new Error(`${name} happened`), {
    name,
    $fault: 'client',
    $metadata: { httpStatusCode: status },
  });

/** What `promise` rejected with; fails the test when it resolved. */
async function rejection(promise: Promise<unknown>): Promise<Error> {
  const outcome = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!(outcome instanceof Error)) throw new Error('the call resolved');
  return outcome;
}

describe('Class: DynamoDbStateStore', () => {
  const ddb = mockClient(DynamoDBClient);
  const store = new DynamoDbStateStore({ client: new DynamoDBClient({}), tableName: TABLE });
  const sentUpdate = () => ddb.commandCalls(UpdateItemCommand)[0]?.args[0].input;

  beforeEach(() => {
    ddb.reset();
  });

  afterAll(() => {
    ddb.restore();
  });

  describe('Method: get', () => {
    it('reads every attribute of the state item', async () => {
      // Prepare
      ddb.on(GetItemCommand).resolves({
        Item: {
          ...KEY,
          lastErrorName: { S: 'TokenRequestRejected' },
          lastErrorMessage: { S: 'invalid_client' },
          lastErrorAt: { N: '1764590000.5' },
          lastErrorCode: { S: 'invalid_client' },
          lastErrorRetryable: { BOOL: false },
          lastSuccessAt: { N: '1764580000' },
          refreshRequestedAt: { N: '1764590100' },
          retryDueAt: { N: '1764590200' },
          retryAttempt: { N: '2' },
          retryRunUntil: { N: '1764590262' },
          retryOwner: { S: 'owner-1' },
          inUseStage: { S: 'AWSPREVIOUS' },
          inUseVersionId: { S: 'v-prev' },
          rejectedVersionId: { S: 'v-cur' },
        },
      });
      const signal = new AbortController().signal;

      // Act
      const state = await store.get('sandbox', { signal });

      // Assess
      expect(state).toStrictEqual({
        pendingRetry: { attempt: 2, dueAt: 1764590200, runUntil: 1764590262 },
        secret: { stage: 'AWSPREVIOUS', versionId: 'v-prev', rejectedVersionId: 'v-cur' },
        lastFailure: {
          name: 'TokenRequestRejected',
          message: 'invalid_client',
          at: 1764590000.5,
          code: 'invalid_client',
          retryable: false,
        },
        lastSuccessAt: 1764580000,
        refreshRequestedAt: 1764590100,
      });
      expect(ddb.commandCalls(GetItemCommand)[0]?.args[0].input).toStrictEqual({
        TableName: TABLE,
        Key: KEY,
      });
      expect((ddb.call(0).args as unknown[])[1]).toEqual({ abortSignal: signal });
    });

    it('reads a missing item as an empty state', async () => {
      ddb.on(GetItemCommand).resolves({});
      expect(await store.get('sandbox')).toStrictEqual({});
    });

    it.each([
      ['a failure without a message', { lastErrorName: { S: 'X' }, lastErrorAt: { N: '1' } }, {}],
      ['a failure without a name', { lastErrorMessage: { S: 'm' }, lastErrorAt: { N: '1' } }, {}],
      ['a failure without a time', { lastErrorName: { S: 'X' }, lastErrorMessage: { S: 'm' } }, {}],
      [
        'a failure with a non-numeric time and a string retryable',
        { lastErrorName: { S: 'X' }, lastErrorMessage: { S: 'm' }, lastErrorAt: { S: '1' } },
        {},
      ],
      [
        'a failure with no code and a non-boolean retryable',
        {
          lastErrorName: { S: 'X' },
          lastErrorMessage: { S: 'm' },
          lastErrorAt: { N: '1' },
          lastErrorRetryable: { S: 'true' },
        },
        { lastFailure: { name: 'X', message: 'm', at: 1 } },
      ],
      ['a lease without its attempt', { retryDueAt: { N: '5' } }, {}],
      ['a lease without its due time', { retryAttempt: { N: '1' } }, {}],
      [
        'a lease with a non-numeric run hold',
        { retryDueAt: { N: '5' }, retryAttempt: { N: '1' }, retryRunUntil: { S: '9' } },
        { pendingRetry: { attempt: 1, dueAt: 5 } },
      ],
      ['a run hold without its lease', { retryRunUntil: { N: '9' } }, {}],
      [
        'a stage with no version attributes',
        { inUseStage: { S: 'AWSPREVIOUS' } },
        { secret: { stage: 'AWSPREVIOUS' } },
      ],
      [
        'a failure recorded before retryable existed',
        { lastErrorName: { S: 'X' }, lastErrorMessage: { S: 'm' }, lastErrorAt: { N: '2' } },
        { lastFailure: { name: 'X', message: 'm', at: 2 } },
      ],
      ['an unknown secret stage', { inUseStage: { S: 'AWSPENDING' }, inUseVersionId: { S: 'v' } }, {}],
      [
        'a current stage without version ids',
        { inUseStage: { S: 'AWSCURRENT' }, inUseVersionId: { S: '' } },
        { secret: { stage: 'AWSCURRENT' } },
      ],
      [
        'a non-numeric success time',
        { lastSuccessAt: { N: 'soon' }, refreshRequestedAt: { N: 'Infinity' } },
        {},
      ],
    ])('leaves out %s', async (_case, attributes, expected) => {
      ddb.on(GetItemCommand).resolves({ Item: { ...KEY, ...attributes } });
      expect(await store.get('sandbox')).toStrictEqual(expected);
    });

    it('says which call on which table failed, and whether a retry may help', async () => {
      ddb.on(GetItemCommand).rejects(sdkError('ProvisionedThroughputExceededException'));
      const error = await rejection(store.get('sandbox'));
      expect(error).toBeInstanceOf(TokenStoreError);
      expect(error).toMatchObject({
        retryable: true,
        message:
          "credential 'sandbox': token store failed: GetItem of the state item on table broker-table failed with " +
          "ProvisionedThroughputExceededException; check the role's dynamodb:GetItem permission on state items (*#state)",
      });
    });
  });

  describe('Method: recordFailure', () => {
    it('sets every field of a failure that carries them all', async () => {
      ddb.on(UpdateItemCommand).resolves({});
      await store.recordFailure('sandbox', {
        name: 'TokenEndpointUnavailable',
        message: 'HTTP 503',
        at: 1764590000.25,
        code: 'http_503',
        retryable: true,
      });
      expect(sentUpdate()).toStrictEqual({
        TableName: TABLE,
        Key: KEY,
        UpdateExpression:
          'SET lastErrorName = :name, lastErrorMessage = :message, lastErrorAt = :at, lastErrorCode = :code, lastErrorRetryable = :retryable',
        ExpressionAttributeValues: {
          ':name': { S: 'TokenEndpointUnavailable' },
          ':message': { S: 'HTTP 503' },
          ':at': { N: '1764590000.25' },
          ':code': { S: 'http_503' },
          ':retryable': { BOOL: true },
        },
      });
    });

    it('removes the fields a failure does not carry, cuts the message, and ends the retry chain when no retry can help', async () => {
      ddb.on(UpdateItemCommand).resolves({});
      await store.recordFailure('sandbox', {
        name: 'SecretInvalid',
        message: 'm'.repeat(RECORDED_MESSAGE_MAX_CHARS + 5),
        at: 7,
        retryable: false,
      });
      expect(sentUpdate()).toMatchObject({
        UpdateExpression:
          'SET lastErrorName = :name, lastErrorMessage = :message, lastErrorAt = :at, lastErrorRetryable = :retryable REMOVE lastErrorCode, retryDueAt, retryAttempt, retryRunUntil, retryOwner, retryReleasedDueAt',
        ExpressionAttributeValues: {
          ':message': { S: 'm'.repeat(RECORDED_MESSAGE_MAX_CHARS) },
          ':retryable': { BOOL: false },
        },
      });
    });

    it('removes code and retryable when the failure says neither, keeping the lease', async () => {
      ddb.on(UpdateItemCommand).resolves({});
      await store.recordFailure('sandbox', { name: 'X', message: 'm', at: 1 });
      expect(sentUpdate()?.UpdateExpression).toBe(
        'SET lastErrorName = :name, lastErrorMessage = :message, lastErrorAt = :at REMOVE lastErrorCode, lastErrorRetryable',
      );
    });

    it('says which update failed', async () => {
      ddb.on(UpdateItemCommand).rejects(sdkError('AccessDeniedException'));
      const error = await rejection(store.recordFailure('sandbox', { name: 'X', message: 'm', at: 1 }));
      expect(error).toMatchObject({ retryable: false });
      expect(error.message).toContain(
        "UpdateItem of the state item on table broker-table failed with AccessDeniedException; check the role's dynamodb:UpdateItem permission",
      );
    });
  });

  describe('Method: recordSuccess', () => {
    it('sets the success time and ends the retry chain', async () => {
      ddb.on(UpdateItemCommand).resolves({});
      await store.recordSuccess('sandbox', 1764590000.5);
      expect(sentUpdate()).toStrictEqual({
        TableName: TABLE,
        Key: KEY,
        UpdateExpression:
          'SET lastSuccessAt = :at REMOVE retryDueAt, retryAttempt, retryRunUntil, retryOwner, retryReleasedDueAt',
        ExpressionAttributeValues: { ':at': { N: '1764590000.5' } },
      });
    });

    it('records the secret in use, removing the version ids it does not name', async () => {
      ddb.on(UpdateItemCommand).resolves({});
      await store.recordSuccess('sandbox', 5, { stage: 'AWSPREVIOUS', rejectedVersionId: 'v-cur' });
      expect(sentUpdate()).toMatchObject({
        UpdateExpression:
          'SET lastSuccessAt = :at, inUseStage = :stage, rejectedVersionId = :rejectedVersionId REMOVE retryDueAt, retryAttempt, retryRunUntil, retryOwner, retryReleasedDueAt, inUseVersionId',
        ExpressionAttributeValues: {
          ':at': { N: '5' },
          ':stage': { S: 'AWSPREVIOUS' },
          ':rejectedVersionId': { S: 'v-cur' },
        },
      });
    });

    it('says which update failed', async () => {
      ddb.on(UpdateItemCommand).rejects(sdkError('InternalServerError', 500));
      const error = await rejection(store.recordSuccess('sandbox', 5));
      expect(error).toBeInstanceOf(TokenStoreError);
      expect(error).toMatchObject({ retryable: true });
      expect(error.message).toContain(
        'UpdateItem of the state item on table broker-table failed with InternalServerError',
      );
    });
  });

  describe('Method: claimRetry', () => {
    it('takes a free or stale lease', async () => {
      ddb.on(UpdateItemCommand).resolves({});
      expect(
        await store.claimRetry(
          'sandbox',
          { attempt: 2, dueAt: 100 },
          { staleBeforeSeconds: 40, owner: 'o-1' },
        ),
      ).toBe(true);
      expect(sentUpdate()).toStrictEqual({
        TableName: TABLE,
        Key: KEY,
        UpdateExpression:
          'SET retryDueAt = :due, retryAttempt = :attempt, retryOwner = :owner REMOVE retryRunUntil, retryReleasedDueAt',
        ConditionExpression: 'attribute_not_exists(retryDueAt) OR retryDueAt < :stale',
        ExpressionAttributeValues: {
          ':due': { N: '100' },
          ':attempt': { N: '2' },
          ':stale': { N: '40' },
          ':owner': { S: 'o-1' },
        },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      });
    });

    it('also takes the lease it holds', async () => {
      ddb.on(UpdateItemCommand).resolves({});
      await store.claimRetry(
        'sandbox',
        { attempt: 3, dueAt: 130 },
        { heldDueAt: 100, staleBeforeSeconds: 40, owner: 'o-1' },
      );
      expect(sentUpdate()).toMatchObject({
        ConditionExpression: 'attribute_not_exists(retryDueAt) OR retryDueAt < :stale OR retryDueAt = :held',
        ExpressionAttributeValues: { ':held': { N: '100' } },
      });
    });

    it('answers false when another run holds the lease, and fails on anything else', async () => {
      ddb
        .on(UpdateItemCommand)
        .rejectsOnce(sdkError('ConditionalCheckFailedException'))
        .rejectsOnce(sdkError('ThrottlingException'));
      expect(
        await store.claimRetry('sandbox', { attempt: 1, dueAt: 1 }, { staleBeforeSeconds: 0, owner: 'o-1' }),
      ).toBe(false);
      const error = await rejection(
        store.claimRetry('sandbox', { attempt: 1, dueAt: 1 }, { staleBeforeSeconds: 0, owner: 'o-1' }),
      );
      expect(error).toBeInstanceOf(TokenStoreError);
      expect(error).toMatchObject({ retryable: true });
    });

    it('answers true when the failed condition met its own lease (a resent write whose first attempt applied)', async () => {
      // Prepare: DynamoDB answers a failed condition with the item as it was (ALL_OLD)
      const failedOn = (owner: string | undefined) =>
        Object.assign(sdkError('ConditionalCheckFailedException'), {
          Item: { retryDueAt: { N: '1' }, ...(owner === undefined ? {} : { retryOwner: { S: owner } }) },
        });
      ddb
        .on(UpdateItemCommand)
        .rejectsOnce(failedOn('o-1'))
        .rejectsOnce(failedOn('o-2'))
        .rejectsOnce(failedOn(undefined));
      const claim = () =>
        store.claimRetry('sandbox', { attempt: 1, dueAt: 1 }, { staleBeforeSeconds: 0, owner: 'o-1' });

      // Act / Assess: ours; another claim's; a lease written before owners were
      expect(await claim()).toBe(true);
      expect(await claim()).toBe(false);
      expect(await claim()).toBe(false);
    });
  });

  describe('Method: releaseRetry', () => {
    it('removes the lease and its run hold only while the lease is the one given', async () => {
      ddb.on(UpdateItemCommand).resolves({});
      await store.releaseRetry('sandbox', 100);
      expect(sentUpdate()).toStrictEqual({
        TableName: TABLE,
        Key: KEY,
        UpdateExpression:
          'SET retryReleasedDueAt = :due REMOVE retryDueAt, retryAttempt, retryRunUntil, retryOwner',
        ConditionExpression: 'retryDueAt = :due',
        ExpressionAttributeValues: { ':due': { N: '100' } },
      });
    });

    it("leaves another chain's lease without failing, and fails on anything else", async () => {
      ddb
        .on(UpdateItemCommand)
        .rejectsOnce(sdkError('ConditionalCheckFailedException'))
        .rejectsOnce(sdkError('AccessDeniedException'));
      await expect(store.releaseRetry('sandbox', 100)).resolves.toBeUndefined();
      const error = await rejection(store.releaseRetry('sandbox', 100));
      expect(error).toBeInstanceOf(TokenStoreError);
      expect(error.message).toContain(
        'UpdateItem of the state item on table broker-table failed with AccessDeniedException',
      );
      expect(error).toMatchObject({ retryable: false });
    });
  });

  describe('Method: startRetry', () => {
    it("holds the run of the lease's retry when no delivery holds it now", async () => {
      ddb.on(UpdateItemCommand).resolves({});
      expect(
        await store.startRetry(
          'sandbox',
          { attempt: 2, dueAt: 100 },
          { atSeconds: 101, untilSeconds: 163, owner: 'o-1' },
        ),
      ).toBe(true);
      expect(sentUpdate()).toStrictEqual({
        TableName: TABLE,
        Key: KEY,
        UpdateExpression:
          'SET retryDueAt = :due, retryAttempt = :attempt, retryRunUntil = :until, retryOwner = :owner REMOVE retryReleasedDueAt',
        ConditionExpression:
          '(retryDueAt = :due AND (attribute_not_exists(retryRunUntil) OR retryRunUntil < :at)) OR (attribute_not_exists(retryDueAt) AND retryReleasedDueAt = :due)',
        ExpressionAttributeValues: {
          ':due': { N: '100' },
          ':attempt': { N: '2' },
          ':at': { N: '101' },
          ':until': { N: '163' },
          ':owner': { S: 'o-1' },
        },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      });
    });

    it('answers false for a duplicate delivery or a lease moved on, and fails on anything else', async () => {
      ddb
        .on(UpdateItemCommand)
        .rejectsOnce(sdkError('ConditionalCheckFailedException'))
        .rejectsOnce(sdkError('ProvisionedThroughputExceededException'));
      const start = () =>
        store.startRetry(
          'sandbox',
          { attempt: 2, dueAt: 100 },
          { atSeconds: 101, untilSeconds: 163, owner: 'o-1' },
        );
      expect(await start()).toBe(false);
      const error = await rejection(start());
      expect(error).toBeInstanceOf(TokenStoreError);
      expect(error.message).toContain("credential 'sandbox'");
      expect(error).toMatchObject({ retryable: true });
    });

    it('answers true when the failed condition met its own hold (a resent write whose first attempt applied)', async () => {
      ddb
        .on(UpdateItemCommand)
        .rejectsOnce(
          Object.assign(sdkError('ConditionalCheckFailedException'), {
            Item: { retryDueAt: { N: '100' }, retryRunUntil: { N: '163' }, retryOwner: { S: 'o-1' } },
          }),
        )
        .rejectsOnce(
          Object.assign(sdkError('ConditionalCheckFailedException'), {
            Item: { retryDueAt: { N: '100' }, retryRunUntil: { N: '163' }, retryOwner: { S: 'o-2' } },
          }),
        );
      const start = () =>
        store.startRetry(
          'sandbox',
          { attempt: 2, dueAt: 100 },
          { atSeconds: 101, untilSeconds: 163, owner: 'o-1' },
        );
      expect(await start()).toBe(true);
      expect(await start()).toBe(false);
    });
  });

  describe('Method: claimRefreshRequest', () => {
    it('claims when no request was made since notBefore, with the caller signal', async () => {
      ddb.on(UpdateItemCommand).resolves({});
      const signal = new AbortController().signal;
      expect(await store.claimRefreshRequest('sandbox', 200, 140, { signal })).toBe(true);
      expect(sentUpdate()).toStrictEqual({
        TableName: TABLE,
        Key: KEY,
        UpdateExpression: 'SET refreshRequestedAt = :at',
        ConditionExpression: 'attribute_not_exists(refreshRequestedAt) OR refreshRequestedAt < :notBefore',
        ExpressionAttributeValues: { ':at': { N: '200' }, ':notBefore': { N: '140' } },
      });
      expect((ddb.call(0).args as unknown[])[1]).toEqual({ abortSignal: signal });
    });

    it('answers false when another reader claimed it, and fails on anything else', async () => {
      ddb
        .on(UpdateItemCommand)
        .rejectsOnce(sdkError('ConditionalCheckFailedException'))
        .rejectsOnce(sdkError('AccessDeniedException'));
      expect(await store.claimRefreshRequest('sandbox', 200, 140)).toBe(false);
      const error = await rejection(store.claimRefreshRequest('sandbox', 200, 140));
      expect(error).toMatchObject({ name: 'TokenStoreError', retryable: false });
    });
  });
});
