/**
 * Child process of ./read-path.ts: times the synthesized reader bundle in-process against
 * DynamoDB Local (cache hit, cache miss), a bare GetItem as the floor, and the consumer
 * library's warm getToken(). Its stdout goes to /dev/null: the reader writes one EMF metrics
 * line per invocation, as in Lambda, and that write is part of what is measured.
 */
import { pathToFileURL } from 'node:url';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { TokenBrokerClient } from '../client/token-broker-client.js';
import { parseBrokerToken } from '../client/transports/transport.js';
import { AWS_CLIENT_CONFIG } from '../lambda/adapters/aws-client-config.js';
import { type LatencySummary, summarize } from './stats.js';

/** What the parent passes in `BENCH_READ_INPUT`. */
export interface ReadPathInput {
  readonly bundleFile: string;
  /** The reader's template environment plus the DynamoDB Local endpoint. */
  readonly env: Record<string, string>;
  readonly table: string;
  readonly credential: string;
  /** Interleaved rounds; each times `hitsPerRound` hits, then misses and GetItems. */
  readonly rounds: number;
  readonly hitsPerRound: number;
  readonly missesPerRound: number;
  readonly getTokenOps: number;
}

/** What the worker sends back over IPC. */
export interface ReadPathResult {
  readonly hit: LatencySummary;
  readonly miss: LatencySummary;
  readonly getItemFloor: LatencySummary;
  readonly getTokenNsPerOp: number;
  readonly getTokenOps: number;
}

type Handler = (event: unknown, context: Context) => Promise<unknown>;

const input = JSON.parse(process.env.BENCH_READ_INPUT ?? '') as ReadPathInput;
Object.assign(process.env, input.env);

const context: Context = {
  callbackWaitsForEmptyEventLoop: true,
  functionName: 'bench-reader',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:111122223333:function:bench-reader',
  memoryLimitInMB: '256',
  awsRequestId: 'bench',
  logGroupName: '/aws/lambda/bench-reader',
  logStreamName: 'bench',
  getRemainingTimeInMillis: () => 30_000,
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

async function timed(operation: () => Promise<unknown>, times: number, into?: number[]): Promise<void> {
  for (let index = 0; index < times; index++) {
    const started = process.hrtime.bigint();
    await operation();
    into?.push(Number(process.hrtime.bigint() - started));
  }
}

const hitHandler = await coldStart('hit');
// READ_CACHE_SECONDS=0: the reader's in-memory cache never answers, every read is a GetItem.
process.env.READ_CACHE_SECONDS = '0';
const missHandler = await coldStart('miss');
const floorClient = new DynamoDBClient(AWS_CLIENT_CONFIG);

const event = { credential: input.credential };
const hit = () => hitHandler(event, context);
const miss = () => missHandler(event, context);
const getItem = () =>
  floorClient.send(
    new GetItemCommand({ TableName: input.table, Key: { credential: { S: input.credential } } }),
  );

// A sanity check, not a timing assertion: a benchmark of error paths would be worthless.
const answer = parseBrokerToken(await hit(), 'bench reader');
parseBrokerToken(await miss(), 'bench reader');
if (answer.expiresIn <= 300) throw new Error('the stored bench token is too close to expiry');

// Warm-up: JIT, connection pools, DynamoDB Local's own JIT.
await timed(hit, 2_000);
await timed(miss, 300);
await timed(getItem, 300);

const samples = { hit: [] as number[], miss: [] as number[], floor: [] as number[] };
for (let round = 0; round < input.rounds; round++) {
  await timed(getItem, input.missesPerRound, samples.floor);
  await timed(miss, input.missesPerRound, samples.miss);
  await timed(hit, input.hitsPerRound, samples.hit);
}

// The consumer library, warm: its in-memory token answers; the reader is asked only once.
const client = new TokenBrokerClient({
  credential: input.credential,
  transport: {
    description: 'in-process reader bundle',
    fetchToken: async (request) => parseBrokerToken(await hitHandler({ ...request }, context), 'bench'),
  },
});
for (let index = 0; index < 10_000; index++) await client.getToken();
const started = process.hrtime.bigint();
for (let index = 0; index < input.getTokenOps; index++) await client.getToken();
const getTokenNsPerOp = Number(process.hrtime.bigint() - started) / input.getTokenOps;

const result: ReadPathResult = {
  hit: summarize(samples.hit),
  miss: summarize(samples.miss),
  getItemFloor: summarize(samples.floor),
  getTokenNsPerOp,
  getTokenOps: input.getTokenOps,
};
floorClient.destroy();
// The bundles' SDK clients keep sockets open; leave once the parent has the result.
process.send?.(result, () => process.exit(0));
