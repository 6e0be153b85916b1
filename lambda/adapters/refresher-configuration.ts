/**
 * The refresher's configuration over a warm container's life (decision 45): read at cold
 * start (`readRefresherConfig`: the file beside the bundle and the sets' parameters), then
 * the parameters read again once those held are {@link REFRESHER_PARAMETERS_MAX_AGE_SECONDS}
 * old, so a parameter that changed without the code asset changing reaches the running
 * containers too; a read that failed is tried again {@link REFRESHER_PARAMETERS_RETRY_SECONDS}
 * later, not at every invocation. The file never changes without new code, so it is read once.
 * A set whose parameter is bad is the parse's `unusable` set (decision 46): only its runs fail.
 */
import type { SSMClient } from '@aws-sdk/client-ssm';
import {
  BROKER_FUNCTION_ENV,
  REFRESHER_PARAMETERS_MAX_AGE_SECONDS,
  REFRESHER_PARAMETERS_RETRY_SECONDS,
  type RefresherConfigSource,
  TokenBrokerConfigError,
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
   * Set when the parameters were due to be read again and could not be read or parsed:
   * `value` is the one parsed from the parameters read before (the read is tried again
   * {@link REFRESHER_PARAMETERS_RETRY_SECONDS} later).
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
  /** When the parameters are read next: their maximum age after a read, sooner after a failure. */
  #nextReadAtMs: number;

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
    this.#nextReadAtMs = clock.now() + REFRESHER_PARAMETERS_MAX_AGE_SECONDS * 1000;
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
   * are older than the maximum age. A read that fails, or whose values cannot be parsed at
   * all, keeps the values held (`stale` says why) and is tried again a minute later: a
   * Parameter Store outage must not stop refreshes that worked a moment ago, nor put a
   * Parameter Store call on every invocation. One set's bad value does not fail the parse:
   * the parse marks that set `unusable`, and only its runs fail (decision 46).
   */
  async current(): Promise<CurrentConfiguration<T>> {
    const now = this.#clock.now();
    if (this.#path === undefined || now < this.#nextReadAtMs) return { value: this.#value };
    try {
      const parameters = await readParameters(
        this.#location.ssm(),
        this.#path,
        `the refresher keeps the values it read before and tries again in ${REFRESHER_PARAMETERS_RETRY_SECONDS} s`,
      );
      this.#value = this.#parse(this.#location.env, { ...this.#source, parameters });
      this.#nextReadAtMs = now + REFRESHER_PARAMETERS_MAX_AGE_SECONDS * 1000;
      return { value: this.#value };
    } catch (error) {
      this.#nextReadAtMs = now + REFRESHER_PARAMETERS_RETRY_SECONDS * 1000;
      // readParameters and parse throw TokenBrokerConfigError; anything else is a bug: no detail.
      const stale =
        error instanceof TokenBrokerConfigError
          ? error
          : new TokenBrokerConfigError(
              'the credential set parameters read could not be parsed; the refresher keeps the values it read before',
            );
      return { value: this.#value, stale };
    }
  }
}
