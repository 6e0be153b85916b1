/**
 * Which credential set a refresher event asks for, and why: `{"credential": NAME,
 * "reason"?: REASON}` (contract/refresh-event.ts). Every trigger the construct wires sends
 * a reason; an event without one is an operator's invoke, taken as `manual`. With a single
 * configured set the name may be left out.
 */
import {
  CREDENTIAL_NAME_RULE,
  describeJsonType,
  isCredentialName,
  isRefreshReason,
  REFRESH_REASONS,
  type RefresherCredentialSet,
  type RefreshReason,
  type RetryTicket,
} from '../../contract/index.js';
import { BadRequest, UnknownCredential } from './errors.js';

/** The refresher's parsed input: the configured set to refresh, and why. */
export interface RefreshRequest {
  readonly set: RefresherCredentialSet;
  readonly reason: RefreshReason;
  /** With reason `retry`: which retry of the set's chain this run is (docs/design.md, Retry until recovered). */
  readonly retry?: RetryTicket;
}

/**
 * Picks the configured set named by `event.credential`.
 * @throws BadRequest when the event is not `{"credential": NAME, "reason"?: REASON}` (or `{}` with one set).
 * @throws UnknownCredential when NAME is not configured.
 */
export function parseRefreshRequest(event: unknown, sets: readonly RefresherCredentialSet[]): RefreshRequest {
  const names = sets.map((set) => set.name);
  const fields = typeof event === 'object' && event !== null && !Array.isArray(event) ? event : undefined;
  if (!fields)
    throw new BadRequest(`refresh event must be {"credential": NAME}, got ${describeJsonType(event)}`);
  const { credential: requested, reason = 'manual', retry: rawRetry } = fields as Record<string, unknown>;
  if (!isRefreshReason(reason)) {
    throw new BadRequest(`refresh event reason must be one of ${REFRESH_REASONS.join(', ')}`);
  }
  const retry = parseRetryTicket(reason, rawRetry);
  const request = (set: RefresherCredentialSet): RefreshRequest => ({
    set,
    reason,
    ...(retry === undefined ? {} : { retry }),
  });
  if (requested === undefined) {
    if (sets.length === 1 && sets[0]) return request(sets[0]);
    throw new BadRequest(`refresh event must name a credential: one of ${names.join(', ')}`);
  }
  if (!isCredentialName(requested)) {
    throw new BadRequest(`refresh event credential ${CREDENTIAL_NAME_RULE}`);
  }
  const set = sets.find((candidate) => candidate.name === requested);
  if (!set) throw new UnknownCredential(requested, names);
  return request(set);
}

/** The ticket of a `retry` event: required with that reason, refused with any other. */
function parseRetryTicket(reason: RefreshReason, raw: unknown): RetryTicket | undefined {
  if (reason !== 'retry') {
    if (raw !== undefined) throw new BadRequest(`refresh event retry is only sent with reason retry`);
    return undefined;
  }
  const fields = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
  const { attempt, dueAt } = fields;
  if (
    typeof attempt !== 'number' ||
    !Number.isInteger(attempt) ||
    attempt < 1 ||
    typeof dueAt !== 'number' ||
    !Number.isInteger(dueAt) ||
    dueAt < 0
  ) {
    throw new BadRequest(
      'refresh event with reason retry must carry retry: {"attempt": positive integer, "dueAt": epoch seconds}',
    );
  }
  return { attempt, dueAt };
}
