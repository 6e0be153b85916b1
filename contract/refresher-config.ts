/**
 * The refresher's configuration file: the credential sets the construct writes, at synth,
 * into the refresher's code asset (`refresher-config.json`, beside `index.mjs`), so the
 * per-set configuration is not bounded by Lambda's 4 KB environment (docs/design.md,
 * decision 33). A field CloudFormation only resolves at deploy time (the ARN of a secret
 * the stack creates, a token passed as a prop) cannot be written at synth: the entry then
 * names a `parameter`, and the refresher reads those fields at cold start, and again once
 * they are {@link REFRESHER_PARAMETERS_MAX_AGE_SECONDS} old, from the Parameter Store
 * parameter `<SECRET_ID_PARAMETER_PATH>/<name>` the construct creates for the set (a JSON
 * object of the deploy-time fields).
 */
import {
  type CredentialSet,
  invalid,
  parseCredentialSet,
  scopeProblem,
  TokenBrokerConfigError,
  tokenUrlProblem,
  withoutUserInfo,
} from './credential-set.js';

/** The file's name in the refresher's asset folder. */
export const REFRESHER_CONFIG_FILE = 'refresher-config.json';

/**
 * A warm refresher reads the sets' parameters again when those it holds are older than this
 * (decision 45): a parameter whose value changed without the asset changing (a token prop
 * resolved elsewhere, a created secret replaced) reaches every refresh that starts this long
 * after the change, under the shortest refresh interval (5 minutes), for one
 * `GetParametersByPath` round (a call per ten sets) per warm container and period at most.
 */
export const REFRESHER_PARAMETERS_MAX_AGE_SECONDS = 300;

/**
 * After a read of the sets' parameters failed, a warm refresher tries again this much later,
 * not at every invocation (decision 46): a Parameter Store outage or a lost permission costs
 * one read a minute per warm container, and the values held serve meanwhile.
 */
export const REFRESHER_PARAMETERS_RETRY_SECONDS = 60;

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

/**
 * The sets a refresher works with: each with the secret id it reads, or, when its parameter
 * cannot be used, `unusable` saying why (then its other fields are the file's alone and
 * nothing may be requested with them).
 */
export type RefresherSets = readonly (CredentialSet & {
  readonly secretId: string;
  readonly unusable?: TokenBrokerConfigError;
})[];

/** The file's text for `entries` (in configuration order: the first is the default set). */
export function formatRefresherConfig(entries: readonly RefresherConfigEntry[]): string {
  return `${JSON.stringify({ credentials: entries }, null, 2)}\n`;
}

/**
 * Parses the file with the contract's credential-set parser (the rules the CDK
 * configuration went through), each entry that names a `parameter` completed with the
 * fields read from it first, so a deploy-time value meets the same rules. A bad file only
 * means a broken deployment, so the cold start fails. A bad or missing parameter is one
 * set's problem, and can come from a hand edit long after the deploy: that set is returned
 * `unusable` (its runs fail naming the set and the parameter) and the others are used
 * (decision 46).
 *
 * @param parameters the sets' parameter values (JSON objects), by set name.
 * @param parameterPath where those parameters are, for the messages.
 * @throws TokenBrokerConfigError naming the file, the field and what to do.
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
    // The file's own fields first, so an error names the file only for what the file holds.
    const { extra: own, ...fromFile } = parseCredentialSet(entry, path, { extraKeys: ENTRY_KEYS });
    let fields: unknown;
    try {
      fields = withParameter(entry, fromFile.name, path, parameters, parameterPath);
    } catch (error) {
      if (!(error instanceof ParameterUnusable)) throw error;
      const secretId = typeof own.secretId === 'string' ? own.secretId : '';
      return { ...fromFile, secretId, unusable: error };
    }
    const { extra, ...set } = parseCredentialSet(fields, path, { extraKeys: ENTRY_KEYS });
    if (typeof extra.secretId !== 'string' || extra.secretId === '') {
      throw new TokenBrokerConfigError(`${path}.secretId is missing; ${REDEPLOY}`);
    }
    return { ...set, secretId: extra.secretId };
  });
}

/**
 * A set's parameter that cannot be used (missing, not JSON, a bad or foreign field): the
 * set's own problem, not the file's. Its message names the set and the parameter.
 */
class ParameterUnusable extends TokenBrokerConfigError {}

/** The file's keys besides a credential set's own. */
const ENTRY_KEYS = ['secretId', 'parameter', 'parameterFields'] as const;

/**
 * What is wrong with the value of `field` in a set's parameter, by the rule the file's
 * fields meet (contract/credential-set.ts), and the value as an error may quote it.
 */
function parameterFieldProblem(field: DeployTimeField, value: unknown): { problem?: string; shown: unknown } {
  if (field === 'scope') return { problem: scopeProblem(value), shown: value };
  if (typeof value !== 'string' || value === '')
    return { problem: 'must be a non-empty string', shown: value };
  // A URL with user information may carry a password: never quote that part.
  return field === 'tokenUrl'
    ? { problem: tokenUrlProblem(value), shown: withoutUserInfo(value) }
    : { shown: value };
}

/**
 * `entry` (set `name`, already checked) with the fields of its parameter, when it names one.
 * Every problem with the parameter names the credential set and the parameter, never the
 * file's index, and quotes no secret (the parameter holds none: ARNs, URLs, scopes).
 */
function withParameter(
  entry: unknown,
  name: string,
  path: string,
  parameters: ReadonlyMap<string, string>,
  parameterPath: string,
): unknown {
  const { parameter, parameterFields } = entry as { parameter?: unknown; parameterFields?: unknown };
  if (parameter === undefined) return entry;
  const where = `credential set '${name}': parameter ${parameterPath}/${name}`;
  if (
    !Array.isArray(parameterFields) ||
    parameterFields.length === 0 ||
    parameterFields.some((field) => !(DEPLOY_TIME_FIELDS as readonly unknown[]).includes(field))
  ) {
    throw new TokenBrokerConfigError(
      `${path} names a parameter but not the fields it supplies (parameterFields, among ${DEPLOY_TIME_FIELDS.join(', ')}); ${REDEPLOY}`,
    );
  }
  const value = parameters.get(name);
  if (value === undefined) {
    throw new ParameterUnusable(`${where}, which completes ${path}, was not found; ${REDEPLOY}`);
  }
  let fields: unknown;
  try {
    fields = JSON.parse(value);
  } catch {
    throw new ParameterUnusable(`${where} is not JSON; ${RESTORE}`);
  }
  if (fields === null || typeof fields !== 'object' || Array.isArray(fields)) {
    throw new ParameterUnusable(`${where} must be a JSON object; ${RESTORE}`);
  }
  const unknown = Object.keys(fields).find((key) => !(DEPLOY_TIME_FIELDS as readonly string[]).includes(key));
  if (unknown !== undefined) {
    throw new ParameterUnusable(`${where} has an unknown field '${unknown}'; ${RESTORE}`);
  }
  // Only what the file leaves to the parameter: nothing known at synth is replaced.
  const notLeft = Object.keys(fields).find(
    (key) => !parameterFields.includes(key) || Object.hasOwn(entry as object, key),
  );
  if (notLeft !== undefined) {
    throw new ParameterUnusable(
      `${where} holds '${notLeft}', which ${path} does not leave to it; someone changed the parameter: ${RESTORE}`,
    );
  }
  for (const [field, fieldValue] of Object.entries(fields) as [DeployTimeField, unknown][]) {
    const { problem, shown } = parameterFieldProblem(field, fieldValue);
    if (problem)
      throw new ParameterUnusable(invalid(`${where} ${field}`, shown, `${problem}; ${RESTORE}`).message);
  }
  if (parameterFields.includes('secretId') && !Object.hasOwn(fields, 'secretId')) {
    throw new ParameterUnusable(`${where} has no secretId, which ${path} leaves to it; ${RESTORE}`);
  }
  return { ...(entry as object), ...fields };
}

const REDEPLOY = 'redeploy the stack, which writes it';
/**
 * A parameter the stack wrote and someone changed: a deploy of an unchanged template does
 * not rewrite it (CloudFormation does not undo drift); a warm refresher reads the parameters
 * again once they are {@link REFRESHER_PARAMETERS_MAX_AGE_SECONDS} old, a cold one at start.
 */
const RESTORE =
  'put back the value the stack deploys (its template has it; cdk deploy alone does not undo a hand edit); the refresher reads it again within 5 minutes';
