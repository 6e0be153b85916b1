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
