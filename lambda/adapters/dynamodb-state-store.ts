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
} from '@aws-sdk/client-dynamodb';
import { stateKey, TABLE_PARTITION_KEY } from '../../contract/index.js';
import { TokenStoreError } from '../core/errors.js';
import {
  type CallOptions,
  type CredentialState,
  RECORDED_MESSAGE_MAX_CHARS,
  type RecordedFailure,
  type StateStore,
} from '../core/ports.js';
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
  async recordSuccess(credential: string, atSeconds: number): Promise<void> {
    await this.#guard(credential, 'UpdateItem', () =>
      this.#client.send(
        new UpdateItemCommand({
          TableName: this.#tableName,
          Key: this.#key(credential),
          UpdateExpression: 'SET lastSuccessAt = :at',
          ExpressionAttributeValues: { ':at': { N: String(atSeconds) } },
        }),
      ),
    );
  }

  /** @inheritdoc */
  async claimRefreshRequest(
    credential: string,
    atSeconds: number,
    notBeforeSeconds: number,
    options?: CallOptions,
  ): Promise<boolean> {
    try {
      await this.#client.send(
        new UpdateItemCommand({
          TableName: this.#tableName,
          Key: this.#key(credential),
          UpdateExpression: 'SET refreshRequestedAt = :at',
          ConditionExpression: 'attribute_not_exists(refreshRequestedAt) OR refreshRequestedAt < :notBefore',
          ExpressionAttributeValues: {
            ':at': { N: String(atSeconds) },
            ':notBefore': { N: String(notBeforeSeconds) },
          },
        }),
        { abortSignal: options?.signal },
      );
      return true;
    } catch (error) {
      if (sdkErrorName(error) === 'ConditionalCheckFailedException') return false;
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
  return {
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
