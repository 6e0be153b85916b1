/**
 * Environment variables: the ones the construct sets on the broker's two functions (and
 * their one reader, {@link parseRefresherEnvironment} / {@link parseReaderEnvironment}),
 * and the ones it sets on a consumer for the client ({@link TOKEN_BROKER_ENV}).
 */
import {
  type CredentialSet,
  isCredentialName,
  parseCredentialSet,
  TokenBrokerConfigError,
} from './credential-set.js';
import { READER_CACHE_SECONDS, REFRESH_INTERVAL_MINUTES } from './limits.js';
import { parseRefresherConfig, REFRESHER_CONFIG_FILE } from './refresher-config.js';

/** Variables a consumer's client reads; the construct's consumer wiring sets them. */
export const TOKEN_BROKER_ENV = {
  /** The reader's function name or ARN: the Lambda Invoke transport. */
  functionName: 'TOKEN_BROKER_FUNCTION',
  /** The reader's Function URL (SigV4) or the local broker's URL (plain HTTP). */
  url: 'TOKEN_BROKER_URL',
  /** The credential set to ask for; unset, the broker's default (first) set. */
  credential: 'TOKEN_BROKER_CREDENTIAL',
} as const;

/** Variables the construct sets on the refresher and the reader. */
export const BROKER_FUNCTION_ENV = {
  /** The token table (both functions). */
  tableName: 'TABLE_NAME',
  /**
   * The refresher's credential sets as a JSON array of {@link RefresherCredentialSet}, for a
   * refresher run without its configuration file (tests, a handler run from the sources).
   * The construct never sets it: it writes the sets into the asset's `refresher-config.json`
   * (contract/refresher-config.ts), which Lambda's 4 KB environment limit does not bound.
   */
  credentials: 'CREDENTIALS',
  /**
   * The Parameter Store path (refresher) under which the construct keeps, one parameter
   * per set (`<path>/<name>`), the fields known only at deploy time (a created secret's
   * ARN); read once at cold start. Unset when `refresher-config.json` holds every field.
   */
  secretIdParameterPath: 'SECRET_ID_PARAMETER_PATH',
  /** The reader's credential set names, comma-separated, the default first. */
  credentialNames: 'CREDENTIAL_NAMES',
  /** Seconds the reader keeps an item in memory. */
  readerCacheSeconds: 'READ_CACHE_SECONDS',
  /** The refresher the reader asks for a token (self-healing); unset turns it off. */
  refresherFunctionName: 'REFRESHER_FUNCTION_NAME',
  /**
   * The schedule's interval in seconds (refresher): a stored token must outlive the next
   * scheduled run by the default validity, else TokenLifetimeTooShort is counted. Unset
   * turns the check off.
   */
  refreshIntervalSeconds: 'REFRESH_INTERVAL_SECONDS',
  /**
   * The refresher's retry queue (SQS URL): where it sends the next retry of a set's retry
   * chain (docs/design.md, Retry until recovered). Unset turns the chain off.
   */
  retryQueueUrl: 'RETRY_QUEUE_URL',
  /**
   * The broker's name (both functions): the `broker` dimension of every metric they emit
   * (contract/telemetry.ts), so two brokers in one account never share a metric. Unset
   * (the local broker, tests), metrics carry no `broker` dimension.
   */
  brokerName: 'BROKER_NAME',
} as const;

/** A credential set as the refresher receives it: where its secret lives, too. */
export interface RefresherCredentialSet extends CredentialSet {
  /** Secrets Manager ARN or name of the client credentials (a label locally). */
  readonly secretId: string;
  /**
   * Set when the set's parameter cannot be used (contract/refresher-config.ts): every run of
   * the set fails with it, naming the set and the parameter, and the other sets are used.
   */
  readonly unusable?: TokenBrokerConfigError;
}

/** The refresher's configuration. */
export interface RefresherEnvironment {
  readonly tableName: string;
  /** In configuration order. */
  readonly credentials: readonly RefresherCredentialSet[];
  /** The schedule's interval, when the construct set it. */
  readonly refreshIntervalSeconds?: number;
  /** The retry queue's URL, when the construct set it; no retry chain without it. */
  readonly retryQueueUrl?: string;
}

/** The reader's configuration. */
export interface ReaderEnvironment {
  readonly tableName: string;
  /** In configuration order; the first is the default. */
  readonly credentialNames: readonly string[];
  readonly cacheSeconds: number;
  /** The refresher to ask for a refresh when no token can be served; self-healing is off without it. */
  readonly refresherFunctionName?: string;
}

type Environment = Readonly<Record<string, string | undefined>>;

/** What the refresher found beside its code at cold start (lambda/adapters/refresher-config-source.ts). */
export interface RefresherConfigSource {
  /** The text of `refresher-config.json`, when the function has one (a deployed refresher). */
  readonly file?: string;
  /** The values of the sets' parameters under `SECRET_ID_PARAMETER_PATH`, by set name. */
  readonly parameters?: ReadonlyMap<string, string>;
}

/**
 * Reads the refresher's variables, and its sets from `config.file` when it has one (what
 * the construct deploys), else from `CREDENTIALS`. The sets are parsed with the same
 * parser the CDK configuration went through: nothing is re-decided, a bad value only means
 * a broken deployment, so the cold start fails naming the file or variable.
 * @throws TokenBrokerConfigError naming the variable or file (and the field).
 */
export function parseRefresherEnvironment(
  env: Environment,
  config: RefresherConfigSource = {},
): RefresherEnvironment {
  const name = BROKER_FUNCTION_ENV.credentials;
  if (config.file !== undefined && env[name] !== undefined && env[name] !== '') {
    throw new TokenBrokerConfigError(
      `the refresher has both ${REFRESHER_CONFIG_FILE} and environment variable ${name}; ` +
        `unset ${name}, which the construct never sets`,
    );
  }
  const parameterPath = env[BROKER_FUNCTION_ENV.secretIdParameterPath]?.trim() || undefined;
  const credentials =
    config.file === undefined
      ? credentialsFromEnvironment(env)
      : parseRefresherConfig(config.file, config.parameters, parameterPath);
  const interval = BROKER_FUNCTION_ENV.refreshIntervalSeconds;
  const refreshIntervalSeconds =
    env[interval] === undefined || env[interval] === ''
      ? undefined
      : integerEnv(env, interval, {
          min: REFRESH_INTERVAL_MINUTES.min * 60,
          max: REFRESH_INTERVAL_MINUTES.max * 60,
          default: 0,
        });
  return {
    tableName: requireEnv(env, BROKER_FUNCTION_ENV.tableName),
    credentials,
    ...(refreshIntervalSeconds === undefined ? {} : { refreshIntervalSeconds }),
    ...(env[BROKER_FUNCTION_ENV.retryQueueUrl]?.trim()
      ? { retryQueueUrl: env[BROKER_FUNCTION_ENV.retryQueueUrl]?.trim() as string }
      : {}),
  };
}

/**
 * Reads the reader's variables.
 * @throws TokenBrokerConfigError naming the variable.
 */
export function parseReaderEnvironment(env: Environment): ReaderEnvironment {
  const names = BROKER_FUNCTION_ENV;
  const credentialNames = requireEnv(env, names.credentialNames)
    .split(',')
    .map((name) => name.trim());
  const bad = credentialNames.find((name) => !isCredentialName(name));
  if (bad !== undefined) {
    throw new TokenBrokerConfigError(
      `environment variable ${names.credentialNames} has an invalid name '${bad}'`,
    );
  }
  const refresherFunctionName = env[names.refresherFunctionName]?.trim();
  return {
    tableName: requireEnv(env, names.tableName),
    credentialNames,
    cacheSeconds: integerEnv(env, names.readerCacheSeconds, READER_CACHE_SECONDS),
    ...(refresherFunctionName ? { refresherFunctionName } : {}),
  };
}

const REDEPLOY = 'redeploy the stack, which sets it';

/** The sets of the `CREDENTIALS` variable (a refresher run without its configuration file). */
function credentialsFromEnvironment(env: Environment): RefresherCredentialSet[] {
  const name = BROKER_FUNCTION_ENV.credentials;
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') {
    throw new TokenBrokerConfigError(
      `the refresher has neither ${REFRESHER_CONFIG_FILE} beside its code nor environment variable ` +
        `${name}; redeploy the stack, whose refresher asset holds the file`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new TokenBrokerConfigError(`environment variable ${name} is not JSON`);
  }
  if (!Array.isArray(parsed) || parsed.length === 0) {
    throw new TokenBrokerConfigError(`environment variable ${name} must be a non-empty JSON array`);
  }
  return parsed.map((entry: unknown, index) => {
    const path = `${name}[${index}]`;
    const { extra, ...set } = parseCredentialSet(entry, path, { extraKeys: ['secretId'] });
    if (typeof extra.secretId !== 'string' || extra.secretId === '') {
      throw new TokenBrokerConfigError(`${path}.secretId is missing`);
    }
    return { ...set, secretId: extra.secretId };
  });
}

function requireEnv(env: Environment, name: string): string {
  const value = env[name];
  if (value === undefined || value.trim() === '') {
    throw new TokenBrokerConfigError(`environment variable ${name} is not set; ${REDEPLOY}`);
  }
  return value;
}

function integerEnv(
  env: Environment,
  name: string,
  bounds: { readonly min: number; readonly max: number; readonly default: number },
): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return bounds.default;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < bounds.min || value > bounds.max) {
    throw new TokenBrokerConfigError(
      `environment variable ${name} is '${raw}', expected an integer from ${bounds.min} to ${bounds.max}`,
    );
  }
  return value;
}
