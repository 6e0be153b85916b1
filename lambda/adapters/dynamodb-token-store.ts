/**
 * The token store on DynamoDB: one item per credential set (docs/design.md, Stored item).
 * Uses the low-level client and marshals the attributes by hand: no lib-dynamodb
 * in the bundle, and every attribute type is explicit.
 */
import {
  type AttributeValue,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { STORED_ITEM_CLOCK_SKEW_SECONDS, TABLE_TTL_ATTRIBUTE } from '../../contract/index.js';
import { TokenStoreError } from '../core/errors.js';
import type { CallOptions, PutOutcome, StoredToken, TokenStore } from '../core/ports.js';
import { assertStorable } from '../core/token-rules.js';
import { classifySdkError, DESCRIPTIVE_SDK_ERRORS, sdkErrorName } from './sdk-errors.js';

/** Options of {@link DynamoDbTokenStore}. */
export interface DynamoDbTokenStoreOptions {
  /** Built once at module scope by the handler, so connections are reused across invocations. */
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /**
   * Seconds after `expiresAt` at which DynamoDB TTL may delete the item. TTL deletes
   * lazily (often days late), so readers check `expiresAt` anyway; the grace keeps an
   * expired item visible for diagnosis for a while.
   * @default 86400
   */
  readonly ttlGraceSeconds?: number;
  /**
   * Strongly consistent reads. Eventually consistent reads cost half and a token read
   * within a second of a refresh is still the previous, valid one.
   * @default false
   */
  readonly consistentRead?: boolean;
  /**
   * Called when a stored item does not have the expected shape (edited by hand, written
   * by another version); `problem` names the attribute, never its value. `get` then
   * answers undefined, so the reader reports TokenUnavailable and asks for a refresh,
   * whose write replaces the item (see the write condition).
   */
  readonly onMalformedItem?: (credential: string, problem: string) => void;
}

/**
 * Write condition, core `mayReplace` in DynamoDB's words (an integration test holds the two
 * to each other). The write goes through when
 * 1. there is no item;
 * 2. the item cannot be served (the reader's malformed-item rules): accessToken missing,
 *    empty or not a string, tokenType not `Bearer`, expiresAt or fetchedAt not a number,
 *    scope not a string. A comparison with a missing or mistyped attribute is false, so
 *    such an item would otherwise block every refresh;
 * 3. the item cannot be right: expired (`expiresAt <= :now`), or fetched or its secret read
 *    more than the clock skew in the future (`> :latest`), which would win every
 *    comparison below forever;
 * 4. the item is older: its secret was read earlier, or at the same instant and its
 *    request sent earlier; an item without a numeric secretReadAt (written before it
 *    existed) is compared by fetchedAt alone. Equal items are not rewritten.
 */
export const PUT_CONDITION = [
  'attribute_not_exists(credential)',
  'NOT attribute_type(accessToken, :string)',
  'size(accessToken) = :zero',
  'NOT (tokenType = :bearer)',
  'NOT attribute_type(expiresAt, :number)',
  'NOT attribute_type(fetchedAt, :number)',
  '(attribute_exists(#scope) AND NOT attribute_type(#scope, :string))',
  'expiresAt <= :now',
  'fetchedAt > :latest',
  'secretReadAt > :latest',
  'secretReadAt < :secretReadAt',
  '(secretReadAt = :secretReadAt AND fetchedAt < :fetchedAt)',
  '(NOT attribute_type(secretReadAt, :number) AND fetchedAt < :fetchedAt)',
].join(' OR ');

/** A {@link TokenStore} backed by one DynamoDB table with partition key `credential` (S). */
export class DynamoDbTokenStore implements TokenStore {
  readonly #client: DynamoDBClient;
  readonly #tableName: string;
  readonly #ttlGraceSeconds: number;
  readonly #consistentRead: boolean;
  readonly #onMalformedItem: ((credential: string, problem: string) => void) | undefined;

  constructor(options: DynamoDbTokenStoreOptions) {
    const ttlGraceSeconds = options.ttlGraceSeconds ?? 86_400;
    if (!Number.isSafeInteger(ttlGraceSeconds) || ttlGraceSeconds < 0) {
      throw new RangeError(`ttlGraceSeconds must be a non-negative integer, got ${ttlGraceSeconds}`);
    }
    if (!options.tableName) {
      throw new RangeError('tableName must not be empty');
    }
    this.#client = options.client;
    this.#tableName = options.tableName;
    this.#ttlGraceSeconds = ttlGraceSeconds;
    this.#consistentRead = options.consistentRead ?? false;
    this.#onMalformedItem = options.onMalformedItem;
  }

  /**
   * Reads the item of `credential`. Answers undefined when there is none or when it is
   * malformed (see {@link DynamoDbTokenStoreOptions.onMalformedItem}); expired items are
   * returned as they are, the caller checks `expiresAt`.
   * @throws TokenStoreError when DynamoDB cannot be read, or `options.signal` aborted the read.
   */
  async get(credential: string, options?: CallOptions): Promise<StoredToken | undefined> {
    let item: Record<string, AttributeValue> | undefined;
    try {
      const output = await this.#client.send(
        new GetItemCommand({
          TableName: this.#tableName,
          Key: { credential: { S: credential } },
          ConsistentRead: this.#consistentRead,
        }),
        // Aborts the request and the SDK's retries at the reader's deadline.
        { abortSignal: options?.signal },
      );
      item = output.Item;
    } catch (error) {
      throw this.#translate(credential, 'GetItem', error, undefined);
    }
    if (item === undefined) return undefined;
    const parsed = unmarshalToken(credential, item);
    if (typeof parsed === 'string') {
      this.#onMalformedItem?.(credential, parsed);
      return undefined;
    }
    return parsed;
  }

  /**
   * Writes `token` unless the stored item is newer ({@link PUT_CONDITION}).
   * @param nowMs the writer's clock, for the expired and future-dated rules.
   *   @default Date.now()
   * @returns `written`, or `superseded` with the item kept (read back from the failed
   *   condition check, `ReturnValuesOnConditionCheckFailure: ALL_OLD`).
   * @throws TokenStoreError when DynamoDB cannot be written; `retryable` for throttling
   *   and server-side errors (after the SDK's own retries).
   */
  async put(token: StoredToken, nowMs: number = Date.now()): Promise<PutOutcome> {
    const { credential } = token;
    // String(NaN) would reach DynamoDB as "NaN" and fail with a less helpful ValidationException.
    assertStorable(token);
    const now = nowMs / 1000;
    try {
      await this.#client.send(
        new PutItemCommand({
          TableName: this.#tableName,
          Item: this.#marshal(token),
          ConditionExpression: PUT_CONDITION,
          // `scope` is a DynamoDB reserved word.
          ExpressionAttributeNames: { '#scope': 'scope' },
          ExpressionAttributeValues: {
            ':fetchedAt': { N: String(token.fetchedAt) },
            // An incoming token without one counts its send time: its secret was read before.
            ':secretReadAt': { N: String(token.secretReadAt ?? token.fetchedAt) },
            ':now': { N: String(now) },
            ':latest': { N: String(now + STORED_ITEM_CLOCK_SKEW_SECONDS) },
            ':number': { S: 'N' },
            ':string': { S: 'S' },
            ':zero': { N: '0' },
            ':bearer': { S: 'Bearer' },
          },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { result: 'written' };
    } catch (error) {
      if (sdkErrorName(error) !== 'ConditionalCheckFailedException') {
        throw this.#translate(credential, 'PutItem', error, token.accessToken);
      }
      const old = (error as { Item?: Record<string, AttributeValue> }).Item;
      const kept = old === undefined ? undefined : unmarshalToken(credential, old);
      return { result: 'superseded', ...(kept === undefined || typeof kept === 'string' ? {} : { kept }) };
    }
  }

  #marshal(token: StoredToken): Record<string, AttributeValue> {
    const item: Record<string, AttributeValue> = {
      credential: { S: token.credential },
      accessToken: { S: token.accessToken },
      tokenType: { S: token.tokenType },
      expiresAt: { N: String(token.expiresAt) },
      fetchedAt: { N: String(token.fetchedAt) },
      [TABLE_TTL_ATTRIBUTE]: { N: String(token.expiresAt + this.#ttlGraceSeconds) },
    };
    if (token.secretReadAt !== undefined) item.secretReadAt = { N: String(token.secretReadAt) };
    // DynamoDB has no undefined; an absent attribute is how "no scope" is stored.
    if (token.scope !== undefined) item.scope = { S: token.scope };
    return item;
  }

  /**
   * Turns an SDK failure into a TokenStoreError that names the table, the SDK error and
   * what to do. Neither message nor cause may carry a token: see {@link describeSafely}.
   */
  #translate(
    credential: string,
    action: 'GetItem' | 'PutItem',
    error: unknown,
    accessToken: string | undefined,
  ): TokenStoreError {
    const { name, retryable } = classifySdkError(error);
    const table = this.#tableName;
    const { message: sdkMessage, cause } = describeSafely(error, accessToken);
    const role = action === 'PutItem' ? 'the refresher role' : "this function's role";
    // The table is encrypted with a customer-managed key: DynamoDB calls KMS as the caller.
    const kms = action === 'PutItem' ? 'kms:Encrypt, kms:GenerateDataKey* and kms:Decrypt' : 'kms:Decrypt';

    let advice: string;
    switch (name) {
      case 'AccessDeniedException':
        advice = `check ${role} has dynamodb:${action} on table ${table}, and ${kms} on the table's KMS key`;
        break;
      case 'ResourceNotFoundException':
        advice = `table ${table} does not exist in this account and region: deploy the stack, or fix the table name setting`;
        break;
      case 'ValidationException':
        advice = `the item or table ${table} does not have the expected schema (partition key 'credential' of type S): check the table definition`;
        break;
      default:
        advice = retryable
          ? `DynamoDB is throttling or unavailable for table ${table} after the SDK's retries; try again later`
          : `unexpected DynamoDB error on table ${table}; check the table and ${role}'s permissions`;
    }
    return new TokenStoreError(
      credential,
      `${action} on table ${table} failed with ${name} (${sdkMessage}): ${advice}`,
      {
        cause,
        retryable,
      },
    );
  }
}

/**
 * The SDK error's message and a copy of it fit to travel as `cause`. SDK errors hold no
 * request input, but two things could still carry a token: a deserialization error keeps
 * the raw response (a GetItem body holds the stored token) in `$response` and may quote it
 * in its message; and a message might echo an item value. So the cause is a plain copy
 * (name, message, `$metadata`, `$fault`, stack frames) without response fields, the known
 * token is redacted, and a message quoting a response body is dropped.
 */
function describeSafely(error: unknown, accessToken: string | undefined): { message: string; cause: Error } {
  const original = error instanceof Error ? error : new Error(String(error));
  const details = original as Error & {
    $metadata?: unknown;
    $fault?: unknown;
    code?: unknown;
    $responseBodyText?: unknown;
  };
  let message = original.message;
  if (details.$responseBodyText !== undefined || /deserialization error/i.test(message)) {
    message = 'the response could not be parsed (body omitted)';
  } else if (!DESCRIPTIVE_SDK_ERRORS.has(original.name)) {
    // Validation and unknown errors may quote the request or item values (the token);
    // only the errors whose text AWS builds from names and ARNs are passed on.
    message = 'message omitted';
  }
  if (accessToken) message = message.split(accessToken).join('[redacted]');
  message = message.length <= 300 ? message : `${message.slice(0, 300)}...`;

  const cause = new Error(message);
  cause.name = original.name;
  for (const key of ['$metadata', '$fault', 'code'] as const) {
    if (details[key] !== undefined) Object.assign(cause, { [key]: details[key] });
  }
  // Keep where it was thrown, but not the first stack line, which repeats the raw message.
  const frames = original.stack?.split('\n').filter((line) => line.trimStart().startsWith('at '));
  cause.stack = [`${cause.name}: ${message}`, ...(frames ?? [])].join('\n');
  return { message, cause };
}

/** Parses a stored item; answers a description of the first problem when it is malformed. */
function unmarshalToken(credential: string, item: Record<string, AttributeValue>): StoredToken | string {
  const accessToken = item.accessToken?.S;
  if (!accessToken) return 'accessToken is missing, empty or not a string';
  if (item.tokenType?.S !== 'Bearer') return "tokenType is not the string 'Bearer'";
  const expiresAt = readNumber(item.expiresAt);
  if (expiresAt === undefined) return 'expiresAt is missing or not a number';
  const fetchedAt = readNumber(item.fetchedAt);
  if (fetchedAt === undefined) return 'fetchedAt is missing or not a number';
  const scope = item.scope;
  if (scope !== undefined && scope.S === undefined) return 'scope is not a string';
  // Optional, and only ordering writes: one that is not a number is taken as absent, as the write condition does.
  const secretReadAt = readNumber(item.secretReadAt);
  return {
    credential,
    accessToken,
    tokenType: 'Bearer',
    expiresAt,
    fetchedAt,
    ...(secretReadAt === undefined ? {} : { secretReadAt }),
    ...(scope?.S !== undefined ? { scope: scope.S } : {}),
  };
}

function readNumber(value: AttributeValue | undefined): number | undefined {
  if (value?.N === undefined) return undefined;
  const number = Number(value.N);
  return Number.isFinite(number) ? number : undefined;
}
