/**
 * Reads the environment variables a {@link TokenBrokerClient} built without a target
 * falls back to. The construct's consumer wiring sets them, so consumer code needs no
 * configuration; their names live in the contract, shared with the construct.
 */
import { TOKEN_BROKER_ENV } from '../contract/index.js';

/** What the environment names, blank values treated as unset. */
export interface EnvironmentTarget {
  readonly functionName?: string;
  readonly url?: string;
  readonly credential?: string;
}

/** Reads the three {@link TOKEN_BROKER_ENV} variables from `env`. */
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
