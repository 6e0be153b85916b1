import { ResourceNotFoundException, ThrottlingException } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { classifySdkError } from '../../../../lambda/adapters/sdk-errors.js';

const named = (name: string, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(`${name}: simulated`), { name, ...extra });

describe('Function: classifySdkError', () => {
  it.each([
    [new ThrottlingException({ message: 'Rate exceeded', $metadata: {} }), 'throttled', true],
    [named('ProvisionedThroughputExceededException'), 'throttled', true],
    [named('TooManyRequestsException'), 'throttled', true],
    [named('InternalServiceError'), 'unavailable', true],
    [named('TimeoutError'), 'unavailable', true],
    [named('SomethingNew', { $fault: 'server' }), 'unavailable', true],
    [named('SomethingNew', { $metadata: { httpStatusCode: 503 } }), 'unavailable', true],
    [named('Error', { code: 'ECONNREFUSED' }), 'unavailable', true],
    [named('AccessDeniedException', { $fault: 'client' }), 'access-denied', false],
    [
      new ResourceNotFoundException({ message: 'Requested resource not found', $metadata: {} }),
      'not-found',
      false,
    ],
    [named('DecryptionFailure', { $fault: 'client' }), 'other', false],
  ])('%s is %s (retryable: %s)', (error, kind, retryable) => {
    expect(classifySdkError(error)).toEqual({ name: error.name, kind, retryable });
  });

  it('names a thrown non-error UnknownError', () => {
    expect(classifySdkError('boom')).toEqual({ name: 'UnknownError', kind: 'other', retryable: false });
  });
});
