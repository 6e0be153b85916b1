import { describe, expect, it } from 'vitest';
import { type ReceivedRequest, verifySigV4 } from './sigv4-verifier.js';

/** The example credentials and clock of the AWS SigV4 test suite. */
const SUITE = {
  credentials: [{ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' }],
  region: 'us-east-1',
  service: 'service',
  now: new Date('2015-08-30T12:36:00Z'),
};

/** A request of the suite, `GET <path>?<query>` to example.amazonaws.com. */
function suiteRequest(rawQueryString: string, signature: string): ReceivedRequest {
  return {
    method: 'GET',
    rawPath: '/',
    rawQueryString,
    headers: {
      host: 'example.amazonaws.com',
      'x-amz-date': '20150830T123600Z',
      authorization: `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=${signature}`,
    },
    body: Buffer.alloc(0),
  };
}

describe('Function: verifySigV4', () => {
  it.each([
    ['get-vanilla', '', '5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31'],
    [
      'get-vanilla-query-order-key-case',
      'Param2=value2&Param1=value1',
      'b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500',
    ],
  ])('accepts the AWS test suite case %s', (_case, query, signature) => {
    expect(verifySigV4(suiteRequest(query, signature), SUITE)).toMatchObject({ valid: true });
  });

  it.each([
    [
      'a changed query',
      suiteRequest(
        'Param2=value2&Param1=value0',
        'b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500',
      ),
      'signature does not match',
    ],
    [
      'another region',
      suiteRequest('', '5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31'),
      'region',
    ],
  ])('rejects %s', (_case, request, reason) => {
    const options = reason === 'region' ? { ...SUITE, region: 'eu-west-1' } : SUITE;
    expect(verifySigV4(request, options)).toMatchObject({
      valid: false,
      reason: expect.stringContaining(reason),
    });
  });

  it('rejects a request signed too long ago', () => {
    const request = suiteRequest('', '5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31');
    const later = { ...SUITE, now: new Date('2015-08-30T12:42:00Z') };
    expect(verifySigV4(request, later)).toMatchObject({
      valid: false,
      reason: expect.stringContaining('5 minutes'),
    });
  });
});
