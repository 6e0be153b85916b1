/**
 * The refresher's configuration over a warm container's life (decision 45): read at cold
 * start (`readRefresherConfig`: the file beside the bundle and the sets' parameters), then
 * the parameters read again once those held are {@link REFRESHER_PARAMETERS_MAX_AGE_SECONDS}
 * old, so a parameter that changed without the code asset changing reaches the running
 * containers too. The file never changes without new code, so it is read once.
 */
import type { SSMClient } from '@aws-sdk/client-ssm';
import {
  BROKER_FUNCTION_ENV,
  REFRESHER_PARAMETERS_MAX_AGE_SECONDS,
  type RefresherConfigSource,
  type TokenBrokerConfigError,
} from '../../contract/index.js';
import type { Clock } from '../core/ports.js';
import {
  type RefresherConfigLocation,
  readParameters,
  readRefresherConfig,
} from './refresher-config-source.js';

/** Parses the variables and the file and parameters read (`parseRefresherEnvironment`). */
export type ParseConfiguration<T> = (
  env: Readonly<Record<string, string | undefined>>,
  source: RefresherConfigSource,
) => T;

/** What {@link RefresherConfiguration.current} answers. */
export interface CurrentConfiguration<T> {
  readonly value: T;
  /**
   * Set when the parameters were due to be read again and could not be: `value` is the one
   * parsed from the parameters read before (the read is tried again at the next call).
   */
  readonly stale?: TokenBrokerConfigError;
}

/**
 * The parsed configuration (`parse`, e.g. `parseRefresherEnvironment`), kept current.
 * @example
 * const config = await RefresherConfiguration.load(location, parseRefresherEnvironment, systemClock);
 * const { value, stale } = await config.current();
 */
export class RefresherConfiguration<T> {
  readonly #parse: ParseConfiguration<T>;
  readonly #source: RefresherConfigSource;
  readonly #path: string | undefined;
  readonly #location: RefresherConfigLocation;
  readonly #clock: Clock;
  #value: T;
  #readAtMs: number;

  private constructor(
    location: RefresherConfigLocation,
    source: RefresherConfigSource,
    parse: ParseConfiguration<T>,
    clock: Clock,
  ) {
    this.#location = location;
    this.#source = source;
    this.#parse = parse;
    this.#clock = clock;
    this.#path = location.env[BROKER_FUNCTION_ENV.secretIdParameterPath]?.trim() || undefined;
    this.#readAtMs = clock.now();
    this.#value = parse(location.env, source);
  }

  /**
   * Reads and parses the configuration at cold start.
   * @throws TokenBrokerConfigError as `readRefresherConfig` and `parse` do: the cold start fails.
   */
  static async load<T>(
    location: RefresherConfigLocation,
    parse: ParseConfiguration<T>,
    clock: Clock,
  ): Promise<RefresherConfiguration<T>> {
    // One SSM client for the container's life, built at the first read; the environment as
    // it was at cold start, so a later read changes the parameters only.
    let client: SSMClient | undefined;
    const shared = { ...location, env: { ...location.env }, ssm: () => (client ??= location.ssm()) };
    return new RefresherConfiguration(shared, await readRefresherConfig(shared), parse, clock);
  }

  /** The configuration last parsed (the table, queue and interval never change in a container). */
  get value(): T {
    return this.#value;
  }

  /**
   * The configuration for this invocation: the parameters are read again when those held
   * are older than the maximum age. A read that fails keeps the values held (`stale` says
   * why): a Parameter Store outage must not stop refreshes that worked a moment ago.
   * @throws TokenBrokerConfigError when the parameters read now are not valid (naming the
   *   set and the parameter); nothing is stored or requested with them.
   */
  async current(): Promise<CurrentConfiguration<T>> {
    const now = this.#clock.now();
    if (this.#path === undefined || now - this.#readAtMs < REFRESHER_PARAMETERS_MAX_AGE_SECONDS * 1000) {
      return { value: this.#value };
    }
    let parameters: Map<string, string>;
    try {
      parameters = await readParameters(
        this.#location.ssm(),
        this.#path,
        'the refresher keeps the values it read before and tries again at its next run',
      );
    } catch (error) {
      return { value: this.#value, stale: error as TokenBrokerConfigError };
    }
    const value = this.#parse(this.#location.env, { ...this.#source, parameters });
    this.#value = value;
    this.#readAtMs = now;
    return { value };
  }
}
