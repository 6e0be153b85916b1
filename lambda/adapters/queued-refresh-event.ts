/**
 * The refresher is invoked directly (schedule, rotation rule, deploy, readers, operators)
 * and by the retry queue's event source mapping, which wraps the message in an SQS event.
 * This unwraps the latter so one parser (core parseRefreshRequest) reads both.
 */
import { BadRequest } from '../core/errors.js';

/** The shape of an SQS event as Lambda delivers it, as far as the refresher reads it. */
interface SqsEvent {
  readonly Records: ReadonlyArray<{ readonly eventSource?: unknown; readonly body?: unknown }>;
}

function isSqsEvent(event: unknown): event is SqsEvent {
  if (typeof event !== 'object' || event === null || !Array.isArray((event as SqsEvent).Records))
    return false;
  return (event as SqsEvent).Records.some((record) => record?.eventSource === 'aws:sqs');
}

/**
 * The refresh event inside `event`: the message body of an SQS event (batch size 1, and
 * only the retry chain's own `reason: "retry"` messages), else `event` itself.
 * @throws BadRequest for an SQS event with other than one record, a body that is not
 *   JSON, or a message that is not a retry
 */
export function refreshEventOf(event: unknown): unknown {
  if (!isSqsEvent(event)) return event;
  const [record, ...others] = event.Records;
  if (!record || others.length > 0) {
    throw new BadRequest(`the retry queue must deliver one message per invoke, got ${event.Records.length}`);
  }
  let body: unknown;
  try {
    body = typeof record.body === 'string' ? JSON.parse(record.body) : undefined;
  } catch {
    body = undefined;
  }
  if (typeof body !== 'object' || body === null || (body as { reason?: unknown }).reason !== 'retry') {
    throw new BadRequest('a retry queue message must be a refresh event with reason retry');
  }
  return body;
}
