/**
 * The refresher handler from the sources, as the handler and fault suites drive it: the AWS
 * SDK clients mocked (aws-sdk-client-mock), the token endpoint a scripted HTTP server on
 * loopback, the variables stubbed before the module's cold start. The suites had each
 * repeated this set-up; one fixture keeps them alike.
 *
 * @example
 * ```ts
 * describe('Handler: refresh', () => {
 *   const refresher = useRefresherHandler({
 *     credentials: (tokenUrl) => [{ name: 'sandbox', tokenUrl, clientAuth: 'client_secret_post', secretId: 'arn' }],
 *     secret: { SecretString: '{"client_id":"c","client_secret":"s"}' },
 *   });
 *   it('...', async () => {
 *     refresher.server.script(json(200, { access_token: 't', token_type: 'Bearer', expires_in: 3600 }));
 *     await refresher.handler({ credential: 'sandbox' }, lambdaContext('refresher'));
 *   });
 * });
 * ```
 */
import { DynamoDBClient, GetItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import {
  GetSecretValueCommand,
  type GetSecretValueCommandOutput,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, expect, vi } from 'vitest';
import { captureOutput, type lambdaContext } from '../fakes/lambda-context.js';
import { type ScriptedHttpServer, startScriptedHttpServer } from '../fakes/scripted-http-server.js';

/** The refresher's (or reader's) exported handler, as a test calls it. */
export type Handler = (event: unknown, context: ReturnType<typeof lambdaContext>) => Promise<unknown>;

/** Options of {@link useRefresherHandler}. */
export interface RefresherHandlerOptions {
  /** The `CREDENTIALS` entries, given the scripted endpoint's URL. */
  readonly credentials: (tokenUrl: string) => readonly Record<string, unknown>[];
  /**
   * More variables for the cold start (`TABLE_NAME` is `tokens` unless given), or a function
   * answering them, run in the fixture's beforeAll (after the suite's DynamoDB Local started).
   */
  readonly env?: Readonly<Record<string, string>> | (() => Promise<Readonly<Record<string, string>>>);
  /**
   * `real`: DynamoDB is not mocked (the suite points `AWS_ENDPOINT_URL_DYNAMODB` at DynamoDB
   * Local through `env`); `dynamodb` is then undefined. @default 'mocked'
   */
  readonly dynamodb?: 'mocked' | 'real';
  /** What every `GetSecretValue` answers unless a test says otherwise; none when left out. */
  readonly secret?: Partial<GetSecretValueCommandOutput>;
  /**
   * Values no test's log lines or metrics may hold: the output is captured around each test
   * and checked after it (a canary in a log line fails the test that wrote it).
   */
  readonly canaries?: readonly string[];
}

/** The SDK clients the refresher uses, mocked (every instance, whenever made). */
function sdkMocks(dynamodb: 'mocked' | 'real') {
  return {
    dynamodb: dynamodb === 'mocked' ? mockClient(DynamoDBClient) : undefined,
    secretsManager: mockClient(SecretsManagerClient),
    sqs: mockClient(SQSClient),
  };
}
type SdkMocks = ReturnType<typeof sdkMocks>;

/** What {@link useRefresherHandler} gives a suite; the getters work once its beforeAll ran. */
export interface RefresherHandlerFixture extends Readonly<Omit<SdkMocks, 'dynamodb'>> {
  /** The DynamoDB mock; undefined with `dynamodb: 'real'`. */
  readonly dynamodb: NonNullable<SdkMocks['dynamodb']>;
  readonly server: ScriptedHttpServer;
  readonly handler: Handler;
  /** The current test's captured output, with `canaries` set. */
  readonly output: string;
}

/**
 * Registers the hooks that start the scripted endpoint, stub the variables and import the
 * refresher handler once (its cold start), and before each test reset the mocks to answer
 * every store, state and queue call with success (and `GetSecretValue` with `secret`).
 * Call it first in the describe block, so the suite's own hooks run after its start.
 */
export function useRefresherHandler(options: RefresherHandlerOptions): RefresherHandlerFixture {
  const { dynamodb, secretsManager, sqs } = sdkMocks(options.dynamodb ?? 'mocked');
  let server: ScriptedHttpServer | undefined;
  let handler: Handler | undefined;
  let output: ReturnType<typeof captureOutput> | undefined;
  const started = <T>(value: T | undefined): T => {
    if (value === undefined)
      throw new Error('the refresher fixture is not started: use it in hooks and tests');
    return value;
  };

  beforeAll(async () => {
    server = await startScriptedHttpServer();
    vi.stubEnv('TABLE_NAME', 'tokens');
    const env = typeof options.env === 'function' ? await options.env() : (options.env ?? {});
    for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
    vi.stubEnv('CREDENTIALS', JSON.stringify(options.credentials(server.url)));
    ({ handler } = (await import('../../lambda/handlers/refresh.js')) as unknown as { handler: Handler });
  });

  afterAll(async () => {
    vi.unstubAllEnvs();
    await server?.stop();
  });

  beforeEach(() => {
    secretsManager.reset();
    sqs.reset();
    started(server).requests.length = 0;
    if (options.secret) secretsManager.on(GetSecretValueCommand).resolves(options.secret);
    if (dynamodb) {
      dynamodb.reset();
      dynamodb.on(PutItemCommand).resolves({});
      dynamodb.on(UpdateItemCommand).resolves({});
      dynamodb.on(GetItemCommand).resolves({});
    }
    sqs.on(SendMessageCommand).resolves({ MessageId: 'm-next' });
    if (options.canaries) output = captureOutput();
  });

  afterEach(() => {
    if (!output) return;
    const text = output.text();
    output.restore();
    output = undefined;
    for (const canary of options.canaries ?? []) expect(text).not.toContain(canary);
  });

  return {
    // Only a suite that asked for the real DynamoDB sees it undefined, and it never reads it.
    dynamodb: dynamodb as NonNullable<typeof dynamodb>,
    secretsManager,
    sqs,
    get server() {
      return started(server);
    },
    get handler() {
      return started(handler);
    },
    get output() {
      return started(output).text();
    },
  };
}
