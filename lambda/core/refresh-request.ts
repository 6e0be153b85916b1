/**
 * Which credential set a refresher event asks for. Schedules and direct invokes send
 * `{"credential": "NAME"}`; with a single configured set the name may be left out.
 */
import { type CredentialConfig, isCredentialName } from './credential-config.js';
import { BadRequest, UnknownCredential } from './errors.js';
import { describeJsonType } from './token-rules.js';

/**
 * Picks the configured set named by `event.credential`.
 * @throws BadRequest when the event is not `{"credential": NAME}` (or `{}` with one set).
 * @throws UnknownCredential when NAME is not configured.
 */
export function selectCredential(event: unknown, configs: readonly CredentialConfig[]): CredentialConfig {
  const names = configs.map((config) => config.name);
  const fields = typeof event === 'object' && event !== null && !Array.isArray(event) ? event : undefined;
  if (!fields)
    throw new BadRequest(`refresh event must be {"credential": NAME}, got ${describeJsonType(event)}`);
  const requested = (fields as Record<string, unknown>).credential;
  if (requested === undefined) {
    if (configs.length === 1 && configs[0]) return configs[0];
    throw new BadRequest(`refresh event must name a credential: one of ${names.join(', ')}`);
  }
  if (!isCredentialName(requested)) {
    throw new BadRequest(`refresh event credential must be 1-64 characters of a-z, 0-9 and -`);
  }
  const config = configs.find((candidate) => candidate.name === requested);
  if (!config) throw new UnknownCredential(requested, names);
  return config;
}
