/**
 * The environment variables a {@link TokenBrokerClient} built without a target reads.
 * `connectConsumer` in the CDK library sets them, so consumer code needs no
 * configuration. This file imports nothing, so the CDK side can share the names.
 */

/** Names of the variables, shared with the CDK side (`connectConsumer`). */
export const TOKEN_BROKER_ENV = {
  /** The reader's function name or ARN: the Lambda Invoke transport. */
  functionName: 'TOKEN_BROKER_FUNCTION',
  /** The reader's Function URL (SigV4) or the local broker's URL (plain HTTP). */
  url: 'TOKEN_BROKER_URL',
  /** The credential set to ask for; unset, the broker's default (first) set. */
  credential: 'TOKEN_BROKER_CREDENTIAL',
} as const;

/** What the environment names, blank values treated as unset. */
export interface EnvironmentTarget {
  readonly functionName?: string;
  readonly url?: string;
  readonly credential?: string;
}

/** Reads the three variables from `env`. */
export function readEnvironment(env: Readonly<Record<string, string | undefined>>): EnvironmentTarget {
  const read = (name: string) => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  const functionName = read(TOKEN_BROKER_ENV.functionName);
  const url = read(TOKEN_BROKER_ENV.url);
  const credential = read(TOKEN_BROKER_ENV.credential);
  return {
    ...(functionName === undefined ? {} : { functionName }),
    ...(url === undefined ? {} : { url }),
    ...(credential === undefined ? {} : { credential }),
  };
}
