/**
 * Client credentials given to the local broker up front, from the environment or a
 * credentials file, instead of Secrets Manager. The values follow the contract's rule for
 * a secret's fields (a non-empty string after trimming, not the stack's placeholder); the
 * local broker checks them when it starts, so a bad value is a one-line error then rather
 * than a failed refresh later.
 */
import { checkClientCredentialValue, type RefresherCredentialSet } from '../../contract/index.js';
import { SecretUnavailable } from '../core/errors.js';
import type { ClientCredentials, CredentialSource } from '../core/ports.js';

/**
 * What is wrong with a client_id or client_secret value, or undefined when it is usable;
 * the contract's rule in the local broker's words. The phrase never quotes the value.
 */
export function fixedValueProblem(value: unknown): string | undefined {
  const checked = checkClientCredentialValue(value);
  if (checked.kind === 'invalid') return checked.problem;
  if (checked.kind === 'placeholder') return 'still holds the placeholder; put the real value in';
  return undefined;
}

/**
 * A {@link CredentialSource} holding fixed client credentials per set name. Rotation
 * means restarting the local broker with the new values.
 *
 * @example
 * ```ts
 * const source = new FixedCredentialSource(new Map([['default', { clientId, clientSecret }]]));
 * ```
 */
export class FixedCredentialSource implements CredentialSource {
  readonly #byName: ReadonlyMap<string, ClientCredentials>;

  /**
   * @throws RangeError when a value breaks the contract's rule; the message names the set
   *   and the field, never the value.
   */
  constructor(byName: ReadonlyMap<string, ClientCredentials>) {
    const copy = new Map<string, ClientCredentials>();
    for (const [name, { clientId, clientSecret }] of byName) {
      for (const [field, value] of [
        ['clientId', clientId],
        ['clientSecret', clientSecret],
      ] as const) {
        const problem = fixedValueProblem(value);
        if (problem) throw new RangeError(`credential '${name}': ${field} ${problem}`);
      }
      // Trimmed, as the secret parser does: a value pasted into a shell or file often carries a newline.
      copy.set(name, { clientId: clientId.trim(), clientSecret: clientSecret.trim() });
    }
    this.#byName = copy;
  }

  /** @inheritdoc */
  async getCredentials(set: RefresherCredentialSet): Promise<ClientCredentials> {
    const found = this.#byName.get(set.name);
    if (!found) {
      throw new SecretUnavailable(
        set.name,
        set.secretId,
        'was not given to the local broker; add the set to the credentials file',
      );
    }
    return found;
  }
}
