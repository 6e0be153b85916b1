/**
 * Credential set state (last failure and whether it is retryable, last success, last
 * self-healing request) in the token table, under the key `<name>#state`: a separate
 * item, so recording state never rewrites or blocks the token item, and the reader's IAM
 * policy can allow it to update state items only (`dynamodb:LeadingKeys` = `*#state`).
 */
import {
  type AttributeValue,
  type DynamoDBClient,
  GetItemCommand,
  UpdateItemCommand,
  type UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import { type RetryTicket, stateKey, TABLE_PARTITION_KEY } from '../../contract/index.js';
import { TokenStoreError } from '../core/errors.js';
import {
  type CallOptions,
  type CredentialState,
  RECORDED_MESSAGE_MAX_CHARS,
  type RecordedFailure,
  type RetryWrite,
  type SecretInUse,
  type SecretStage,
  type StateStore,
} from '../core/ports.js';

/**
 * The retry lease's attributes (docs/design.md, Retry until recovered): the retry pending,
 * until when one delivery of its message holds its run, and who wrote the lease or the hold
 * last (`RetryWrite.owner`). A release removes them and remembers the dueAt it gave up.
 */
const LEASE_ATTRIBUTES = ['retryDueAt', 'retryAttempt', 'retryRunUntil', 'retryOwner'] as const;
/** The lease's attributes and the released dueAt: what a chain that ends removes. */
const CHAIN_ATTRIBUTES = [...LEASE_ATTRIBUTES, 'retryReleasedDueAt'] as const;

import { classifySdkError, sdkErrorName } from './sdk-errors.js';

/** A {@link StateStore} on the broker's DynamoDB table. */
export class DynamoDbStateStore implements StateStore {
  readonly #client: DynamoDBClient;
  readonly #tableName: string;

  constructor(options: { readonly client: DynamoDBClient; readonly tableName: string }) {
    this.#client = options.client;
    this.#tableName = options.tableName;
  }

  /** @inheritdoc */
  async get(credential: string, options?: CallOptions): Promise<CredentialState> {
    const output = await this.#guard(credential, 'GetItem', () =>
      this.#client.send(new GetItemCommand({ TableName: this.#tableName, Key: this.#key(credential) }), {
        // The reader's deadline: aborts the request and the SDK's retries.
        abortSignal: options?.signal,
      }),
    );
    return toState(output.Item ?? {});
  }

  /** @inheritdoc */
  async recordFailure(credential: string, failure: RecordedFailure): Promise<void> {
    const values: Record<string, AttributeValue> = {
      ':name': { S: failure.name },
      ':message': { S: failure.message.slice(0, RECORDED_MESSAGE_MAX_CHARS) },
      ':at': { N: String(failure.at) },
    };
    const set = ['lastErrorName = :name', 'lastErrorMessage = :message', 'lastErrorAt = :at'];
    // A field the failure does not carry is removed: it described an earlier failure.
    const remove: string[] = [];
    if (failure.code === undefined) remove.push('lastErrorCode');
    else {
      set.push('lastErrorCode = :code');
      values[':code'] = { S: failure.code };
    }
    if (failure.retryable === undefined) remove.push('lastErrorRetryable');
    else {
      set.push('lastErrorRetryable = :retryable');
      values[':retryable'] = { BOOL: failure.retryable };
    }
    // A failure no retry can fix ends the retry chain: its pending message then does nothing.
    if (failure.retryable === false) remove.push(...CHAIN_ATTRIBUTES);
    const update = `SET ${set.join(', ')}${remove.length === 0 ? '' : ` REMOVE ${remove.join(', ')}`}`;
    await this.#guard(credential, 'UpdateItem', () =>
      this.#client.send(
        new UpdateItemCommand({
          TableName: this.#tableName,
          Key: this.#key(credential),
          UpdateExpression: update,
          ExpressionAttributeValues: values,
        }),
      ),
    );
  }

  /** @inheritdoc */
  async recordSuccess(credential: string, atSeconds: number, secret?: SecretInUse): Promise<void> {
    const values: Record<string, AttributeValue> = { ':at': { N: String(atSeconds) } };
    const set = ['lastSuccessAt = :at'];
    // A success ends the retry chain.
    const remove: string[] = [...CHAIN_ATTRIBUTES];
    if (secret) {
      set.push('inUseStage = :stage');
      values[':stage'] = { S: secret.stage };
      for (const [attribute, value] of [
        ['inUseVersionId', secret.versionId],
        ['rejectedVersionId', secret.rejectedVersionId],
      ] as const) {
        if (value === undefined) remove.push(attribute);
        else {
          set.push(`${attribute} = :${attribute}`);
          values[`:${attribute}`] = { S: value };
        }
      }
    }
    await this.#guard(credential, 'UpdateItem', () =>
      this.#client.send(
        new UpdateItemCommand({
          TableName: this.#tableName,
          Key: this.#key(credential),
          UpdateExpression: `SET ${set.join(', ')} REMOVE ${remove.join(', ')}`,
          ExpressionAttributeValues: values,
        }),
      ),
    );
  }

  /** @inheritdoc */
  async claimRetry(
    credential: string,
    ticket: RetryTicket,
    options: RetryWrite & { readonly heldDueAt?: number; readonly staleBeforeSeconds: number },
  ): Promise<boolean> {
    const values: Record<string, AttributeValue> = {
      ':due': { N: String(ticket.dueAt) },
      ':attempt': { N: String(ticket.attempt) },
      ':stale': { N: String(options.staleBeforeSeconds) },
      ':owner': { S: options.owner },
    };
    let condition = 'attribute_not_exists(retryDueAt) OR retryDueAt < :stale';
    if (options.heldDueAt !== undefined) {
      condition += ' OR retryDueAt = :held';
      values[':held'] = { N: String(options.heldDueAt) };
    }
    return this.#ownedUpdate(credential, options.owner, {
      // A new lease: no delivery holds its run yet, and a released one's message is not its.
      UpdateExpression:
        'SET retryDueAt = :due, retryAttempt = :attempt, retryOwner = :owner REMOVE retryRunUntil, retryReleasedDueAt',
      ConditionExpression: condition,
      ExpressionAttributeValues: values,
    });
  }

  /** @inheritdoc */
  async releaseRetry(credential: string, dueAt: number): Promise<void> {
    // A failed condition: another chain's lease (or none), not ours to give up.
    await this.#conditionalUpdate(credential, {
      UpdateExpression: `SET retryReleasedDueAt = :due REMOVE ${LEASE_ATTRIBUTES.join(', ')}`,
      ConditionExpression: 'retryDueAt = :due',
      ExpressionAttributeValues: { ':due': { N: String(dueAt) } },
    });
  }

  /** @inheritdoc */
  async startRetry(
    credential: string,
    ticket: RetryTicket,
    options: RetryWrite & { readonly atSeconds: number; readonly untilSeconds: number },
  ): Promise<boolean> {
    return this.#ownedUpdate(credential, options.owner, {
      // The lease is set whole: the released lease's message takes it back.
      UpdateExpression:
        'SET retryDueAt = :due, retryAttempt = :attempt, retryRunUntil = :until, retryOwner = :owner REMOVE retryReleasedDueAt',
      ConditionExpression:
        '(retryDueAt = :due AND (attribute_not_exists(retryRunUntil) OR retryRunUntil < :at)) OR (attribute_not_exists(retryDueAt) AND retryReleasedDueAt = :due)',
      ExpressionAttributeValues: {
        ':due': { N: String(ticket.dueAt) },
        ':attempt': { N: String(ticket.attempt) },
        ':at': { N: String(options.atSeconds) },
        ':until': { N: String(options.untilSeconds) },
        ':owner': { S: options.owner },
      },
    });
  }

  /** @inheritdoc */
  async claimRefreshRequest(
    credential: string,
    atSeconds: number,
    notBeforeSeconds: number,
    options?: CallOptions,
  ): Promise<boolean> {
    const made = await this.#conditionalUpdate(
      credential,
      {
        UpdateExpression: 'SET refreshRequestedAt = :at',
        ConditionExpression: 'attribute_not_exists(refreshRequestedAt) OR refreshRequestedAt < :notBefore',
        ExpressionAttributeValues: {
          ':at': { N: String(atSeconds) },
          ':notBefore': { N: String(notBeforeSeconds) },
        },
      },
      options,
    );
    return made === true;
  }

  /**
   * A conditional update of the retry lease that writes `retryOwner = owner`: when its
   * condition fails on an item whose retryOwner is `owner`, the write was ours, applied by
   * an attempt whose answer was lost and sent again by the SDK's retries: true, as the first
   * answer would have been. `retryOwner` is read back only here, never into the state.
   */
  async #ownedUpdate(
    credential: string,
    owner: string,
    update: Pick<
      UpdateItemCommandInput,
      'UpdateExpression' | 'ConditionExpression' | 'ExpressionAttributeValues'
    >,
  ): Promise<boolean> {
    const old = await this.#conditionalUpdate(credential, {
      ...update,
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
    return old === true || old.retryOwner?.S === owner;
  }

  /**
   * One conditional update of the set's state item: true when it was made; when its
   * condition failed (the claim is someone else's), the item as it was if the update asked
   * for it (`ReturnValuesOnConditionCheckFailure`), else an empty one; any other failure is
   * a TokenStoreError.
   */
  async #conditionalUpdate(
    credential: string,
    update: Pick<
      UpdateItemCommandInput,
      | 'UpdateExpression'
      | 'ConditionExpression'
      | 'ExpressionAttributeValues'
      | 'ReturnValuesOnConditionCheckFailure'
    >,
    options?: CallOptions,
  ): Promise<true | Record<string, AttributeValue>> {
    try {
      await this.#client.send(
        new UpdateItemCommand({ TableName: this.#tableName, Key: this.#key(credential), ...update }),
        // The reader's deadline, for its claim: aborts the request and the SDK's retries.
        { abortSignal: options?.signal },
      );
      return true;
    } catch (error) {
      if (sdkErrorName(error) === 'ConditionalCheckFailedException')
        return (error as { Item?: Record<string, AttributeValue> }).Item ?? {};
      throw this.#translate(credential, 'UpdateItem', error);
    }
  }

  #key(credential: string): Record<string, AttributeValue> {
    return { [TABLE_PARTITION_KEY]: { S: stateKey(credential) } };
  }

  async #guard<T>(credential: string, action: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw this.#translate(credential, action, error);
    }
  }

  /** Only the SDK error's name is passed on: these items hold no secrets, but its text is not ours. */
  #translate(credential: string, action: string, error: unknown): TokenStoreError {
    const { name, retryable } = classifySdkError(error);
    return new TokenStoreError(
      credential,
      `${action} of the state item on table ${this.#tableName} failed with ${name}; check the role's dynamodb:${action} permission on state items (*#state)`,
      { retryable },
    );
  }
}

function toState(item: Record<string, AttributeValue>): CredentialState {
  const number = (value: AttributeValue | undefined) => {
    const parsed = value?.N === undefined ? Number.NaN : Number(value.N);
    return Number.isFinite(parsed) ? parsed : undefined;
  };
  const at = number(item.lastErrorAt);
  const name = item.lastErrorName?.S;
  const message = item.lastErrorMessage?.S;
  const lastSuccessAt = number(item.lastSuccessAt);
  const refreshRequestedAt = number(item.refreshRequestedAt);
  const retryDueAt = number(item.retryDueAt);
  const retryAttempt = number(item.retryAttempt);
  const retryRunUntil = number(item.retryRunUntil);
  const stage = item.inUseStage?.S;
  return {
    ...(retryDueAt === undefined || retryAttempt === undefined
      ? {}
      : {
          pendingRetry: {
            attempt: retryAttempt,
            dueAt: retryDueAt,
            ...(retryRunUntil === undefined ? {} : { runUntil: retryRunUntil }),
          },
        }),
    ...(stage === 'AWSCURRENT' || stage === 'AWSPREVIOUS'
      ? {
          secret: {
            stage: stage satisfies SecretStage,
            ...(item.inUseVersionId?.S ? { versionId: item.inUseVersionId.S } : {}),
            ...(item.rejectedVersionId?.S ? { rejectedVersionId: item.rejectedVersionId.S } : {}),
          },
        }
      : {}),
    ...(name && message && at !== undefined
      ? {
          lastFailure: {
            name,
            message,
            at,
            ...(item.lastErrorCode?.S ? { code: item.lastErrorCode.S } : {}),
            ...(typeof item.lastErrorRetryable?.BOOL === 'boolean'
              ? { retryable: item.lastErrorRetryable.BOOL }
              : {}),
          },
        }
      : {}),
    ...(lastSuccessAt === undefined ? {} : { lastSuccessAt }),
    ...(refreshRequestedAt === undefined ? {} : { refreshRequestedAt }),
  };
}
