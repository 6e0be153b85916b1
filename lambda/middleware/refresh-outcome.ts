/**
 * Turns what the refresh use case returned into the refresher's log lines, metrics and
 * answer. A report is logged as `token refreshed` and counted `RefreshSucceeded` (and
 * `TokenLifetimeTooShort` when the token will not outlive the schedule); a failure is
 * counted `RefreshFailed` (plus `SecretRejected` and `TokenEndpointRejected` by error code).
 *
 * Then a failure is rethrown as the error that ended it, so Lambda's retries, on-failure
 * destination and the invoker see it by name, except when throwing would only repeat it:
 * - a secret still holding the placeholder is a state, not an incident: answered
 *   `secret-not-set` (README, Operating);
 * - a failure retrying cannot fix (a refused secret, a malformed answer, a missing
 *   permission) on an asynchronous invoke (every reason but `manual`): answered
 *   `rejected`, so Lambda does not send the same rejected request twice more. The
 *   metrics, alarms and the state item have it all the same; a direct invoke (`manual`, or
 *   no reason) still throws, so the operator sees a FunctionError.
 * - a retry run of the retry chain (reason `retry`) is answered `failed`: the chain itself
 *   is its retry, and a thrown error would make SQS deliver the message again.
 * A report whose token came from AWSPREVIOUS (AWSCURRENT rejected) counts SecretRejected and
 * TokenEndpointRejected as a failure would, next to RefreshSucceeded. A retry run whose lease
 * is gone is answered `retry-not-needed`. The token never reaches a log, a metric or the answer.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type middy from '@middy/core';
import { DIMENSION, METRIC } from '../../contract/index.js';
import { errorFields } from '../core/errors.js';
import { RefreshFailure, type RefreshNote, type RefreshReport } from '../core/refresh.js';
import type { RetryOutcome } from '../core/refresh-failure.js';
import type { RetryNotNeeded } from '../core/retry-chain.js';
import { countSingle } from './observability.js';

/** The refresher's answer: what happened, never the token. */
export type RefreshAnswer =
  | {
      readonly credential: string;
      readonly outcome: 'written' | 'superseded';
      /** ISO-8601: when the stored token expires (the one kept, when superseded). */
      readonly expiresAt: string;
      readonly attempts: number;
      /** Present (true) when the token will not outlive the next scheduled run by the default validity. */
      readonly lifetimeTooShort?: true;
      /** Present when AWSCURRENT was rejected and the token came from AWSPREVIOUS. */
      readonly secretStage?: 'AWSPREVIOUS';
      readonly secretRejected?: true;
    }
  | { readonly credential: string; readonly outcome: 'retry-not-needed'; readonly attempt: number }
  | {
      readonly credential: string;
      readonly outcome: 'failed';
      readonly error: string;
      readonly code?: string;
      readonly retryable: true;
      readonly message: string;
      /** What the retry chain did: `scheduled` (with the next retry's delay), `pending`, `not-scheduled`. */
      readonly retry?: string;
    }
  | { readonly credential: string; readonly outcome: 'secret-not-set'; readonly message: string }
  | {
      readonly credential: string;
      readonly outcome: 'rejected';
      /** The error's name (`TokenRequestRejected`, `SecretInvalid`, ...). */
      readonly error: string;
      /** The refusal code, as in the `errorCode` dimension and the state item, when there is one. */
      readonly code?: string;
      readonly retryable: false;
      readonly message: string;
    };

/** Options of {@link refreshOutcome}. */
export interface RefreshOutcomeOptions {
  readonly logger: Logger;
  readonly metrics: Metrics;
}

/** The refresh outcome middleware; the handler returns the {@link RefreshReport} of `refresh`. */
export function refreshOutcome({ logger, metrics }: RefreshOutcomeOptions): middy.MiddlewareObj {
  /** Logs with the set and the reason on every line, and counts per set. */
  const describe = (about: { credential: string; reason: string }, notes: readonly RefreshNote[]) => {
    logger.appendKeys({ credential: about.credential, reason: about.reason });
    metrics.addDimension(DIMENSION.credential, about.credential);
    for (const note of notes) logNote(logger, note);
  };

  const refreshOutcomeMiddlewareAfter = (request: middy.Request): void => {
    const response = request.response as RefreshReport | RetryNotNeeded;
    if (response.outcome === 'retry-not-needed') {
      logger.info('retry not needed: the retry chain ended or was restarted, or another delivery runs it', {
        credential: response.credential,
        reason: response.reason,
        attempt: response.attempt,
      });
      const answer: RefreshAnswer = {
        credential: response.credential,
        outcome: 'retry-not-needed',
        attempt: response.attempt,
      };
      request.response = answer;
      return;
    }
    const report = response;
    describe(report, report.notes);
    metrics.addMetric(METRIC.refreshSucceeded, MetricUnit.Count, 1);
    metrics.addMetric(METRIC.tokenSecondsRemaining, MetricUnit.Seconds, report.secondsLeft);
    const expiresAt = new Date(report.expiresAt * 1000).toISOString();
    logger.info('token refreshed', {
      outcome: report.outcome,
      expiresAt,
      attempts: report.attempts,
      secretStage: report.secret.stage,
    });
    if (report.rejectedCode !== undefined) {
      // The new secret is still wrong: the alarm keeps telling the operator (decision 31).
      metrics.addMetric(METRIC.secretRejected, MetricUnit.Count, 1);
      countSingle(metrics, METRIC.tokenEndpointRejected, {
        [DIMENSION.credential]: report.credential,
        [DIMENSION.errorCode]: report.rejectedCode,
      });
      logger.error(
        'the token endpoint rejected the AWSCURRENT secret; the token was fetched with AWSPREVIOUS: save the correct pair as a new version, or roll AWSCURRENT back (README, Rotate it)',
        { errorCode: report.rejectedCode, rejectedVersionId: report.secret.rejectedVersionId ?? null },
      );
    }
    if (report.lifetimeTooShort) {
      metrics.addMetric(METRIC.tokenLifetimeTooShort, MetricUnit.Count, 1);
      logger.warn(
        'the token endpoint issued a token that will not outlive the next scheduled run by the default validity; readers will ask for a refresh when it runs low: shorten the refresh interval',
      );
    }
    logger.removeKeys(['credential', 'reason']);
    const answer: RefreshAnswer = {
      credential: report.credential,
      outcome: report.outcome,
      expiresAt,
      attempts: report.attempts,
      ...(report.lifetimeTooShort ? { lifetimeTooShort: true as const } : {}),
      ...(report.rejectedCode === undefined
        ? {}
        : { secretStage: 'AWSPREVIOUS' as const, secretRejected: true as const }),
    };
    request.response = answer;
  };

  const refreshOutcomeMiddlewareOnError = (request: middy.Request): void => {
    const failure = request.error;
    // An event the refresher refused (BadRequest, UnknownCredential) never started a refresh.
    if (!(failure instanceof RefreshFailure)) return;
    describe(failure, failure.notes);
    const cause = failure.cause;
    if (failure.secretNotSet) {
      logger.warn('the secret still holds the placeholder; no token was requested', errorFields(cause));
      logger.removeKeys(['credential', 'reason']);
      const answer: RefreshAnswer = {
        credential: failure.credential,
        outcome: 'secret-not-set',
        message: (cause as Error).message,
      };
      request.response = answer;
      return;
    }
    metrics.addMetric(METRIC.refreshFailed, MetricUnit.Count, 1);
    if (failure.secretRejected) metrics.addMetric(METRIC.secretRejected, MetricUnit.Count, 1);
    // Refusals by OAuth error code, for the dashboard (their own dimension set).
    const code = failure.code;
    if (code !== undefined) {
      countSingle(metrics, METRIC.tokenEndpointRejected, {
        [DIMENSION.credential]: failure.credential,
        [DIMENSION.errorCode]: code,
      });
    }
    // What the "token nearing expiry" alarm watches; unknown when the store could not be read.
    if (failure.secondsLeft !== undefined) {
      metrics.addMetric(METRIC.tokenSecondsRemaining, MetricUnit.Seconds, failure.secondsLeft);
    }
    logger.error('token refresh failed; the stored token was left as it was', {
      ...errorFields(cause),
      retryable: failure.retryable,
      ...retryFields(failure.retry),
    });
    if (failure.retry?.kind === 'not-scheduled') {
      logger.warn('could not schedule the next retry', errorFields(failure.retry.error));
    }
    logger.removeKeys(['credential', 'reason']);
    if (failure.reason === 'retry' && failure.retryable) {
      const answer: RefreshAnswer = {
        credential: failure.credential,
        outcome: 'failed',
        error: errorFields(cause).errorName,
        ...(code === undefined ? {} : { code }),
        retryable: true,
        message: errorFields(cause).errorMessage,
        ...(failure.retry === undefined ? {} : { retry: failure.retry.kind }),
      };
      request.response = answer;
      return;
    }
    if (!failure.retryable && failure.reason !== 'manual') {
      const answer: RefreshAnswer = {
        credential: failure.credential,
        outcome: 'rejected',
        error: errorFields(cause).errorName,
        ...(code === undefined ? {} : { code }),
        retryable: false,
        message: errorFields(cause).errorMessage,
      };
      request.response = answer;
      return;
    }
    if (cause instanceof Error) request.error = cause;
  };

  return { after: refreshOutcomeMiddlewareAfter, onError: refreshOutcomeMiddlewareOnError };
}

/** The retry chain's answer to a failure, for its log line. */
function retryFields(retry: RetryOutcome | undefined): Record<string, unknown> {
  if (retry === undefined) return {};
  if (retry.kind === 'scheduled') {
    return { retry: retry.kind, retryAttempt: retry.attempt, retryInSeconds: retry.delaySeconds };
  }
  return { retry: retry.kind };
}

function logNote(logger: Logger, note: RefreshNote): void {
  switch (note.kind) {
    case 'retry':
      logger.warn('token refresh attempt failed, retrying', {
        attempt: note.attempt,
        delayMs: note.delayMs,
        ...errorFields(note.error),
      });
      return;
    case 'record-failed':
      logger.warn('could not record the refresh outcome', errorFields(note.error));
      return;
    case 'remaining-unknown':
      logger.warn(
        'could not read the stored token to report its remaining validity',
        errorFields(note.error),
      );
      return;
    case 'fallback-failed':
      logger.warn('AWSCURRENT was rejected and AWSPREVIOUS could not be used', errorFields(note.error));
      return;
    case 'run-not-taken':
      logger.warn(
        "could not take the retry's run in the state item; running it (a duplicate delivery may run too): check the role's dynamodb:UpdateItem permission on state items",
        errorFields(note.error),
      );
  }
}
