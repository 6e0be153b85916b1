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
import {
  assertUniqueNames,
  DEFAULT_CREDENTIAL_NAME,
  parseCredentialSet,
  type RefresherCredentialSet,
  TokenBrokerConfigError,
} from '../contract/index.js';
import { fixedValueProblem } from '../lambda/adapters/fixed-credential-source.js';
import type { ClientCredentials } from '../lambda/core/ports.js';
import { LocalBrokerError } from './errors.js';

/** Credential sets with their client credentials, ready for the refresher. */
export interface LocalCredentialSets {
  /** In the order given; the first is the reader's default. */
  readonly sets: readonly RefresherCredentialSet[];
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

/** The fields a credentials file entry holds besides the contract's. */
const SECRET_FIELDS = ['clientId', 'clientSecret'] as const;

/** Path of the one set given through the environment, in the contract's messages. */
const ENV_PATH = 'environment';

/**
 * The set TOKEN_URL, CLIENT_ID and CLIENT_SECRET describe, or undefined when none of the
 * three is set (the embedded token server is used then). TOKEN_URL defaults to A55's
 * Cognito endpoint, as in the CDK configuration.
 * @throws LocalBrokerError when the variables are incomplete or invalid, naming the variable.
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
  let parsed: ReturnType<typeof toSet>;
  try {
    parsed = toSet(entry, ENV_PATH, '(environment)');
  } catch (error) {
    if (!(error instanceof TokenBrokerConfigError)) throw error;
    // The contract names `environment.<field>`; a person set the variable.
    const field = new RegExp(`^${ENV_PATH}\\.(\\w+)`).exec(error.message)?.[1] as keyof typeof CREDENTIAL_ENV;
    throw new LocalBrokerError(error.message.replace(`${ENV_PATH}.${field}`, CREDENTIAL_ENV[field] ?? field));
  }
  return {
    sets: [parsed.set],
    secrets: new Map([[parsed.set.name, parsed.credentials]]),
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
  try {
    const entries = list.map((entry: unknown, index) =>
      toSet(entry, `credentials[${index}]`, `(file ${path})`),
    );
    assertUniqueNames(
      entries.map(({ set }) => set.name),
      'credentials',
    );
    return {
      sets: entries.map(({ set }) => set),
      secrets: new Map(entries.map(({ set, credentials }) => [set.name, credentials])),
      origin: `file ${path}`,
    };
  } catch (error) {
    throw error instanceof TokenBrokerConfigError ? fail(error.message) : error;
  }
}

/**
 * One set through the contract's parser, plus its client credentials under the contract's
 * value rule. `path` names the entry in messages.
 * @throws TokenBrokerConfigError naming the field; a secret value is named, never shown.
 */
function toSet(
  entry: unknown,
  path: string,
  secretId: string,
): { set: RefresherCredentialSet; credentials: ClientCredentials } {
  const { extra, ...set } = parseCredentialSet(entry, path, { extraKeys: SECRET_FIELDS });
  const values: Partial<Record<(typeof SECRET_FIELDS)[number], string>> = {};
  for (const field of SECRET_FIELDS) {
    const problem = fixedValueProblem(extra[field]);
    if (problem) throw new TokenBrokerConfigError(`${path}.${field} ${problem}`);
    values[field] = (extra[field] as string).trim();
  }
  return {
    set: { ...set, secretId },
    credentials: { clientId: values.clientId as string, clientSecret: values.clientSecret as string },
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function lineAndColumn(text: string, offset: number): string {
  const before = text.slice(0, offset).split('\n');
  return `line ${before.length}, column ${(before.at(-1)?.length ?? 0) + 1}`;
}
