/**
 * Child process of ./read-path.ts, one per round: times the synthesized reader bundle
 * in-process against DynamoDB Local and the reader's core against an in-memory store, each
 * next to the same store read alone. The operations are drawn in a seeded random order, one
 * by one, so a busy moment or a warming JIT falls on every path alike:
 *
 * - `hit`: the reader bundle answering from its in-memory cache;
 * - `miss`: the reader bundle with READ_CACHE_SECONDS=0 (one GetItem each time);
 * - `getItem`: a bare SDK GetItem of the same item, same client settings;
 * - `coreMemory`: the `Reader` core, no cache, over the in-process token store;
 * - `memoryGet`: that store's `get` alone.
 *
 * The reader writes one EMF metrics line per invocation, as in Lambda; stdout is replaced by a
 * byte counter (the write is still made), so the report knows the log bytes per invocation.
 */
import { pathToFileURL } from 'node:url';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { TokenBrokerClient } from '../client/token-broker-client.js';
import { parseBrokerToken } from '../client/transports/transport.js';
import { AWS_CLIENT_CONFIG } from '../lambda/adapters/aws-client-config.js';
import { MemoryStateStore } from '../lambda/adapters/memory-state-store.js';
import { MemoryTokenStore } from '../lambda/adapters/memory-token-store.js';
import { systemClock } from '../lambda/core/ports.js';
import { Reader } from '../lambda/core/reader.js';
import {
  READ_OPERATIONS,
  type ReadOperation,
  type ReadPathInput,
  type ReadPathRound,
} from './read-path-operations.js';
import { seededRandom } from './stats.js';

type Handler = (event: unknown, context: Context) => Promise<unknown>;

const input = JSON.parse(process.env.BENCH_READ_INPUT ?? '') as ReadPathInput;
Object.assign(process.env, input.env);

let stdoutBytes = 0;
process.stdout.write = ((chunk: string | Uint8Array) => {
  stdoutBytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength;
  return true;
}) as typeof process.stdout.write;

const context: Context = {
  callbackWaitsForEmptyEventLoop: true,
  functionName: 'bench-reader',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:111122223333:function:bench-reader',
  memoryLimitInMB: '256',
  awsRequestId: 'bench',
  logGroupName: '/aws/lambda/bench-reader',
  logStreamName: 'bench',
  getRemainingTimeInMillis: () => 10_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
};

/** A new module instance (a cold start) of the bundle, initialised with the current env. */
async function coldStart(tag: string): Promise<Handler> {
  const url = `${pathToFileURL(input.bundleFile).href}?bench=${tag}`;
  const module = (await import(url)) as { handler: Handler };
  return module.handler;
}

const hitHandler = await coldStart('hit');
// READ_CACHE_SECONDS=0: the reader's in-memory cache never answers, every read is a GetItem.
process.env.READ_CACHE_SECONDS = '0';
const missHandler = await coldStart('miss');
const client = new DynamoDBClient(AWS_CLIENT_CONFIG);
const memoryStore = new MemoryTokenStore();
await memoryStore.put({
  credential: input.credential,
  accessToken: 'bench-token-not-a-secret',
  tokenType: 'Bearer',
  expiresAt: Math.floor(Date.now() / 1000) + 3600,
  fetchedAt: Date.now() / 1000,
});
const coreReader = new Reader({
  store: memoryStore,
  state: new MemoryStateStore(),
  clock: systemClock,
  credentialNames: [input.credential],
  cacheSeconds: 0,
});

const event = { credential: input.credential };
let readerInvocations = 0;
const operations: Record<ReadOperation, () => Promise<unknown>> = {
  hit: () => {
    readerInvocations++;
    return hitHandler(event, context);
  },
  miss: () => {
    readerInvocations++;
    return missHandler(event, context);
  },
  getItem: () =>
    client.send(new GetItemCommand({ TableName: input.table, Key: { credential: { S: input.credential } } })),
  coreMemory: () => coreReader.serve(event),
  memoryGet: () => memoryStore.get(input.credential),
};

// A sanity check, not a timing assertion: a benchmark of error paths would be worthless.
for (const name of ['hit', 'miss'] as const) {
  const answer = parseBrokerToken(await operations[name](), 'bench reader');
  if (answer.expiresIn <= 300) throw new Error('the stored bench token is too close to expiry');
}
parseBrokerToken(await operations.coreMemory(), 'bench core reader');

// The schedule: every operation its number of times, shuffled (Fisher–Yates, seeded).
const schedule: ReadOperation[] = READ_OPERATIONS.flatMap((name) =>
  Array.from({ length: input.samplesPerOperation[name] }, () => name),
);
const random = seededRandom(input.seed);
for (let index = schedule.length - 1; index > 0; index--) {
  const other = Math.floor(random() * (index + 1));
  [schedule[index], schedule[other]] = [schedule[other] as ReadOperation, schedule[index] as ReadOperation];
}

// Warm-up in the same mixed order: JIT, connection pools, DynamoDB Local's own JIT.
for (const name of schedule.slice(0, Math.min(schedule.length, 2_000))) await operations[name]();

const samplesNs = Object.fromEntries(READ_OPERATIONS.map((name) => [name, [] as number[]])) as Record<
  ReadOperation,
  number[]
>;
const invocationsBefore = readerInvocations;
const bytesBefore = stdoutBytes;
for (const name of schedule) {
  const started = process.hrtime.bigint();
  await operations[name]();
  samplesNs[name].push(Number(process.hrtime.bigint() - started));
}
const logBytesPerInvocation =
  (stdoutBytes - bytesBefore) / Math.max(1, readerInvocations - invocationsBefore);

// The consumer library, warm: its in-memory token answers; the reader is asked only once.
const brokerClient = new TokenBrokerClient({
  credential: input.credential,
  transport: {
    description: 'in-process reader bundle',
    fetchToken: async (request) => parseBrokerToken(await hitHandler({ ...request }, context), 'bench'),
  },
});
for (let index = 0; index < 10_000; index++) await brokerClient.getToken();
const started = process.hrtime.bigint();
for (let index = 0; index < input.getTokenOps; index++) await brokerClient.getToken();
const getTokenNsPerOp = Number(process.hrtime.bigint() - started) / input.getTokenOps;

const result: ReadPathRound = { samplesNs, getTokenNsPerOp, logBytesPerInvocation };
client.destroy();
// The bundles' SDK clients keep sockets open; leave once the parent has the result.
process.send?.(result, () => process.exit(0));
