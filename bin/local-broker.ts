/**
 * `npm start`: the token broker on this machine (see local/broker.ts and `--help`).
 * Reads the flags and credentials, starts everything, prints the banner, refreshes, and on
 * SIGINT, SIGTERM or SIGHUP (or when npm, its parent, goes away) stops everything it
 * started and exits 0. Startup problems a person can fix (a flag, the credentials file, a
 * taken port, no Java with --store dynamodb-local; without that flag a missing Java means
 * the in-process store) are one line on stderr (a JSON line on stdout with --json) and
 * exit code 1.
 */
import { performance } from 'node:perf_hooks';
import { CREDENTIAL_NAME_RULE, DEFAULT_CREDENTIAL_NAME, isCredentialName } from '../contract/index.js';
import { type LocalBroker, startLocalBroker } from '../local/broker.js';
import { HELP_TEXT, type LocalBrokerCliOptions, parseCliOptions } from '../local/cli-options.js';
import {
  CREDENTIAL_ENV,
  credentialsFromEnvironment,
  isReadableByOthers,
  type LocalCredentialSets,
  loadCredentialsFile,
} from '../local/credentials-file.js';
import { LocalBrokerError } from '../local/errors.js';
import { createJsonReporter, createTextReporter, type Reporter } from '../local/reporter.js';

/** SIGHUP too: closing the terminal must not leave java running. */
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** How often to check that whoever started us (npm) and DynamoDB Local are still there. */
const WATCH_INTERVAL_MS = 1_000;

async function main(argv: readonly string[]): Promise<void> {
  // The SDK's notice that releases after January 2027 need Node 22 says nothing about this
  // broker; on Node 20 it would sit in the middle of the banner.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  // Before anything is parsed, so even an early error honours --json.
  let reporter = pickReporter(argv.includes('--json'));
  let broker: LocalBroker | undefined;
  let stopSignal: string | undefined;

  const shutdown = async (reason: string, exitCode = 0) => {
    reporter.stopping(reason);
    try {
      await broker?.stop();
    } catch (error) {
      reporter.fatal(`while stopping: ${(error as Error).message}`);
      process.exit(1);
    }
    reporter.stopped();
    process.exit(exitCode);
  };
  const requestStop = (reason: string, exitCode = 0) => {
    // A second signal while stopping: stop waiting. The exit hooks still kill java.
    if (stopSignal !== undefined) process.exit(1);
    stopSignal = reason;
    // During startup the broker is stopped as soon as it exists (see below).
    if (broker) void shutdown(reason, exitCode);
  };
  for (const signal of SIGNALS) process.on(signal, () => requestStop(signal));
  const parent = process.ppid;
  setInterval(() => {
    if (stopSignal !== undefined) return;
    // `npm start` runs us under `sh -c`; a SIGTERM sent to npm kills npm and that shell
    // but is not passed on to us. Being re-parented is the sign to stop.
    if (process.ppid !== parent) requestStop('parent process exited');
    // Without DynamoDB Local every read would fail: better to stop and say why.
    const java = broker?.info.dynamoDb?.pid;
    if (java !== undefined && !isAlive(java)) {
      reporter.fatal(`DynamoDB Local (java pid ${java}) exited unexpectedly`);
      requestStop('DynamoDB Local exited', 1);
    }
  }, WATCH_INTERVAL_MS).unref();

  try {
    const options = parseCliOptions(argv);
    if (options.help) {
      process.stdout.write(`${HELP_TEXT}\n`);
      return;
    }
    reporter = pickReporter(options.json);
    const credentials = await readCredentials(options, reporter);
    broker = await startLocalBroker({
      port: options.port,
      dynamoDbPort: options.dynamoDbPort,
      store: options.store,
      intervalMinutes: options.intervalMinutes,
      reporter,
      ...(credentials ? { credentials } : { embeddedCredentialName: embeddedName() }),
    });
  } catch (error) {
    reporter.fatal(error instanceof Error ? error.message : String(error));
    process.exit(1);
  }
  if (stopSignal !== undefined) return shutdown(stopSignal);
  // performance.now() counts from process start: imports and TypeScript loading included.
  reporter.ready({ ...broker.info, startupMs: Math.round(performance.now()) });
  void broker.startRefreshing();
}

/** True while `pid` runs (java is our child: reaped at once, so never seen as a zombie). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function pickReporter(json: boolean): Reporter {
  const streams = {
    out: (line: string) => process.stdout.write(`${line}\n`),
    err: (line: string) => process.stderr.write(`${line}\n`),
  };
  return json ? createJsonReporter(streams) : createTextReporter(streams);
}

/** Real credential sets from --credentials or the environment; undefined for the embedded server. */
async function readCredentials(
  options: LocalBrokerCliOptions,
  reporter: Reporter,
): Promise<LocalCredentialSets | undefined> {
  if (options.credentialsFile === undefined) return credentialsFromEnvironment(process.env);
  const { tokenUrl, clientId, clientSecret } = CREDENTIAL_ENV;
  const alsoInEnv = [tokenUrl, clientId, clientSecret].filter((name) => process.env[name]?.trim());
  if (alsoInEnv.length > 0) {
    throw new LocalBrokerError(
      `--credentials and ${alsoInEnv.join(', ')} are both given: use one (unset the variables or drop the flag)`,
    );
  }
  const sets = await loadCredentialsFile(options.credentialsFile);
  if (await isReadableByOthers(options.credentialsFile)) {
    reporter.warn(
      `credentials file ${options.credentialsFile} can be read by other users; chmod 600 it (it holds client secrets)`,
    );
  }
  return sets;
}

/** CREDENTIAL_NAME names the embedded server's one set too, so a consumer's usual name works locally. */
function embeddedName(): string {
  const name = process.env[CREDENTIAL_ENV.name]?.trim() || DEFAULT_CREDENTIAL_NAME;
  const shown = name.slice(0, 80);
  if (!isCredentialName(name)) {
    throw new LocalBrokerError(`${CREDENTIAL_ENV.name}: '${shown}' ${CREDENTIAL_NAME_RULE}`);
  }
  return name;
}

process.stdout.on('error', () => undefined);
await main(process.argv.slice(2));
