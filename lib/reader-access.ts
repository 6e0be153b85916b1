/**
 * Who may call the reader, and the check every per-credential method of the broker makes
 * on the name it is given (`credentialSet`, `grantRead`, `connectXxx`, `metricXxx`).
 */
import { Stack, Token, TokenComparison } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { IConstruct } from 'constructs';

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
 * Lets `grantee` call `reader` both ways: `lambda:InvokeFunction` (direct invoke) and
 * `lambda:InvokeFunctionUrl` (the Function URL needs both). Nothing else.
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
