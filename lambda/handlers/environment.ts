/**
 * The handlers' configuration, read once at cold start from the environment the stack
 * sets. A missing or malformed variable fails the cold start with a message that names
 * it: a deployment error, not something to limp along with.
 */
import {
  type CredentialConfig,
  isClientAuthMethod,
  isCredentialName,
  tokenUrlProblem,
} from '../core/credential-config.js';

/** Reads a required variable. */
export function requireEnv(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (value === undefined || value.trim() === '') {
    throw new Error(`environment variable ${name} is not set; redeploy the stack, which sets it`);
  }
  return value;
}

/** Reads a whole number in `[min, max]`, or `fallback` when unset. */
export function integerEnv(
  env: NodeJS.ProcessEnv,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`environment variable ${name} is '${raw}', expected an integer from ${min} to ${max}`);
  }
  return value;
}

/** The refresher's configuration. */
export interface RefresherEnvironment {
  readonly tableName: string;
  /** In configuration order. */
  readonly credentials: readonly CredentialConfig[];
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

/** Reads `TABLE_NAME` and `CREDENTIALS` (a JSON array of {@link CredentialConfig}). */
export function loadRefresherEnvironment(env: NodeJS.ProcessEnv): RefresherEnvironment {
  const raw = requireEnv(env, 'CREDENTIALS');
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new Error('environment variable CREDENTIALS is not JSON; redeploy the stack');
  }
  if (!Array.isArray(parsed) || parsed.length === 0) {
    throw new Error('environment variable CREDENTIALS must be a non-empty JSON array; redeploy the stack');
  }
  return { tableName: requireEnv(env, 'TABLE_NAME'), credentials: parsed.map(toCredentialConfig) };
}

/** Reads `TABLE_NAME`, `CREDENTIAL_NAMES` (comma-separated), `READ_CACHE_SECONDS` and `REFRESHER_FUNCTION_NAME`. */
export function loadReaderEnvironment(env: NodeJS.ProcessEnv): ReaderEnvironment {
  const credentialNames = requireEnv(env, 'CREDENTIAL_NAMES')
    .split(',')
    .map((name) => name.trim());
  const bad = credentialNames.find((name) => !isCredentialName(name));
  if (bad !== undefined)
    throw new Error(`environment variable CREDENTIAL_NAMES has an invalid name '${bad}'`);
  const refresherFunctionName = env.REFRESHER_FUNCTION_NAME?.trim();
  return {
    tableName: requireEnv(env, 'TABLE_NAME'),
    credentialNames,
    cacheSeconds: integerEnv(env, 'READ_CACHE_SECONDS', 30, 0, 300),
    ...(refresherFunctionName ? { refresherFunctionName } : {}),
  };
}

function toCredentialConfig(entry: unknown, index: number): CredentialConfig {
  const where = `CREDENTIALS[${index}]`;
  if (typeof entry !== 'object' || entry === null) throw new Error(`${where} is not an object`);
  const { name, tokenUrl, scope, clientAuth, secretId } = entry as Record<string, unknown>;
  if (!isCredentialName(name)) throw new Error(`${where}.name is not a valid credential name`);
  if (typeof tokenUrl !== 'string' || tokenUrlProblem(tokenUrl)) {
    throw new Error(
      `${where}.tokenUrl ${typeof tokenUrl === 'string' ? tokenUrlProblem(tokenUrl) : 'is missing'}`,
    );
  }
  if (!isClientAuthMethod(clientAuth)) throw new Error(`${where}.clientAuth is not a supported method`);
  if (typeof secretId !== 'string' || secretId === '') throw new Error(`${where}.secretId is missing`);
  if (scope !== undefined && typeof scope !== 'string') throw new Error(`${where}.scope is not a string`);
  return { name, tokenUrl, clientAuth, secretId, ...(scope === undefined ? {} : { scope }) };
}
