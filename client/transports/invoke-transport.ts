/**
 * The default transport inside AWS: a synchronous `lambda:InvokeFunction` of the reader.
 * The reader throws its errors; Lambda hands them back as a `FunctionError` with a
 * payload `{errorType, errorMessage, trace}`, which becomes the typed error of that name.
 */
import { InvokeCommand, type InvokeCommandOutput, LambdaClient } from '@aws-sdk/client-lambda';
import { TOKEN_UNAVAILABLE_RETRY_AFTER_SECONDS } from '../../contract/index.js';
import {
  BrokerAccessDenied,
  BrokerResponseInvalid,
  BrokerUnavailable,
  clip,
  readerError,
  type TokenBrokerError,
} from '../errors.js';
import {
  type BrokerToken,
  parseBrokerToken,
  parseJson,
  type TokenRequest,
  type TokenTransport,
} from './transport.js';

/** Options of {@link InvokeTransport}. */
export interface InvokeTransportOptions {
  /** The reader's name or ARN (`broker.reader.functionName` in CDK). */
  readonly functionName: string;
  /**
   * The client to invoke with; pass one to share it or to set region and credentials.
   * @default a LambdaClient with the default region and credential chain and 2 s connect / 5 s request timeouts
   */
  readonly lambdaClient?: LambdaClient;
  /** Region of the default client. @default the SDK's default (AWS_REGION) */
  readonly region?: string;
}

/**
 * Invokes the reader function.
 *
 * @example
 * const transport = new InvokeTransport({ functionName: 'a55-token-broker-reader' });
 * const client = new TokenBrokerClient({ transport, credential: 'production' });
 */
export class InvokeTransport implements TokenTransport {
  readonly description: string;
  readonly #functionName: string;
  readonly #lambda: LambdaClient;

  constructor(options: InvokeTransportOptions) {
    this.#functionName = options.functionName;
    this.description = `function ${options.functionName}`;
    this.#lambda =
      options.lambdaClient ??
      new LambdaClient({
        region: options.region,
        // Without a request timeout a hung connection would hold the caller until its own timeout.
        requestHandler: { connectionTimeout: 2_000, requestTimeout: 5_000, throwOnRequestTimeout: true },
      });
  }

  async fetchToken(request: TokenRequest): Promise<BrokerToken> {
    const payload = {
      ...(request.credential === undefined ? {} : { credential: request.credential }),
      minValiditySeconds: request.minValiditySeconds,
      ...(request.rejectedTokenHash === undefined ? {} : { rejectedTokenHash: request.rejectedTokenHash }),
    };
    let output: InvokeCommandOutput;
    try {
      output = await this.#lambda.send(
        new InvokeCommand({
          FunctionName: this.#functionName,
          Payload: new TextEncoder().encode(JSON.stringify(payload)),
        }),
      );
    } catch (error) {
      throw this.#sdkError(error);
    }
    const text = output.Payload ? new TextDecoder().decode(output.Payload) : '';
    if (output.FunctionError !== undefined) throw this.#functionError(text);
    const body = parseJson(text);
    if (body === undefined) {
      throw new BrokerResponseInvalid('the reader returned a payload that is not JSON', {
        broker: this.description,
      });
    }
    return parseBrokerToken(body, this.description);
  }

  /** The reader's thrown error, or the runtime's (timeout, crash), from the error payload. */
  #functionError(text: string): TokenBrokerError {
    const body = parseJson(text);
    const { errorType, errorMessage } = (typeof body === 'object' && body !== null ? body : {}) as Record<
      string,
      unknown
    >;
    if (typeof errorType !== 'string') {
      return new BrokerUnavailable('the reader failed with an error payload that names no errorType', {
        broker: this.description,
      });
    }
    return readerError(errorType, typeof errorMessage === 'string' ? errorMessage : '', {
      broker: this.description,
      // An invoke carries no Retry-After header; the reader's contract says how long to wait.
      ...(errorType === 'TokenUnavailable'
        ? { retryAfterSeconds: TOKEN_UNAVAILABLE_RETRY_AFTER_SECONDS }
        : {}),
    });
  }

  /** The Lambda service refused or failed the call itself; the function did not run. */
  #sdkError(error: unknown): TokenBrokerError {
    const { name, message, $metadata } = (error ?? {}) as {
      name?: string;
      message?: string;
      $metadata?: { httpStatusCode?: number };
    };
    const status = $metadata?.httpStatusCode;
    const detail = clip(`${name ?? 'Error'}: ${message ?? String(error)}`, 300);
    if (status === 403 || name === 'AccessDeniedException') {
      return new BrokerAccessDenied(
        `not allowed to invoke the reader; grant lambda:InvokeFunction on it (broker.grantRead in CDK): ${detail}`,
        { broker: this.description, cause: error },
      );
    }
    const advice =
      name === 'ResourceNotFoundException'
        ? 'check the function name (TOKEN_BROKER_FUNCTION) and region'
        : 'try again later';
    return new BrokerUnavailable(`could not invoke the reader (${advice}): ${detail}`, {
      broker: this.description,
      ...(name === undefined ? {} : { errorType: name }),
      cause: error,
    });
  }
}
