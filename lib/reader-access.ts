/**
 * Who may call a set's reader: the grant behind `grantRead` and the `connectXxx` methods,
 * their options, and the check every per-credential method of the broker makes on the name
 * it is given (`credentialSet`, `grantRead`, `connectXxx`, `metricXxx`).
 */
import { Stack, Token, TokenComparison } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { IConstruct } from 'constructs';

/** Options of the broker's `connectXxx` methods. */
export interface ConnectConsumerOptions {
  /**
   * The credential set the consumer reads: its reader is the one the client is pointed at
   * and granted, and its name is TOKEN_BROKER_CREDENTIAL. Required when the broker serves
   * more than one set, so no consumer ends up on production (or sandbox) by the order of a list.
   * @default the broker's only set
   */
  readonly credential?: string;
}

/** `'a', 'b'`: names as messages show them. */
export function listed(names: readonly string[]): string {
  return names.map((name) => `'${name}'`).join(', ');
}

/**
 * Returns `credential` when `broker` serves it.
 * @param method the broker method asking, named in the message.
 * @throws Error naming the broker's construct path and the sets it serves.
 */
export function servedCredential(
  broker: IConstruct & { readonly credentialNames: readonly string[] },
  method: string,
  credential: string,
): string {
  if (broker.credentialNames.includes(credential)) return credential;
  throw new Error(
    `${broker.node.path}: ${method} credential '${credential}' is not served by this broker: ` +
      `it serves ${listed(broker.credentialNames)}`,
  );
}

/**
 * Lets `grantee` call `reader` (one set's) both ways: `lambda:InvokeFunction` (direct
 * invoke) and `lambda:InvokeFunctionUrl` (the Function URL needs both). Nothing else.
 */
export function grantReaderAccess(reader: lambda.IFunction, grantee: iam.IGrantable): iam.Grant {
  const principalAccount = grantee.grantPrincipal.principalAccount;
  const comparison =
    principalAccount === undefined
      ? undefined
      : Token.compareStrings(principalAccount, Stack.of(reader).account);
  if (comparison === TokenComparison.SAME || comparison === TokenComparison.BOTH_UNRESOLVED) {
    // One statement on the unqualified ARN: no `:*` qualifier wildcard in the caller's policy.
    const grant = iam.Grant.addToPrincipal({
      grantee,
      actions: ['lambda:InvokeFunction', 'lambda:InvokeFunctionUrl'],
      resourceArns: [reader.functionArn],
    });
    if (grant.success) return grant;
  }
  // Another account or a service principal: the reader's resource policy must allow it,
  // which the Function's own grants add.
  return reader.grantInvoke(grantee).combine(reader.grantInvokeUrl(grantee));
}

/**
 * The set a grant or a consumer is for: the one asked for (checked), or the broker's only one.
 * @param missing what the caller leaves out, as the message names it.
 * @throws Error naming the broker's construct path when none is asked for and it has several.
 */
export function consumerCredential(
  broker: IConstruct & { readonly credentialNames: readonly string[] },
  method: string,
  wanted: string | undefined,
  missing = 'options.credential',
): string {
  if (wanted !== undefined) return servedCredential(broker, method, wanted);
  const [only] = broker.credentialNames;
  if (broker.credentialNames.length === 1 && only !== undefined) return only;
  throw new Error(
    `${broker.node.path}: ${method} needs ${missing}: this broker serves ${listed(broker.credentialNames)}, ` +
      'and a grant covers one set',
  );
}
