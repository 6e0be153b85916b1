/**
 * The most credential sets a broker takes, as the stack app synthesizes them for
 * `cdk deploy` (docs/design.md, decisions 42 and 43): every deploy limit, computed from the
 * synthesized templates, the broker's stack and each set's nested stack, at the longest
 * names the broker accepts (they recur in logical IDs, policies and the template). The
 * sets' behaviour when run is test/integration/many-credential-sets.test.ts.
 */
import { rmSync } from 'node:fs';
import type { CfnElement } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TokenBrokerStack } from '../../lib/token-broker-stack.js';
import {
  MAX_CREDENTIAL_NAME_CHARACTERS,
  MAX_CREDENTIAL_SETS,
  SETS_IN_BROKER_STACK,
} from '../../lib/validation.js';
import { logicalIdsOfType } from '../../tools/synthesized-handlers.js';
import {
  CANARY_FINDINGS,
  CLOUDFORMATION,
  functionPolicies,
  IAM,
  LAMBDA_FUNCTION_POLICY_BYTES,
  nagReport,
  queuePolicies,
  type RolePolicies,
  rolePolicies,
  SQS_POLICY,
  synthesizeStackApp,
  type TemplateFile,
} from '../support/deploy-limits.js';
import type { Json } from './template.js';

/**
 * 50 names using the whole name budget, the longest (64 characters) on the sets that stay
 * in the broker's stack, where a name costs the most.
 */
const NAMES = Array.from({ length: MAX_CREDENTIAL_SETS }, (_, index) => {
  const prefix = `s${String(index).padStart(2, '0')}-`;
  const long = 64;
  const rest = MAX_CREDENTIAL_NAME_CHARACTERS - long * SETS_IN_BROKER_STACK;
  const perRest = Math.floor(rest / (MAX_CREDENTIAL_SETS - SETS_IN_BROKER_STACK));
  const last = rest - perRest * (MAX_CREDENTIAL_SETS - SETS_IN_BROKER_STACK - 1);
  const length = index < SETS_IN_BROKER_STACK ? long : index === MAX_CREDENTIAL_SETS - 1 ? last : perRest;
  return prefix.padEnd(length, 'x');
});

describe('Deploy limits: the stack app with the most credential sets a broker takes', () => {
  let outdir: string;
  let stack: TokenBrokerStack;
  let templates: TemplateFile[];
  let roles: RolePolicies[];
  let synthError: unknown;

  beforeAll(() => {
    // GIVEN the stack app (cdk-nag registered) with every per-set feature on: created
    // secrets, an organization allowed to read every set, an alarm topic
    // WHEN it is synthesized
    ({ outdir, stack, templates, synthError } = synthesizeStackApp('deploy-limits-', {
      credentials: NAMES.map((name) => ({ name })),
      allowedOrganizationId: 'o-abcde12345',
      alarmEmail: 'ops@example.com',
    }));
    roles = rolePolicies(templates);
  }, 120_000);

  afterAll(() => {
    if (outdir) rmSync(outdir, { recursive: true, force: true });
  });

  it('uses the whole name budget, the longest names in the broker stack', () => {
    // THEN: the case the limits below are measured on
    expect(NAMES.join('')).toHaveLength(MAX_CREDENTIAL_NAME_CHARACTERS);
    expect(NAMES.slice(0, SETS_IN_BROKER_STACK).every((name) => name.length === 64)).toBe(true);
    expect(new Set(NAMES).size).toBe(MAX_CREDENTIAL_SETS);
  });

  it('keeps the first sets in the broker stack and gives each later set a nested stack of its own', () => {
    // THEN
    const [root, ...nested] = templates as [TemplateFile, ...TemplateFile[]];
    expect(nested).toHaveLength(MAX_CREDENTIAL_SETS - SETS_IN_BROKER_STACK);
    expect(logicalIdsOfType(root.template, 'AWS::Lambda::Function')).toHaveLength(SETS_IN_BROKER_STACK + 2);
    for (const { file, template } of nested) {
      expect(logicalIdsOfType(template, 'AWS::Lambda::Url'), file).toHaveLength(1);
      expect(logicalIdsOfType(template, 'AWS::CloudWatch::Alarm'), file).toHaveLength(6);
    }
    // Every secret and parameter stays in the broker stack
    expect(logicalIdsOfType(root.template, 'AWS::SecretsManager::Secret')).toHaveLength(MAX_CREDENTIAL_SETS);
    expect(logicalIdsOfType(root.template, 'AWS::SSM::Parameter')).toHaveLength(MAX_CREDENTIAL_SETS);
    expect(
      nested.flatMap(({ template }) => logicalIdsOfType(template, 'AWS::SecretsManager::Secret')),
    ).toEqual([]);
  });

  it.each([
    ['resources', (t: TemplateFile) => Object.keys(t.template.Resources).length, CLOUDFORMATION.resources],
    ['outputs', (t: TemplateFile) => Object.keys(t.template.Outputs ?? {}).length, CLOUDFORMATION.outputs],
    [
      'parameters',
      (t: TemplateFile) => Object.keys(t.template.Parameters ?? {}).length,
      CLOUDFORMATION.parameters,
    ],
    ['template bytes', (t: TemplateFile) => t.bytes, CLOUDFORMATION.templateBytes],
  ] as const)('has every template within its %s quota', (_label, measure, limit) => {
    // THEN
    for (const template of templates) expect(measure(template), template.file).toBeLessThanOrEqual(limit);
  });

  it("keeps every role's inline policies together, and each managed policy, within IAM's sizes", () => {
    // THEN: every role of every template, its references at their longest
    expect(roles.length).toBeGreaterThan(MAX_CREDENTIAL_SETS);
    for (const role of roles) {
      const where = `${role.template} ${role.roleId}`;
      expect(role.inlineCharacters, where).toBeLessThanOrEqual(IAM.inlineCharacters);
      for (const size of role.managedCharacters)
        expect(size, where).toBeLessThanOrEqual(IAM.managedPolicyCharacters);
      expect(role.managedPolicies, where).toBeLessThanOrEqual(IAM.managedPoliciesPerRole);
    }
  });

  it("keeps every queue policy within SQS's 20 statements and 8,192 bytes", () => {
    // THEN: the failure queue takes every rotation rule's dead letters in one statement
    const policies = queuePolicies(templates);
    expect(policies.length).toBeGreaterThanOrEqual(2);
    for (const policy of policies) {
      expect(policy.statements, policy.where).toBeLessThanOrEqual(SQS_POLICY.statements);
      expect(policy.characters, policy.where).toBeLessThanOrEqual(SQS_POLICY.bytes);
    }
  });

  it("keeps every function's resource policy within Lambda's 20 KB, the refresher's with one rotation permission", () => {
    // THEN
    const policies = functionPolicies(templates);
    expect(policies.size).toBeGreaterThan(SETS_IN_BROKER_STACK);
    for (const [where, size] of policies)
      expect(size, where).toBeLessThanOrEqual(LAMBDA_FUNCTION_POLICY_BYTES);
    const refresherId = stack.getLogicalId(stack.broker.refresher.node.defaultChild as CfnElement);
    const onRefresher = templates.flatMap(({ template }) =>
      Object.values(template.Resources).filter(
        (resource) =>
          resource.Type === 'AWS::Lambda::Permission' &&
          JSON.stringify(resource.Properties.FunctionName).includes(refresherId),
      ),
    );
    expect(onRefresher).toHaveLength(1);
  });

  it("puts the refresher's per-set grants in managed policies, leaving its inline policy the same size for any number of sets", () => {
    // THEN
    const refresherRoleId = stack.getLogicalId(stack.broker.refresher.role?.node.defaultChild as CfnElement);
    const refresher = roles.find((role) => role.roleId === refresherRoleId) as RolePolicies;
    // Filled to IAM's size as deployed: 4 at the name budget (5,972, 5,932, 6,102 and 2,582
    // characters), where ten sets a policy took 5
    expect(refresher.managedPolicies).toBe(4);
    // The inline part holds no set: no secret, no item key
    const [root] = templates as [TemplateFile];
    const inline = Object.values(root.template.Resources).filter(
      (resource) =>
        resource.Type === 'AWS::IAM::Policy' &&
        JSON.stringify(resource.Properties.Roles).includes(JSON.stringify({ Ref: refresherRoleId })),
    );
    expect(JSON.stringify(inline)).not.toContain('secretsmanager:');
    expect(JSON.stringify(inline)).not.toContain('LeadingKeys');
    expect(JSON.stringify(inline)).not.toContain(NAMES[0]);
  });

  it('has no cdk-nag AwsSolutions finding in the broker stack or its nested stacks (the canaries have theirs)', () => {
    // THEN
    const { plugins, findings } = nagReport(outdir);
    expect(plugins).toContain('AwsSolutions');
    expect(String(synthError)).toMatch(/ValidationFailed/);
    expect(findings).toEqual([...CANARY_FINDINGS]);
  });
});

/** A distinct customer-managed key for set `index`. */
const keyArn = (index: number) =>
  `arn:aws-us-gov:kms:ap-southeast-4:123456789012:key/${String(index).padStart(8, '0')}-aaaa-bbbb-cccc-dddddddddddd`;

describe.each([
  [
    'a customer-managed key of its own for each set (32-character names)',
    NAMES.map((_, index) => {
      const name = `set-${String(index).padStart(2, '0')}-`.padEnd(32, 'x');
      return { name, secretName: `a55/token-broker/${name}`, secretKmsKeyArn: keyArn(index) };
    }),
    5,
  ],
  [
    'secretName values of 512 characters and a key for each set, at the name budget',
    NAMES.map((name, index) => ({
      name,
      secretName: `a55/${index}-`.padEnd(512, 'n'),
      secretKmsKeyArn: keyArn(index),
    })),
    10,
  ],
])("Deploy limits: the refresher's grants of 50 sets with %s", (_label, credentials, policies) => {
  let outdir: string;
  let stack: TokenBrokerStack;
  let refresher: RolePolicies;

  beforeAll(() => {
    // GIVEN 50 sets whose secrets the stack does not create, each named in its grant
    // WHEN the stack app is synthesized
    let templates: TemplateFile[];
    ({ outdir, stack, templates } = synthesizeStackApp('deploy-limits-grants-', { credentials }));
    const roleId = stack.getLogicalId(stack.broker.refresher.role?.node.defaultChild as CfnElement);
    refresher = rolePolicies(templates).find((role) => role.roleId === roleId) as RolePolicies;
  }, 120_000);

  afterAll(() => {
    if (outdir) rmSync(outdir, { recursive: true, force: true });
  });

  it(`keeps each grant policy within IAM's 6,144 characters, in ${policies} of the role's 10`, () => {
    // THEN: ten sets a policy, with a statement per key, passed 6,144 (the review measured
    // 6,482 with 32-character names and a key each, 6,712 with secretName values of 290)
    expect(refresher.managedCharacters).toHaveLength(policies);
    for (const size of refresher.managedCharacters) {
      expect(size).toBeLessThanOrEqual(IAM.managedPolicyCharacters);
    }
    expect(refresher.managedPolicies).toBeLessThanOrEqual(IAM.managedPoliciesPerRole);
  });

  it('names every key once, in one kms:Decrypt statement a policy', () => {
    // THEN
    const documents = stack.broker.node
      .findChild('RefresherSetGrants')
      .node.children.map(
        (policy) => stack.resolve((policy as iam.ManagedPolicy).document) as { Statement: Json[] },
      );
    const decrypts = documents.map((document) =>
      document.Statement.filter((statement) => statement.Action === 'kms:Decrypt'),
    );
    expect(decrypts.every((statements) => statements.length === 1)).toBe(true);
    const keys = decrypts.flat().flatMap((statement) => statement.Resource as string[]);
    expect(keys.sort()).toEqual(credentials.map((_, index) => keyArn(index)).sort());
  });
});
