/**
 * A loopback stand-in for the AWS services the bundled handlers call that have no local
 * server: Secrets Manager (`GetSecretValue`, JSON 1.1 protocol, with the AWSCURRENT and
 * AWSPREVIOUS stages a new version moves), Lambda (`Invoke`, REST-JSON) and SQS
 * (`SendMessage`, JSON 1.0: the refresher's retry queue) and Systems Manager Parameter Store
 * (`GetParametersByPath`, JSON 1.1: the refresher's deploy-time set fields). The bundles carry their own AWS SDK, so a mock of the test's SDK
 * copy cannot reach them; they reach this server through the SDK's standard service
 * endpoint variables instead ({@link AwsStandIn.endpointEnv}), over the real wire format.
 *
 * Every request must carry a SigV4 signature that verifies (test/integration/client/sigv4-verifier.ts)
 * for the configured credentials, region and service. Secret values are never logged,
 * and the call records keep only the request fields, never a returned secret.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifySigV4 } from '../integration/client/sigv4-verifier.js';

/** Stages a stand-in secret can hold a value under. */
export type SecretStage = 'AWSCURRENT' | 'AWSPREVIOUS';

/** One request the stand-in answered (or refused). */
export type AwsCall =
  | {
      readonly service: 'secretsmanager';
      readonly operation: 'GetSecretValue';
      readonly secretId: string;
      readonly versionStage?: string;
      readonly versionId?: string;
      /** The error type answered, if the call failed. */
      readonly error?: string;
    }
  | {
      readonly service: 'lambda';
      readonly operation: 'Invoke';
      readonly functionName: string;
      readonly invocationType: 'Event' | 'RequestResponse' | 'DryRun';
      /** The invocation payload, parsed as JSON (`undefined` when empty). */
      readonly payload: unknown;
      readonly error?: string;
    }
  | {
      readonly service: 'ssm';
      readonly operation: 'GetParametersByPath';
      readonly path: string;
      readonly nextToken?: string;
      readonly error?: string;
    }
  | {
      readonly service: 'sqs';
      readonly operation: 'SendMessage';
      readonly queueUrl: string;
      /** The message body, parsed as JSON. */
      readonly body: unknown;
      readonly delaySeconds?: number;
      readonly error?: string;
    };

/** What a test's `onInvoke` hook may answer for a RequestResponse invoke. */
export interface InvokeAnswer {
  /** Serialised as JSON into the response body. */
  readonly payload?: unknown;
  /** Sets `X-Amz-Function-Error` (e.g. `Unhandled`). */
  readonly functionError?: string;
}

/** Called for every accepted Invoke; an Event invoke's answer is ignored (202, empty). */
export type InvokeHook = (call: {
  readonly functionName: string;
  readonly invocationType: 'Event' | 'RequestResponse' | 'DryRun';
  readonly payload: unknown;
}) => InvokeAnswer | undefined;

export interface AwsStandInOptions {
  readonly region?: string;
  readonly accountId?: string;
  /** Credentials the SigV4 check accepts; defaults to the vitest env's `test`/`test`. */
  readonly credentials?: readonly { readonly accessKeyId: string; readonly secretAccessKey: string }[];
}

/** Error types the stand-in can answer, with the status AWS uses for each. */
const ERROR_STATUS: Record<string, number> = {
  ResourceNotFoundException: 400,
  AccessDeniedException: 400,
  DecryptionFailure: 400,
  InvalidRequestException: 400,
  InvalidParameterException: 400,
  InternalServiceError: 500,
  ThrottlingException: 400,
  TooManyRequestsException: 429,
  ServiceException: 500,
  InvalidSignatureException: 403,
  UnrecognizedClientException: 403,
  UnknownOperationException: 400,
};

interface SecretVersion {
  readonly value: string;
  readonly versionId: string;
  readonly createdDate: number;
}

interface PendingFailure {
  remaining: number;
  readonly type: string;
  readonly message: string;
}

/** The running stand-in and its test API. */
export class AwsStandIn {
  readonly #server: Server;
  readonly #region: string;
  readonly #accountId: string;
  readonly #credentials: readonly { readonly accessKeyId: string; readonly secretAccessKey: string }[];
  /** SecretId (ARN or name) -> stage -> version. */
  readonly #secrets = new Map<string, Map<SecretStage, SecretVersion>>();
  /** Parameter name -> value (String parameters). */
  readonly #parameters = new Map<string, string>();
  readonly #failures: Record<'secretsmanager' | 'lambda' | 'sqs' | 'ssm', PendingFailure[]> = {
    ssm: [],
    secretsmanager: [],
    lambda: [],
    sqs: [],
  };
  readonly #calls: AwsCall[] = [];
  #onInvoke: InvokeHook | undefined;
  /** Why the last refused request was refused by the signature check (not a secret). */
  #signatureRejections: string[] = [];

  private constructor(server: Server, options: AwsStandInOptions) {
    this.#server = server;
    this.#region = options.region ?? process.env.AWS_REGION ?? 'us-east-1';
    this.#accountId = options.accountId ?? '111122223333';
    this.#credentials = options.credentials ?? [
      {
        accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? 'test',
        secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? 'test',
      },
    ];
  }

  /** Starts the stand-in on 127.0.0.1, on a free port. */
  static async start(options: AwsStandInOptions = {}): Promise<AwsStandIn> {
    let standIn: AwsStandIn | undefined;
    const server = createServer((request, response) => {
      standIn?.handle(request, response).catch(() => {
        if (!response.headersSent) response.writeHead(500);
        response.end();
      });
    });
    standIn = new AwsStandIn(server, options);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return standIn;
  }

  /** `http://127.0.0.1:<port>` */
  get endpoint(): string {
    const { port } = this.#server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  /** The SDK's standard service endpoint variables, pointing at this stand-in. */
  get endpointEnv(): Record<string, string> {
    return {
      AWS_ENDPOINT_URL_SECRETS_MANAGER: this.endpoint,
      AWS_ENDPOINT_URL_LAMBDA: this.endpoint,
      AWS_ENDPOINT_URL_SQS: this.endpoint,
      AWS_ENDPOINT_URL_SSM: this.endpoint,
    };
  }

  /** The GetParametersByPath calls. */
  get parameterCalls(): readonly Extract<AwsCall, { service: 'ssm' }>[] {
    return this.#calls.filter((call) => call.service === 'ssm');
  }

  /** Sets the String parameter `name` (a path such as `/a/b/c`). */
  setParameter(name: string, value: string): void {
    this.#parameters.set(name, value);
  }

  /** Every call since the last {@link reset}, in arrival order. */
  get calls(): readonly AwsCall[] {
    return this.#calls;
  }

  /** The GetSecretValue calls. */
  get secretCalls(): readonly Extract<AwsCall, { service: 'secretsmanager' }>[] {
    return this.#calls.filter((call) => call.service === 'secretsmanager');
  }

  /** The Invoke calls. */
  get invokeCalls(): readonly Extract<AwsCall, { service: 'lambda' }>[] {
    return this.#calls.filter((call) => call.service === 'lambda');
  }

  /** The SendMessage calls (the refresher's retries), in arrival order. */
  get sentMessages(): readonly Extract<AwsCall, { service: 'sqs' }>[] {
    return this.#calls.filter((call) => call.service === 'sqs');
  }

  /** A queue URL on this stand-in, for a queue's `Ref`: the SDK may send to the URL's host. */
  queueUrl(name: string): string {
    return `${this.endpoint}/${this.#accountId}/${name}`;
  }

  /** Reasons requests were refused for their signature (should stay empty). */
  get signatureRejections(): readonly string[] {
    return this.#signatureRejections;
  }

  /** Sets the value `GetSecretValue` answers for `secretId` under `stage` (a new version). */
  setSecret(secretId: string, value: string, stage: SecretStage = 'AWSCURRENT'): void {
    let stages = this.#secrets.get(secretId);
    if (!stages) {
      stages = new Map();
      this.#secrets.set(secretId, stages);
    }
    stages.set(stage, { value, versionId: randomUUID(), createdDate: Date.now() / 1000 });
  }

  /**
   * Saves `value` as a new version, as `PutSecretValue` does: the version that was
   * AWSCURRENT becomes AWSPREVIOUS. Answers the new version's id.
   */
  saveSecretVersion(secretId: string, value: string): string {
    const stages = this.#secrets.get(secretId) ?? new Map<SecretStage, SecretVersion>();
    this.#secrets.set(secretId, stages);
    const current = stages.get('AWSCURRENT');
    if (current) stages.set('AWSPREVIOUS', current);
    const version = { value, versionId: randomUUID(), createdDate: Date.now() / 1000 };
    stages.set('AWSCURRENT', version);
    return version.versionId;
  }

  /** The version id held for `secretId` under `stage`, if any. */
  secretVersionId(secretId: string, stage: SecretStage = 'AWSCURRENT'): string | undefined {
    return this.#secrets.get(secretId)?.get(stage)?.versionId;
  }

  /** The value held for `secretId` under `stage`, if any. */
  secretValue(secretId: string, stage: SecretStage = 'AWSCURRENT'): string | undefined {
    return this.#secrets.get(secretId)?.get(stage)?.value;
  }

  /** Removes `secretId` (every stage): it then answers ResourceNotFoundException. */
  deleteSecret(secretId: string): void {
    this.#secrets.delete(secretId);
  }

  /** Makes the next `count` calls to `service` fail with `type` (e.g. `AccessDeniedException`). */
  failNext(
    service: 'secretsmanager' | 'lambda' | 'sqs' | 'ssm',
    count: number,
    type: string,
    message?: string,
  ): void {
    this.#failures[service].push({ remaining: count, type, message: message ?? `stand-in ${type}` });
  }

  /** Runs for every accepted Invoke, e.g. to run the invoked function. */
  onInvoke(hook: InvokeHook | undefined): void {
    this.#onInvoke = hook;
  }

  /** Forgets the recorded calls, pending failures and the invoke hook; secrets stay. */
  reset(): void {
    this.#calls.length = 0;
    this.#failures.secretsmanager.length = 0;
    this.#failures.lambda.length = 0;
    this.#failures.sqs.length = 0;
    this.#failures.ssm.length = 0;
    this.#signatureRejections = [];
    this.#onInvoke = undefined;
  }

  async stop(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve, reject) =>
      this.#server.close((error) => (error ? reject(error) : resolve())),
    );
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await readBody(request);
    const url = request.url ?? '/';
    const queryAt = url.indexOf('?');
    const rawPath = queryAt < 0 ? url : url.slice(0, queryAt);
    const rawQueryString = queryAt < 0 ? '' : url.slice(queryAt + 1);
    const target = header(request, 'x-amz-target');
    const invokePath = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/.exec(rawPath);
    const service = target?.startsWith('secretsmanager.')
      ? 'secretsmanager'
      : target?.startsWith('AmazonSQS.')
        ? 'sqs'
        : target?.startsWith('AmazonSSM.')
          ? 'ssm'
          : invokePath
            ? 'lambda'
            : undefined;
    if (service === undefined || request.method !== 'POST') {
      return sendError(
        response,
        'json',
        'UnknownOperationException',
        `no such operation: ${request.method} ${rawPath}`,
      );
    }
    const protocol = service === 'lambda' ? 'rest' : 'json';

    const verification = verifySigV4(
      { method: request.method, rawPath, rawQueryString, headers: request.headers, body },
      { credentials: this.#credentials, region: this.#region, service, now: new Date() },
    );
    if (!verification.valid) {
      this.#signatureRejections.push(verification.reason);
      return sendError(response, protocol, 'InvalidSignatureException', verification.reason);
    }

    if (service === 'secretsmanager') {
      if (target !== 'secretsmanager.GetSecretValue') {
        return sendError(response, protocol, 'UnknownOperationException', `${target} is not stood in`);
      }
      return this.getSecretValue(body, response);
    }
    if (service === 'sqs') {
      if (target !== 'AmazonSQS.SendMessage') {
        return sendError(response, protocol, 'UnknownOperationException', `${target} is not stood in`);
      }
      return this.sendMessage(body, response);
    }
    if (service === 'ssm') {
      if (target !== 'AmazonSSM.GetParametersByPath') {
        return sendError(response, protocol, 'UnknownOperationException', `${target} is not stood in`);
      }
      return this.getParametersByPath(body, response);
    }
    return this.invoke(decodeURIComponent(invokePath?.[1] ?? ''), request, body, response);
  }

  private getSecretValue(body: Buffer, response: ServerResponse): void {
    const input = JSON.parse(body.toString('utf8') || '{}') as {
      SecretId?: string;
      VersionStage?: string;
      VersionId?: string;
    };
    const secretId = input.SecretId ?? '';
    const record = (error?: string) =>
      this.#calls.push({
        service: 'secretsmanager',
        operation: 'GetSecretValue',
        secretId,
        ...(input.VersionStage !== undefined && { versionStage: input.VersionStage }),
        ...(input.VersionId !== undefined && { versionId: input.VersionId }),
        ...(error !== undefined && { error }),
      });

    const failure = this.takeFailure('secretsmanager');
    if (failure) {
      record(failure.type);
      sendError(response, 'json', failure.type, failure.message);
      return;
    }
    const stages = this.#secrets.get(secretId);
    let found: { stage: SecretStage; version: SecretVersion } | undefined;
    if (stages && input.VersionId !== undefined) {
      for (const [stage, version] of stages) {
        if (version.versionId === input.VersionId) found = { stage, version };
      }
    } else if (stages) {
      const stage = (input.VersionStage ?? 'AWSCURRENT') as SecretStage;
      const version = stages.get(stage);
      if (version) found = { stage, version };
    }
    if (!found) {
      record('ResourceNotFoundException');
      sendError(
        response,
        'json',
        'ResourceNotFoundException',
        "Secrets Manager can't find the specified secret.",
      );
      return;
    }
    record();
    const name = secretId.startsWith('arn:') ? (secretId.split(':')[6] ?? secretId) : secretId;
    const arn = secretId.startsWith('arn:')
      ? secretId
      : `arn:aws:secretsmanager:${this.#region}:${this.#accountId}:secret:${secretId}`;
    sendJson(response, 200, 'application/x-amz-json-1.1', {
      ARN: arn,
      Name: name,
      SecretString: found.version.value,
      VersionId: found.version.versionId,
      VersionStages: [found.stage],
      CreatedDate: found.version.createdDate,
    });
  }

  private invoke(
    functionName: string,
    request: IncomingMessage,
    body: Buffer,
    response: ServerResponse,
  ): void {
    const invocationType = (header(request, 'x-amz-invocation-type') ?? 'RequestResponse') as
      | 'Event'
      | 'RequestResponse'
      | 'DryRun';
    const text = body.toString('utf8');
    let payload: unknown;
    try {
      payload = text === '' ? undefined : JSON.parse(text);
    } catch {
      this.#calls.push({
        service: 'lambda',
        operation: 'Invoke',
        functionName,
        invocationType,
        payload: text,
        error: 'InvalidRequestContentException',
      });
      sendError(response, 'rest', 'InvalidRequestContentException', 'Could not parse request body into json');
      return;
    }
    const record = (error?: string) =>
      this.#calls.push({
        service: 'lambda',
        operation: 'Invoke',
        functionName,
        invocationType,
        payload,
        ...(error !== undefined && { error }),
      });

    const failure = this.takeFailure('lambda');
    if (failure) {
      record(failure.type);
      sendError(response, 'rest', failure.type, failure.message);
      return;
    }
    record();
    const answer = this.#onInvoke?.({ functionName, invocationType, payload });
    if (invocationType === 'Event') {
      response.writeHead(202, { 'content-length': '0' });
      response.end();
      return;
    }
    if (invocationType === 'DryRun') {
      response.writeHead(204, { 'content-length': '0' });
      response.end();
      return;
    }
    const out = Buffer.from(answer?.payload === undefined ? 'null' : JSON.stringify(answer.payload));
    response.writeHead(200, {
      'content-type': 'application/json',
      'content-length': String(out.length),
      'x-amz-executed-version': '$LATEST',
      ...(answer?.functionError !== undefined && { 'x-amz-function-error': answer.functionError }),
    });
    response.end(out);
  }

  private sendMessage(body: Buffer, response: ServerResponse): void {
    const input = JSON.parse(body.toString('utf8') || '{}') as {
      QueueUrl?: string;
      MessageBody?: string;
      DelaySeconds?: number;
    };
    const messageBody = input.MessageBody ?? '';
    let parsed: unknown;
    try {
      parsed = JSON.parse(messageBody);
    } catch {
      parsed = messageBody;
    }
    const record = (error?: string) =>
      this.#calls.push({
        service: 'sqs',
        operation: 'SendMessage',
        queueUrl: input.QueueUrl ?? '',
        body: parsed,
        ...(input.DelaySeconds !== undefined && { delaySeconds: input.DelaySeconds }),
        ...(error !== undefined && { error }),
      });
    const failure = this.takeFailure('sqs');
    if (failure) {
      record(failure.type);
      sendError(response, 'json', failure.type, failure.message);
      return;
    }
    record();
    sendJson(response, 200, 'application/x-amz-json-1.0', {
      MessageId: randomUUID(),
      // The SDK checks the body's MD5, as it would against SQS.
      MD5OfMessageBody: createHash('md5').update(messageBody, 'utf8').digest('hex'),
    });
  }

  /** One level below `Path` only (`Recursive` is not stood in), at most `MaxResults` (10) a page. */
  private getParametersByPath(body: Buffer, response: ServerResponse): void {
    const input = JSON.parse(body.toString('utf8') || '{}') as {
      Path?: string;
      MaxResults?: number;
      NextToken?: string;
      Recursive?: boolean;
    };
    const path = input.Path ?? '';
    const record = (error?: string) =>
      this.#calls.push({
        service: 'ssm',
        operation: 'GetParametersByPath',
        path,
        ...(input.NextToken !== undefined && { nextToken: input.NextToken }),
        ...(error !== undefined && { error }),
      });
    const failure = this.takeFailure('ssm');
    if (failure) {
      record(failure.type);
      sendError(response, 'json', failure.type, failure.message);
      return;
    }
    record();
    const names = [...this.#parameters.keys()]
      .filter((name) => name.startsWith(`${path}/`) && !name.slice(path.length + 1).includes('/'))
      .sort();
    const start = Number(input.NextToken ?? 0);
    const size = Math.min(input.MaxResults ?? 10, 10);
    const page = names.slice(start, start + size);
    sendJson(response, 200, 'application/x-amz-json-1.1', {
      Parameters: page.map((name) => ({
        Name: name,
        Type: 'String',
        Value: this.#parameters.get(name),
        Version: 1,
        ARN: `arn:aws:ssm:${this.#region}:${this.#accountId}:parameter${name}`,
      })),
      ...(start + size < names.length ? { NextToken: String(start + size) } : {}),
    });
  }

  private takeFailure(service: 'secretsmanager' | 'lambda' | 'sqs' | 'ssm'): PendingFailure | undefined {
    const queue = this.#failures[service];
    const failure = queue[0];
    if (!failure) return undefined;
    failure.remaining -= 1;
    if (failure.remaining <= 0) queue.shift();
    return failure;
  }
}

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

function sendJson(response: ServerResponse, status: number, contentType: string, value: unknown): void {
  const out = Buffer.from(JSON.stringify(value));
  response.writeHead(status, {
    'content-type': contentType,
    'content-length': String(out.length),
    'x-amzn-requestid': randomUUID(),
  });
  response.end(out);
}

/** An AWS error: `__type` in the body and `x-amzn-ErrorType` in the headers, as both protocols read. */
function sendError(response: ServerResponse, protocol: 'json' | 'rest', type: string, message: string): void {
  const out = Buffer.from(
    JSON.stringify(protocol === 'json' ? { __type: type, message } : { Type: 'User', message }),
  );
  response.writeHead(ERROR_STATUS[type] ?? 400, {
    'content-type': protocol === 'json' ? 'application/x-amz-json-1.1' : 'application/json',
    'content-length': String(out.length),
    'x-amzn-errortype': type,
    'x-amzn-requestid': randomUUID(),
  });
  response.end(out);
}

/** Starts an {@link AwsStandIn} on 127.0.0.1, on a free port. */
export function startAwsStandIn(options: AwsStandInOptions = {}): Promise<AwsStandIn> {
  return AwsStandIn.start(options);
}
