/**
 * IAM's size quotas on a role's policies, and the most characters a policy document can
 * have once deployed, counted the way IAM counts it (JSON without whitespace) with each
 * unresolved reference at the longest its resource's name or ARN can be. The broker packs
 * the refresher's per-set grants by this count at synth time (lib/refresher-grants.ts), and
 * test/support/deploy-limits.ts measures the synthesized templates with it.
 */

/** IAM's default quotas per role. */
export const IAM_ROLE_QUOTAS = {
  /** All of a role's inline policies together (its own and every AWS::IAM::Policy attached). */
  inlineCharacters: 10_240,
  /** One customer-managed policy. */
  managedPolicyCharacters: 6_144,
  /** Managed policies attached to one role (a quota an account may raise, to 20). */
  managedPoliciesPerRole: 10,
} as const;

/** The longest a pseudo parameter resolves to (`aws-us-gov`, `ap-southeast-4`, a stack name). */
const PSEUDO_PARAMETER_CHARACTERS: Record<string, number> = {
  'AWS::Partition': 10,
  'AWS::Region': 14,
  'AWS::AccountId': 12,
  'AWS::URLSuffix': 20,
  'AWS::StackName': 128,
};
/** `arn:aws-us-gov:secretsmanager:ap-southeast-4:123456789012:secret:` at its longest. */
const SECRET_ARN_PREFIX = 'arn::secretsmanager:::secret:'.length + 10 + 14 + 12;
/**
 * The longest any other reference resolves to: a resource's generated physical name
 * (stack name, logical ID and random suffix, cut by CloudFormation to the type's limit) or
 * its ARN (that name behind a prefix of about 60 characters).
 */
const OTHER_REFERENCE_CHARACTERS = 256;

/** The CloudFormation type of the resource with a logical ID, if the template has it. */
export type ResourceTypeOf = (logicalId: string) => string | undefined;

/**
 * The longest ARN a grant of the broker names: a secret's, `arn:aws-us-gov:secretsmanager:
 * ap-southeast-4:123456789012:secret:` with a 512-character name, `-` and 6 (a table's or a
 * key's is shorter). What a value the stack cannot see into (a parameter, another stack's
 * resource, an import) counts when {@link SizeOptions.opaqueValues} asks for it.
 */
export const LONGEST_GRANTED_ARN = SECRET_ARN_PREFIX + 512 + 7;

/** How {@link deployedCharactersAtMost} counts what it cannot see into. */
export interface SizeOptions {
  /**
   * Count a reference to something that is not a resource of the template (a parameter,
   * another stack's resource), and any other intrinsic (`Fn::ImportValue`, ...), at
   * {@link LONGEST_GRANTED_ARN}, as at synth time, where a cross-stack value is still a
   * `Ref` to the other stack's resource.
   * @default false - such a `Ref` counts 256 and any other intrinsic throws (a test's check
   *   of a synthesized template, where every value is known to be one of the template's)
   */
  readonly opaqueValues?: boolean;
}

/**
 * The most characters `value` (JSON with intrinsics, as `Stack.resolve` or a template has
 * it) can have once deployed: a reference to a secret the template creates is its ARN at
 * its longest (CloudFormation names it `<logical ID>-<12 characters>`, Secrets Manager
 * appends `-` and 6), a pseudo parameter its longest value, any other reference
 * {@link OTHER_REFERENCE_CHARACTERS}. Anything else unresolved fails loudly.
 */
export function deployedCharactersAtMost(
  value: unknown,
  resourceType: ResourceTypeOf,
  options: SizeOptions = {},
): number {
  const resolved = (node: unknown): number => {
    if (typeof node === 'string') return JSON.stringify(node).length - 2;
    const entries = node !== null && typeof node === 'object' ? Object.entries(node) : [];
    const [key, arg] = entries.length === 1 ? (entries[0] as [string, unknown]) : [];
    if (key === 'Ref' && typeof arg === 'string') {
      const pseudo = PSEUDO_PARAMETER_CHARACTERS[arg];
      if (pseudo !== undefined) return pseudo;
      const type = resourceType(arg);
      if (type === 'AWS::SecretsManager::Secret') return SECRET_ARN_PREFIX + arg.length + 13 + 7;
      if (type === undefined && options.opaqueValues) return LONGEST_GRANTED_ARN;
      return OTHER_REFERENCE_CHARACTERS;
    }
    if (key === 'Fn::GetAtt') {
      const [logicalId] = Array.isArray(arg) ? (arg as string[]) : [];
      const foreign = logicalId === undefined || resourceType(logicalId) === undefined;
      return foreign && options.opaqueValues ? LONGEST_GRANTED_ARN : OTHER_REFERENCE_CHARACTERS;
    }
    if (key === 'Fn::Join' && Array.isArray(arg)) {
      const [separator, parts] = arg as [string, unknown[]];
      return parts.reduce<number>((sum, part) => sum + resolved(part), separator.length * (parts.length - 1));
    }
    if (options.opaqueValues) return LONGEST_GRANTED_ARN;
    throw new Error(`unexpected value in a policy: ${JSON.stringify(node)}`);
  };
  // Every string in the document is resolved in place; the JSON around them is counted as is.
  const walk = (node: unknown): number => {
    if (typeof node === 'string' || isIntrinsic(node)) return resolved(node) + 2;
    if (Array.isArray(node))
      return 2 + node.reduce<number>((sum, item, i) => sum + walk(item) + (i ? 1 : 0), 0);
    if (node !== null && typeof node === 'object') {
      const entries = Object.entries(node);
      return (
        2 +
        entries.reduce<number>(
          (sum, [key, item], i) => sum + JSON.stringify(key).length + 1 + walk(item) + (i ? 1 : 0),
          0,
        )
      );
    }
    return JSON.stringify(node).length;
  };
  return walk(value);
}

function isIntrinsic(node: unknown): boolean {
  if (node === null || typeof node !== 'object' || Array.isArray(node)) return false;
  const keys = Object.keys(node);
  return keys.length === 1 && (keys[0] === 'Ref' || (keys[0] as string).startsWith('Fn::'));
}
