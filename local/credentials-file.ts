/**
 * Real credential sets for the local broker, from the environment (one set) or a JSON
 * credentials file (several). Checked with the rules the CDK configuration applies
 * (names, https or loopback token URLs, auth methods) before anything starts, so a
 * mistake is a one-line error naming the field. Error messages show names and URLs,
 * never a client id or secret.
 *
 * File format:
 * ```json
 * { "credentials": [
 *   { "name": "sandbox", "tokenUrl": "https://...", "clientId": "...", "clientSecret": "...",
 *     "scope": "optional", "clientAuth": "client_secret_post" } ] }
 * ```
 */
import { readFile, stat } from 'node:fs/promises';
import { clientCredentialProblem } from '../lambda/adapters/static-credential-source.js';
import {
  A55_TOKEN_URL,
  CLIENT_AUTH_METHODS,
  type CredentialConfig,
  isClientAuthMethod,
  isCredentialName,
  scopeProblem,
  tokenUrlProblem,
} from '../lambda/core/credential-config.js';
import type { ClientCredentials } from '../lambda/core/ports.js';
import { LocalBrokerError } from './errors.js';

/** Credential sets with their client credentials, ready for the refresher. */
export interface LocalCredentialSets {
  /** In the order given; the first is the reader's default. */
  readonly configs: readonly CredentialConfig[];
  readonly secrets: ReadonlyMap<string, ClientCredentials>;
  /** Where they came from, for the banner: `the environment` or `file <path>`. */
  readonly origin: string;
}

/** The environment variables of a single real credential set. */
export const CREDENTIAL_ENV = {
  tokenUrl: 'TOKEN_URL',
  clientId: 'CLIENT_ID',
  clientSecret: 'CLIENT_SECRET',
  scope: 'SCOPE',
  clientAuth: 'CLIENT_AUTH',
  name: 'CREDENTIAL_NAME',
} as const;

/** Name of the one set given through the environment, when CREDENTIAL_NAME is unset. */
export const DEFAULT_CREDENTIAL_NAME = 'default';

const FILE_FIELDS = ['name', 'tokenUrl', 'clientId', 'clientSecret', 'scope', 'clientAuth'] as const;

/**
 * The set TOKEN_URL, CLIENT_ID and CLIENT_SECRET describe, or undefined when none of the
 * three is set (the embedded token server is used then). TOKEN_URL defaults to A55's
 * Cognito endpoint, as in the CDK configuration.
 * @throws LocalBrokerError when the variables are incomplete or invalid.
 */
export function credentialsFromEnvironment(env: NodeJS.ProcessEnv): LocalCredentialSets | undefined {
  const read = (name: string) => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  const { tokenUrl, clientId, clientSecret, scope, clientAuth, name } = CREDENTIAL_ENV;
  if ([tokenUrl, clientId, clientSecret].every((variable) => read(variable) === undefined)) return undefined;
  const missing = [clientId, clientSecret].filter((variable) => read(variable) === undefined);
  if (missing.length > 0) {
    throw new LocalBrokerError(
      `${missing.join(' and ')} not set: a real token endpoint needs ${clientId} and ${clientSecret} ` +
        `(unset ${tokenUrl}, ${clientId} and ${clientSecret} to use the embedded token server)`,
    );
  }
  const entry = {
    name: read(name) ?? DEFAULT_CREDENTIAL_NAME,
    tokenUrl: read(tokenUrl),
    clientId: env[clientId],
    clientSecret: env[clientSecret],
    scope: read(scope),
    clientAuth: read(clientAuth),
  };
  const fields = { name, tokenUrl, clientId, clientSecret, scope, clientAuth };
  const set = toSet(entry, (field) => fields[field as keyof typeof fields] ?? field, '(environment)');
  return {
    configs: [set.config],
    secrets: new Map([[set.config.name, set.credentials]]),
    origin: 'the environment',
  };
}

/**
 * Reads and checks a credentials file.
 * @throws LocalBrokerError when it is missing, unreadable, not JSON or invalid.
 */
export async function loadCredentialsFile(path: string): Promise<LocalCredentialSets> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'read error';
    throw new LocalBrokerError(`credentials file ${path} cannot be read (${code})`, { cause: error });
  }
  return parseCredentialsFile(text, path);
}

/**
 * True when the file may be read by other users (group or world bits), which a file
 * holding client secrets should not be.
 */
export async function isReadableByOthers(path: string): Promise<boolean> {
  if (process.platform === 'win32') return false;
  return ((await stat(path)).mode & 0o077) !== 0;
}

/**
 * Checks the text of a credentials file; `path` only labels messages.
 * @throws LocalBrokerError naming the file and the field.
 */
export function parseCredentialsFile(text: string, path: string): LocalCredentialSets {
  const fail = (problem: string) => new LocalBrokerError(`credentials file ${path}: ${problem}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    // JSON.parse's message may quote the text around the error, which may be a secret:
    // only the position is passed on.
    const position = /position (\d+)/.exec(String((error as Error).message))?.[1];
    throw fail(
      `is not valid JSON${position === undefined ? '' : ` (${lineAndColumn(text, Number(position))})`}`,
    );
  }
  const list = isObject(parsed) ? parsed.credentials : undefined;
  if (!Array.isArray(list) || list.length === 0) {
    throw fail(
      'must be a JSON object {"credentials": [{"name", "tokenUrl", "clientId", "clientSecret"}, ...]}',
    );
  }
  const configs: CredentialConfig[] = [];
  const secrets = new Map<string, ClientCredentials>();
  for (const [index, entry] of list.entries()) {
    const where = `credentials[${index}]`;
    if (!isObject(entry)) throw fail(`${where} must be an object`);
    const unknown = Object.keys(entry).find((key) => !(FILE_FIELDS as readonly string[]).includes(key));
    if (unknown !== undefined) {
      throw fail(
        `${where} has an unknown field '${unknown.slice(0, 40)}': allowed are ${FILE_FIELDS.join(', ')}`,
      );
    }
    let set: ReturnType<typeof toSet>;
    try {
      set = toSet(entry, (field) => `${where}.${field}`, `(file ${path})`);
    } catch (error) {
      throw error instanceof LocalBrokerError ? fail(error.message) : error;
    }
    if (secrets.has(set.config.name)) throw fail(`${where}.name: '${set.config.name}' is given twice`);
    configs.push(set.config);
    secrets.set(set.config.name, set.credentials);
  }
  return { configs, secrets, origin: `file ${path}` };
}

/** One set from raw fields; `label(field)` names a field in messages. */
function toSet(
  entry: Record<string, unknown>,
  label: (field: string) => string,
  secretId: string,
): { config: CredentialConfig; credentials: ClientCredentials } {
  const fail = (field: string, problem: string) =>
    new LocalBrokerError(`${label(field)}: ${show(entry[field])} ${problem}`);
  const { name, scope } = entry;
  const tokenUrl = entry.tokenUrl ?? A55_TOKEN_URL;
  const clientAuth = entry.clientAuth ?? 'client_secret_post';
  if (!isCredentialName(name)) throw fail('name', 'must match [a-z0-9-]{1,64}');
  const urlProblem = typeof tokenUrl === 'string' ? tokenUrlProblem(tokenUrl) : 'must be a string';
  if (urlProblem !== undefined) throw fail('tokenUrl', urlProblem);
  if (!isClientAuthMethod(clientAuth))
    throw fail('clientAuth', `must be one of ${CLIENT_AUTH_METHODS.join(', ')}`);
  const badScope = scope === undefined ? undefined : scopeProblem(scope);
  if (badScope !== undefined) throw fail('scope', badScope);
  const config: CredentialConfig = {
    name,
    tokenUrl: tokenUrl as string,
    clientAuth,
    secretId,
    ...(scope === undefined ? {} : { scope: scope as string }),
  };
  for (const field of ['clientId', 'clientSecret'] as const) {
    const problem = clientCredentialProblem(entry[field]);
    // Named, never shown: the value may be a secret.
    if (problem) throw new LocalBrokerError(`${label(field)} ${problem}`);
  }
  const credentials = {
    clientId: (entry.clientId as string).trim(),
    clientSecret: (entry.clientSecret as string).trim(),
  };
  return { config, credentials };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A non-secret value for a message: strings quoted and cut short. */
function show(value: unknown): string {
  if (value === undefined) return 'missing,';
  if (typeof value === 'string') return `'${value.slice(0, 100)}'`;
  return JSON.stringify(value)?.slice(0, 100) ?? String(value);
}

function lineAndColumn(text: string, offset: number): string {
  const before = text.slice(0, offset).split('\n');
  return `line ${before.length}, column ${(before.at(-1)?.length ?? 0) + 1}`;
}
