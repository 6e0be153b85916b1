/**
 * What the refresher reads once, at cold start, to know its credential sets
 * (docs/design.md, decision 33): `refresher-config.json` beside its bundle, which the
 * construct writes into the code asset at synth, and, when `SECRET_ID_PARAMETER_PATH` is
 * set, the fields CloudFormation resolved at deploy time (a created secret's ARN), one
 * Parameter Store parameter per set under that path (`GetParametersByPath`, ten a page).
 * Parsing is the contract's (`parseRefresherEnvironment`); this only fetches.
 */
import { readFile } from 'node:fs/promises';
import {
  GetParametersByPathCommand,
  type GetParametersByPathCommandOutput,
  type SSMClient,
} from '@aws-sdk/client-ssm';
import {
  BROKER_FUNCTION_ENV,
  type RefresherConfigSource,
  TokenBrokerConfigError,
} from '../../contract/index.js';

/** Where to look. */
export interface RefresherConfigLocation {
  /** `refresher-config.json` beside the bundle; a missing file means "use CREDENTIALS". */
  readonly file: URL;
  /** The refresher's variables (for `SECRET_ID_PARAMETER_PATH`). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Built only when a parameter path is set. */
  readonly ssm: () => SSMClient;
}

/**
 * Reads the file, if there is one, and the parameters, if a path is set.
 * @throws TokenBrokerConfigError when the parameters cannot be read, naming the path and the
 *   permission; the SDK error is its cause.
 */
export async function readRefresherConfig(location: RefresherConfigLocation): Promise<RefresherConfigSource> {
  const file = await readOptional(location.file);
  const path = location.env[BROKER_FUNCTION_ENV.secretIdParameterPath]?.trim();
  if (!path) return file === undefined ? {} : { file };
  const parameters = await readParameters(
    location.ssm(),
    path,
    'the refresher retries at its next cold start',
  );
  return { ...(file === undefined ? {} : { file }), parameters };
}

async function readOptional(file: URL): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * `<path>/<name>` -> value, by name; nested paths are not the broker's and are not read.
 * @param advice what happens next when the read fails, for the message.
 * @throws TokenBrokerConfigError naming the path and the permission; the SDK error is its cause.
 */
export async function readParameters(
  client: SSMClient,
  path: string,
  advice: string,
): Promise<Map<string, string>> {
  const values = new Map<string, string>();
  let nextToken: string | undefined;
  do {
    let page: GetParametersByPathCommandOutput;
    try {
      page = await client.send(
        new GetParametersByPathCommand({
          Path: path,
          Recursive: false,
          MaxResults: 10,
          ...(nextToken === undefined ? {} : { NextToken: nextToken }),
        }),
      );
    } catch (error) {
      throw new TokenBrokerConfigError(
        `cannot read the credential set parameters under ${path} (ssm:GetParametersByPath on that path): ` +
          `${(error as Error).name}; ${advice}`,
        { cause: error },
      );
    }
    for (const parameter of page.Parameters ?? []) {
      const name = parameter.Name?.slice(path.length + 1);
      if (name && parameter.Value) values.set(name, parameter.Value);
    }
    nextToken = page.NextToken;
  } while (nextToken);
  return values;
}
