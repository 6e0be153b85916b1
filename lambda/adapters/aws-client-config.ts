/**
 * Settings shared by the handlers' AWS SDK clients. Without a request timeout a hung
 * connection to DynamoDB or Secrets Manager would hold the function until its Lambda
 * timeout; with one, the SDK's own retries get a chance inside it.
 */

/** Passed to `new DynamoDBClient(...)` / `new SecretsManagerClient(...)`. */
export const AWS_CLIENT_CONFIG = {
  requestHandler: {
    connectionTimeout: 2_000,
    requestTimeout: 5_000,
    // Recent SDKs only warn on requestTimeout unless told to throw; older ones always throw.
    throwOnRequestTimeout: true,
  },
} as const;

/**
 * The refresher's Parameter Store client: {@link AWS_CLIENT_CONFIG} with more attempts. A
 * deploy that changes the refresher cold-starts one run per set at once (the deploy refresh),
 * and each reads its sets' parameters, ten a page: at 50 sets about 250 `GetParametersByPath`
 * calls in a second against Parameter Store's default 40 a second. The SDK's standard retries
 * back off a throttled call by a random wait of up to 1 s, doubling: five attempts wait at most
 * 15 s in all (about 7 s on average), inside the refresher's 60 s timeout, and spread the
 * calls over enough seconds; the default three would fail the run.
 */
export const PARAMETER_STORE_CLIENT_CONFIG = { ...AWS_CLIENT_CONFIG, maxAttempts: 5 } as const;
