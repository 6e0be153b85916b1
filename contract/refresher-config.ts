/**
 * The refresher's configuration file: the credential sets the construct writes, at synth,
 * into the refresher's code asset (`refresher-config.json`, beside `index.mjs`), so the
 * per-set configuration is not bounded by Lambda's 4 KB environment (docs/design.md,
 * decision 33). A field CloudFormation only resolves at deploy time (the ARN of a secret
 * the stack creates, a token passed as a prop) cannot be written at synth: the entry then
 * names a `parameter`, and the refresher reads those fields once, at cold start, from the
 * Parameter Store parameter `<SECRET_ID_PARAMETER_PATH>/<name>` the construct creates
 * for the set (a JSON object of the deploy-time fields).
 */
import { type CredentialSet, parseCredentialSet, TokenBrokerConfigError } from './credential-set.js';

/** The file's name in the refresher's asset folder. */
export const REFRESHER_CONFIG_FILE = 'refresher-config.json';

/** One set as the file holds it. */
export interface RefresherConfigEntry {
  readonly name: string;
  readonly tokenUrl?: string;
  readonly scope?: string;
  readonly clientAuth?: string;
  /** The secret's ARN or name, when known at synth. */
  readonly secretId?: string;
  /**
   * Set when some of the set's fields are in its parameter: a fingerprint of their
   * CloudFormation expressions. It changes when they do, so the asset (and the function)
   * changes too and no warm container keeps fields it read before. Never a secret.
   */
  readonly parameter?: string;
  /**
   * With `parameter`: the fields the parameter supplies, and the only ones it may. A field
   * known at synth (above) can never be replaced by whoever can write the parameter: a
   * `tokenUrl` there would send the client secret to another host.
   */
  readonly parameterFields?: readonly DeployTimeField[];
}

/** A field a set's parameter may hold. */
export type DeployTimeField = (typeof DEPLOY_TIME_FIELDS)[number];

/** The fields a set's parameter may hold: the ones that can be deploy-time values. */
export const DEPLOY_TIME_FIELDS = ['secretId', 'tokenUrl', 'scope'] as const;

/** The sets a refresher works with: each with the secret id it reads. */
export type RefresherSets = readonly (CredentialSet & { readonly secretId: string })[];

/** The file's text for `entries` (in configuration order: the first is the default set). */
export function formatRefresherConfig(entries: readonly RefresherConfigEntry[]): string {
  return `${JSON.stringify({ credentials: entries }, null, 2)}\n`;
}

/**
 * Parses the file with the contract's credential-set parser (the rules the CDK
 * configuration went through), each entry that names a `parameter` completed with the
 * fields read from it first, so a deploy-time value meets the same rules. A bad file or
 * parameter only means a broken deployment, so the cold start fails.
 *
 * @param parameters the sets' parameter values (JSON objects), by set name.
 * @param parameterPath where those parameters are, for the messages.
 * @throws TokenBrokerConfigError naming the file or parameter, the field and what to do.
 */
export function parseRefresherConfig(
  text: string,
  parameters: ReadonlyMap<string, string> = new Map(),
  parameterPath = '(SECRET_ID_PARAMETER_PATH unset)',
): RefresherSets {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new TokenBrokerConfigError(`${REFRESHER_CONFIG_FILE} is not JSON; ${REDEPLOY}`);
  }
  const credentials = (parsed as { credentials?: unknown } | null)?.credentials;
  if (!Array.isArray(credentials) || credentials.length === 0) {
    throw new TokenBrokerConfigError(
      `${REFRESHER_CONFIG_FILE} must hold a non-empty "credentials" array; ${REDEPLOY}`,
    );
  }
  return credentials.map((entry: unknown, index) => {
    const path = `${REFRESHER_CONFIG_FILE} credentials[${index}]`;
    const fields = withParameter(entry, path, parameters, parameterPath);
    const { extra, ...set } = parseCredentialSet(fields, path, {
      extraKeys: ['secretId', 'parameter', 'parameterFields'],
    });
    if (typeof extra.secretId !== 'string' || extra.secretId === '') {
      throw new TokenBrokerConfigError(`${path}.secretId is missing; ${REDEPLOY}`);
    }
    return { ...set, secretId: extra.secretId };
  });
}

/** `entry` with the fields of its parameter, when it names one. */
function withParameter(
  entry: unknown,
  path: string,
  parameters: ReadonlyMap<string, string>,
  parameterPath: string,
): unknown {
  const { name, parameter, parameterFields } = (entry ?? {}) as {
    name?: unknown;
    parameter?: unknown;
    parameterFields?: unknown;
  };
  if (parameter === undefined) return entry;
  const where = `parameter ${parameterPath}/${String(name)}`;
  if (
    !Array.isArray(parameterFields) ||
    parameterFields.length === 0 ||
    parameterFields.some((field) => !(DEPLOY_TIME_FIELDS as readonly unknown[]).includes(field))
  ) {
    throw new TokenBrokerConfigError(
      `${path} names a parameter but not the fields it supplies (parameterFields, among ${DEPLOY_TIME_FIELDS.join(', ')}); ${REDEPLOY}`,
    );
  }
  const value = typeof name === 'string' ? parameters.get(name) : undefined;
  if (value === undefined) {
    throw new TokenBrokerConfigError(`${path} is completed by ${where}, which was not found; ${REDEPLOY}`);
  }
  let fields: unknown;
  try {
    fields = JSON.parse(value);
  } catch {
    throw new TokenBrokerConfigError(`${where} is not JSON; ${REDEPLOY}`);
  }
  if (fields === null || typeof fields !== 'object' || Array.isArray(fields)) {
    throw new TokenBrokerConfigError(`${where} must be a JSON object; ${REDEPLOY}`);
  }
  const unknown = Object.keys(fields).find((key) => !(DEPLOY_TIME_FIELDS as readonly string[]).includes(key));
  if (unknown !== undefined) {
    throw new TokenBrokerConfigError(`${where} has an unknown field '${unknown}'; ${REDEPLOY}`);
  }
  // Only what the file leaves to the parameter: nothing known at synth is replaced.
  const notLeft = Object.keys(fields).find(
    (key) => !parameterFields.includes(key) || Object.hasOwn(entry as object, key),
  );
  if (notLeft !== undefined) {
    throw new TokenBrokerConfigError(
      `${where} holds '${notLeft}', which ${path} does not leave to it; someone changed the parameter: ${REDEPLOY}`,
    );
  }
  return { ...(entry as object), ...fields };
}

const REDEPLOY = 'redeploy the stack, which writes it';
