/**
 * Which credential set a refresher event asks for, and why. Schedules and direct invokes
 * send `{"credential": "NAME"}`; the secret rotation rule, the deploy-time custom
 * resource and self-healing readers add a `reason`. With a single configured set the
 * name may be left out.
 */
import { type CredentialConfig, isCredentialName } from './credential-config.js';
import { BadRequest, UnknownCredential } from './errors.js';
import { REFRESH_REASONS, type RefreshReason } from './telemetry.js';
import { describeJsonType } from './token-rules.js';

/** A validated refresher event. */
export interface RefreshRequest {
  readonly config: CredentialConfig;
  /** Undefined for schedules and plain invokes, which send none. */
  readonly reason?: RefreshReason;
}

/**
 * Picks the configured set named by `event.credential`.
 * @throws BadRequest when the event is not `{"credential": NAME, "reason"?: REASON}` (or `{}` with one set).
 * @throws UnknownCredential when NAME is not configured.
 */
export function parseRefreshRequest(event: unknown, configs: readonly CredentialConfig[]): RefreshRequest {
  const names = configs.map((config) => config.name);
  const fields = typeof event === 'object' && event !== null && !Array.isArray(event) ? event : undefined;
  if (!fields)
    throw new BadRequest(`refresh event must be {"credential": NAME}, got ${describeJsonType(event)}`);
  const { credential: requested, reason } = fields as Record<string, unknown>;
  if (reason !== undefined && !(REFRESH_REASONS as readonly unknown[]).includes(reason)) {
    throw new BadRequest(`refresh event reason must be one of ${REFRESH_REASONS.join(', ')}`);
  }
  const withReason = (config: CredentialConfig): RefreshRequest => ({
    config,
    ...(reason === undefined ? {} : { reason: reason as RefreshReason }),
  });
  if (requested === undefined) {
    if (configs.length === 1 && configs[0]) return withReason(configs[0]);
    throw new BadRequest(`refresh event must name a credential: one of ${names.join(', ')}`);
  }
  if (!isCredentialName(requested)) {
    throw new BadRequest('refresh event credential must be 1-64 characters of a-z, 0-9 and -');
  }
  const config = configs.find((candidate) => candidate.name === requested);
  if (!config) throw new UnknownCredential(requested, names);
  return withReason(config);
}
