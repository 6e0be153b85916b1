/**
 * Picks the transport a {@link TokenBrokerClient} talks through, from its options or, when
 * they name no broker, from the environment `broker.connectLambda` / `broker.connectContainer` set.
 */
import type { LambdaClient } from '@aws-sdk/client-lambda';
import { TOKEN_BROKER_ENV } from '../contract/index.js';
import { readEnvironment } from './environment.js';
import { ClientConfigError } from './errors.js';
import { InvokeTransport } from './transports/invoke-transport.js';
import type { AwsCredentials, AwsCredentialsProvider } from './transports/sigv4-signer.js';
import type { TokenTransport } from './transports/transport.js';
import { UrlTransport } from './transports/url-transport.js';

/** Where the broker is and how to reach it. Give at most one of `functionName`, `url`, `transport`. */
export interface BrokerTargetOptions {
  /**
   * The reader's function name or ARN: Lambda Invoke, the way for callers inside Lambda.
   * @default TOKEN_BROKER_FUNCTION, when neither `url` nor `transport` is given
   */
  readonly functionName?: string;
  /**
   * The reader's Function URL (signed with SigV4, for ECS/EC2) or the local broker's URL
   * (`http://127.0.0.1:8787`, unsigned).
   * @default TOKEN_BROKER_URL, when neither `functionName` nor `transport` is given
   */
  readonly url?: string;
  /** Any other way to reach a broker (a fake in tests). */
  readonly transport?: TokenTransport;
  /** Invoke only: the client to invoke with. @default a new LambdaClient with timeouts */
  readonly lambdaClient?: LambdaClient;
  /** Region of the default LambdaClient, and of URL signing. @default from the URL host, else AWS_REGION */
  readonly region?: string;
  /** URL only: `sigv4` or `none`. @default 'sigv4' for https, 'none' for http */
  readonly signing?: 'sigv4' | 'none';
  /** URL only: credentials to sign with. @default the SDK's default credential chain */
  readonly credentials?: AwsCredentials | AwsCredentialsProvider;
  /** URL only. @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** URL only: abort a broker call after this long. @default 5000 */
  readonly requestTimeoutMs?: number;
}

/** The transport for `options`, and the credential the environment names (if any). */
export function createTransport(
  options: BrokerTargetOptions,
  env: Readonly<Record<string, string | undefined>> = process.env,
): { transport: TokenTransport; envCredential: string | undefined } {
  const fromEnv = readEnvironment(env);
  const envCredential = fromEnv.credential;
  const given = [options.functionName, options.url, options.transport].filter((value) => value !== undefined);
  if (given.length > 1) {
    throw new ClientConfigError('give only one of functionName, url and transport');
  }
  if (options.transport) return { transport: options.transport, envCredential };

  const useEnv = given.length === 0;
  if (useEnv && fromEnv.functionName !== undefined && fromEnv.url !== undefined) {
    throw new ClientConfigError(
      `both ${TOKEN_BROKER_ENV.functionName} and ${TOKEN_BROKER_ENV.url} are set; set only one`,
    );
  }
  const functionName = useEnv ? fromEnv.functionName : options.functionName;
  const url = useEnv ? fromEnv.url : options.url;
  if (functionName !== undefined) {
    if (functionName.trim() === '') throw new ClientConfigError('functionName is empty');
    return {
      transport: new InvokeTransport({
        functionName,
        lambdaClient: options.lambdaClient,
        region: options.region,
      }),
      envCredential,
    };
  }
  if (url !== undefined) {
    return {
      transport: new UrlTransport({
        url,
        signing: options.signing,
        region: options.region,
        credentials: options.credentials,
        fetch: options.fetch,
        timeoutMs: options.requestTimeoutMs,
      }),
      envCredential,
    };
  }
  throw new ClientConfigError(
    `no token broker given: pass functionName or url, or set ${TOKEN_BROKER_ENV.functionName} ` +
      `(Lambda consumers) or ${TOKEN_BROKER_ENV.url} (ECS/EC2, local broker); ` +
      'broker.connectLambda(fn, { credential }) in CDK sets them',
  );
}
