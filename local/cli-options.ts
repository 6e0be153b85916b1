/**
 * Command-line options of `npm start` (bin/local-broker.ts), parsed strictly: an unknown
 * flag or a bad value is a one-line error, not something silently ignored.
 */
import { parseArgs } from 'node:util';
import { REFRESH_INTERVAL_MINUTES } from '../contract/index.js';
import { LocalBrokerError } from './errors.js';

/** What the local broker was asked to do. */
export interface LocalBrokerCliOptions {
  /** Reader port on 127.0.0.1; 0 picks a free one. */
  readonly port: number;
  /** Minutes between scheduled refreshes. */
  readonly intervalMinutes: number;
  /** A credentials file for real token endpoints, when given. */
  readonly credentialsFile?: string;
  /** DynamoDB Local port; 0 picks a free one. */
  readonly dynamoDbPort: number;
  /** Where tokens are kept (see {@link STORE_OPTIONS}). */
  readonly store: StoreOption;
  /** One JSON object per line instead of readable text. */
  readonly json: boolean;
  readonly help: boolean;
}

/**
 * Values of `--store`: `auto` is DynamoDB Local when java is found, else the in-process
 * store (local/local-stores.ts); `dynamodb-local` requires it (a missing java is an error).
 */
export const STORE_OPTIONS = ['auto', 'dynamodb-local', 'memory'] as const;

/** One of {@link STORE_OPTIONS}. */
export type StoreOption = (typeof STORE_OPTIONS)[number];

/** Defaults, shared with the help text. */
export const CLI_DEFAULTS = { port: 8787, intervalMinutes: 50, dynamoDbPort: 0, store: 'auto' } as const;

/**
 * Bounds of `--interval`. The upper one is the CDK configuration's: a token lives an hour,
 * and callers ask for 5 minutes of validity. Fractions are allowed below it so refreshes
 * can be watched without waiting (0.5 is every 30 s).
 */
export const INTERVAL_MINUTES = { min: 0.1, max: REFRESH_INTERVAL_MINUTES.max } as const;

/** The `--help` text. */
export const HELP_TEXT = `Usage: npm start -- [options]
       node --import tsx bin/local-broker.ts [options]

Runs the token broker on this machine: DynamoDB Local (or, without java, an in-process
store), a token server standing in for
Cognito (unless real credentials are given), the refresher on a timer, and the reader
over plain HTTP on 127.0.0.1 (GET /token?credential=NAME, GET /status; no SigV4).

Options:
  --port <n>              reader port on 127.0.0.1; 0 picks a free one (default ${CLI_DEFAULTS.port})
  --interval <minutes>    minutes between refreshes, ${INTERVAL_MINUTES.min} to ${INTERVAL_MINUTES.max} (default ${CLI_DEFAULTS.intervalMinutes});
                          every set is also refreshed at start
  --credentials <file>    real credential sets from a JSON file:
                          {"credentials": [{"name", "tokenUrl", "clientId", "clientSecret",
                                            "scope"?, "clientAuth"?}]}
  --dynamodb-port <n>     DynamoDB Local port; 0 picks a free one (default)
  --store <kind>          where tokens are kept: auto (default: DynamoDB Local when java is
                          found, else in-process memory), dynamodb-local (java required) or memory
  --json                  log one JSON object per line (for machines)
  -h, --help              show this help

Environment (one real credential set instead of the embedded token server):
  TOKEN_URL               OAuth 2.0 token endpoint, https (http only on 127.0.0.1/localhost)
                          (default: A55's Cognito endpoint)
  CLIENT_ID, CLIENT_SECRET  the client credentials (required when using a real endpoint)
  SCOPE                   scopes to request (optional)
  CLIENT_AUTH             client_secret_post (default) or client_secret_basic
  CREDENTIAL_NAME         name callers ask for (default 'default')

Secrets and tokens are never printed. Ctrl-C (SIGINT) or SIGTERM stops everything.`;

/**
 * Parses `argv` (without the node and script paths).
 * @throws LocalBrokerError for an unknown flag, a missing value or a value out of range.
 */
export function parseCliOptions(argv: readonly string[]): LocalBrokerCliOptions {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: 'string' },
        interval: { type: 'string' },
        credentials: { type: 'string' },
        'dynamodb-port': { type: 'string' },
        store: { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    // parseArgs explains well ("Unknown option '--prot'"); only its advice about '--' is off.
    const message = (error as Error).message.split('. To specify')[0] ?? 'invalid arguments';
    throw new LocalBrokerError(`${message}; see --help`);
  }
  const credentialsFile = values.credentials as string | undefined;
  if (credentialsFile !== undefined && credentialsFile.trim() === '') {
    throw new LocalBrokerError('--credentials needs a file path');
  }
  return {
    port: port(values.port as string | undefined, '--port', CLI_DEFAULTS.port),
    dynamoDbPort: port(
      values['dynamodb-port'] as string | undefined,
      '--dynamodb-port',
      CLI_DEFAULTS.dynamoDbPort,
    ),
    store: storeOption(values.store as string | undefined, values['dynamodb-port'] !== undefined),
    intervalMinutes: interval(values.interval as string | undefined),
    ...(credentialsFile === undefined ? {} : { credentialsFile }),
    json: values.json === true,
    help: values.help === true,
  };
}

function port(raw: string | undefined, flag: string, fallback: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(value) || value < 0 || value > 65_535) {
    throw new LocalBrokerError(
      `${flag} must be a port number from 0 to 65535 (0 picks a free one), got '${raw}'`,
    );
  }
  return value;
}

function storeOption(raw: string | undefined, dynamoDbPortGiven: boolean): StoreOption {
  if (raw === undefined) return CLI_DEFAULTS.store;
  const store = STORE_OPTIONS.find((option) => option === raw);
  if (store === undefined) {
    throw new LocalBrokerError(
      `--store must be one of ${STORE_OPTIONS.join(', ')}, got '${raw.slice(0, 40)}'`,
    );
  }
  if (store === 'memory' && dynamoDbPortGiven) {
    throw new LocalBrokerError(
      '--dynamodb-port is for DynamoDB Local, which --store memory does not start: drop one of them',
    );
  }
  return store;
}

function interval(raw: string | undefined): number {
  if (raw === undefined) return CLI_DEFAULTS.intervalMinutes;
  const value = Number(raw);
  if (
    raw.trim() === '' ||
    !Number.isFinite(value) ||
    value < INTERVAL_MINUTES.min ||
    value > INTERVAL_MINUTES.max
  ) {
    throw new LocalBrokerError(
      `--interval must be a number of minutes from ${INTERVAL_MINUTES.min} to ${INTERVAL_MINUTES.max}, got '${raw}'`,
    );
  }
  return value;
}
