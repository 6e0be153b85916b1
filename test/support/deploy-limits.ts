/**
 * The deploy limits a synthesized broker must stay within, read from its templates: the
 * CloudFormation quotas of every template (the stack's and its nested stacks'), Lambda's
 * environment bound, and IAM's policy sizes counted on the policies as they will be once
 * deployed (each reference at the longest its resource's name or ARN can be), for the
 * tests that synthesize the most credential sets a broker takes; and that synthesis itself,
 * the stack app as `cdk deploy` runs it (cdk-nag registered), beside a canary stack.
 */
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { NestedStack, Stack } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { createBrokerApp } from '../../lib/broker-app.js';
import {
  IAM_ROLE_QUOTAS,
  deployedCharactersAtMost as libDeployedCharactersAtMost,
} from '../../lib/policy-size.js';
import type { TokenBrokerStack } from '../../lib/token-broker-stack.js';
import { logicalIdsOfType, type Template } from '../../tools/synthesized-handlers.js';

/** CloudFormation's quotas per template (stack or nested stack). */
export const CLOUDFORMATION = {
  resources: 500,
  outputs: 200,
  parameters: 200,
  /** A template body given as an S3 URL, which is how CDK deploys (and nests) templates. */
  templateBytes: 1_000_000,
} as const;

/** SQS's quotas on a queue policy. */
export const SQS_POLICY = { statements: 20, bytes: 8192 } as const;

/** Lambda's quota on a function's resource-based policy (every permission together). */
export const LAMBDA_FUNCTION_POLICY_BYTES = 20_480;

/** IAM's default quotas per role (one home: lib/policy-size.ts). */
export const IAM = IAM_ROLE_QUOTAS;

/** Lambda's limit on a function's environment: every key and value together. */
export const LAMBDA_ENVIRONMENT_BYTES = 4096;

/** A template as the limits need it: its resources, outputs and parameters. */
export type FullTemplate = Template & {
  readonly Outputs?: Record<string, unknown>;
  readonly Parameters?: Record<string, unknown>;
};

/** One synthesized template file of an assembly. */
export interface TemplateFile {
  /** The file name inside the assembly. */
  readonly file: string;
  readonly bytes: number;
  readonly template: FullTemplate;
  /** A nested stack's parameters as its parent passes them (name -> the parent's expression). */
  readonly parameters?: Record<string, unknown>;
}

/**
 * The stack's template and those of its nested stacks (found through each
 * `AWS::CloudFormation::Stack`'s `aws:asset:path`, which needs
 * `aws:cdk:enable-asset-metadata`), the stack's first.
 */
export function stackTemplates(outdir: string, stackName: string): TemplateFile[] {
  const read = (file: string): TemplateFile => ({
    file,
    bytes: statSync(join(outdir, file)).size,
    template: JSON.parse(readFileSync(join(outdir, file), 'utf8')) as FullTemplate,
  });
  const root = read(`${stackName}.template.json`);
  const nested = logicalIdsOfType(root.template, 'AWS::CloudFormation::Stack').map((id) => {
    const resource = root.template.Resources[id];
    const path = resource?.Metadata?.['aws:asset:path'];
    if (typeof path !== 'string') throw new Error(`nested stack ${id} has no aws:asset:path`);
    return { ...read(path), parameters: resource?.Properties?.Parameters ?? {} };
  });
  return [root, ...nested];
}

/**
 * The most characters `value` (JSON with intrinsics) of `template` can have once deployed:
 * {@link libDeployedCharactersAtMost}, a reference's type read from the template.
 */
export function deployedCharactersAtMost(value: unknown, template: Template): number {
  return libDeployedCharactersAtMost(value, (logicalId) => template.Resources[logicalId]?.Type);
}

/** A role's policies, sized as deployed. */
export interface RolePolicies {
  readonly template: string;
  readonly roleId: string;
  /** All its inline policies together: the role's own and each AWS::IAM::Policy naming it. */
  readonly inlineCharacters: number;
  /** Each customer-managed policy of the template that names it in `Roles`. */
  readonly managedCharacters: number[];
  /** Its managed policies: those attached by the template's policies and its `ManagedPolicyArns`. */
  readonly managedPolicies: number;
}

/**
 * The policies of `type` attached to the role `roleId` of `owner`: those of `owner` that
 * name it, and those of a nested stack that name a parameter the stack passes it as.
 */
function policiesOf(
  templates: readonly TemplateFile[],
  owner: TemplateFile,
  roleId: string,
  type: string,
): { document: unknown; template: Template }[] {
  const direct = JSON.stringify({ Ref: roleId });
  return templates.flatMap((candidate) => {
    let names: string[] = [];
    if (candidate === owner) names = [direct];
    else if (owner === templates[0]) {
      names = Object.entries(candidate.parameters ?? {})
        .filter(([, value]) => JSON.stringify(value) === direct)
        .map(([name]) => JSON.stringify({ Ref: name }));
    }
    return Object.values(candidate.template.Resources)
      .filter((resource) => resource.Type === type)
      .filter((resource) =>
        names.some((name) => JSON.stringify(resource.Properties?.Roles ?? []).includes(name)),
      )
      .map((resource) => ({ document: resource.Properties.PolicyDocument, template: candidate.template }));
  });
}

/**
 * Every role of every template with the size of its policies at their longest, counting
 * the policies nested stacks attach to a role of the stack (a parameter standing for it).
 */
export function rolePolicies(templates: readonly TemplateFile[]): RolePolicies[] {
  return templates.flatMap((owner) =>
    logicalIdsOfType(owner.template, 'AWS::IAM::Role').map((roleId) => {
      const role = owner.template.Resources[roleId]?.Properties ?? {};
      const size = ({ document, template }: { document: unknown; template: Template }) =>
        deployedCharactersAtMost(document, template);
      const inline = [
        ...((role.Policies ?? []) as { PolicyDocument: unknown }[]).map((policy) => ({
          document: policy.PolicyDocument,
          template: owner.template,
        })),
        ...policiesOf(templates, owner, roleId, 'AWS::IAM::Policy'),
      ];
      const managed = policiesOf(templates, owner, roleId, 'AWS::IAM::ManagedPolicy').map(size);
      return {
        template: owner.file,
        roleId,
        inlineCharacters: inline.reduce<number>((sum, policy) => sum + size(policy), 0),
        managedCharacters: managed,
        managedPolicies: managed.length + ((role.ManagedPolicyArns ?? []) as unknown[]).length,
      };
    }),
  );
}

/** A queue policy, sized as deployed. */
export interface QueuePolicySize {
  readonly where: string;
  readonly statements: number;
  readonly characters: number;
}

/** Every SQS queue policy of every template. */
export function queuePolicies(templates: readonly TemplateFile[]): QueuePolicySize[] {
  return templates.flatMap(({ file, template }) =>
    logicalIdsOfType(template, 'AWS::SQS::QueuePolicy').map((id) => {
      const document = template.Resources[id]?.Properties.PolicyDocument as { Statement: unknown[] };
      return {
        where: `${file} ${id}`,
        statements: document.Statement.length,
        characters: deployedCharactersAtMost(document, template),
      };
    }),
  );
}

/** `arn:aws-us-gov:lambda:ap-southeast-4:123456789012:function:` and a 64-character name. */
const FUNCTION_ARN_AT_MOST = 'arn:aws-us-gov:lambda:ap-southeast-4:123456789012:function:'.length + 64;

/**
 * Each function's resource-based policy at its longest, keyed `<template> <function>`: one
 * statement per `AWS::Lambda::Permission` on it, in its template or, through a parameter,
 * in a nested stack's. A statement is its id (at most 100 characters), the principal, the
 * action, the function's ARN and the permission's conditions.
 */
export function functionPolicies(templates: readonly TemplateFile[]): Map<string, number> {
  const [root] = templates;
  const sizes = new Map<string, number>();
  for (const candidate of templates) {
    for (const id of logicalIdsOfType(candidate.template, 'AWS::Lambda::Permission')) {
      const permission = candidate.template.Resources[id]?.Properties;
      const parameter = (permission.FunctionName as { Ref?: string }).Ref;
      const passed = parameter === undefined ? undefined : candidate.parameters?.[parameter];
      const owner = passed === undefined || root === undefined ? candidate : root;
      const key = `${owner.file} ${JSON.stringify(passed ?? permission.FunctionName)}`;
      const conditions = {
        ...(permission.SourceArn === undefined ? {} : { ArnLike: { 'AWS:SourceArn': permission.SourceArn } }),
        StringEquals: {
          ...(permission.SourceAccount === undefined
            ? {}
            : { 'AWS:SourceAccount': permission.SourceAccount }),
          ...(permission.PrincipalOrgID === undefined
            ? {}
            : { 'aws:PrincipalOrgID': permission.PrincipalOrgID }),
          ...(permission.FunctionUrlAuthType === undefined
            ? {}
            : { 'lambda:FunctionUrlAuthType': permission.FunctionUrlAuthType }),
        },
      };
      const statement = {
        Sid: 'x'.repeat(100),
        Effect: 'Allow',
        Principal: { Service: permission.Principal },
        Action: permission.Action,
        Resource: 'x'.repeat(FUNCTION_ARN_AT_MOST),
        Condition: conditions,
      };
      const document = '{"Version":"2012-10-17","Id":"default","Statement":[]}'.length;
      sizes.set(
        key,
        (sizes.get(key) ?? document) + deployedCharactersAtMost(statement, candidate.template) + 1,
      );
    }
  }
  return sizes;
}

/** A stack with one known cdk-nag finding at its top and one in a nested stack. */
export const CANARY_STACK = 'NagCanary';

/** The canary stack's findings: an empty report cannot mean "cdk-nag did not run", nor skipped nested stacks. */
export const CANARY_FINDINGS = [
  `AwsSolutions-SMG4 ${CANARY_STACK}/Nested/UnrotatedSecret/Resource`,
  `AwsSolutions-SMG4 ${CANARY_STACK}/UnrotatedSecret/Resource`,
] as const;

/** The stack app as synthesized by {@link synthesizeStackApp}. */
export interface SynthesizedStackApp {
  /** The assembly folder, inside the project (`.test-out/<prefix>...`); the caller removes it. */
  readonly outdir: string;
  readonly stack: TokenBrokerStack;
  /** The broker stack's template and its nested stacks'. */
  readonly templates: TemplateFile[];
  /** What synth threw: the canary's findings fail it after the report is written. */
  readonly synthError: unknown;
}

/**
 * Synthesizes the stack app for the `tokenBroker` configuration as `cdk deploy` would
 * (cdk-nag registered, asset metadata on), beside {@link CANARY_STACK}.
 */
export function synthesizeStackApp(
  prefix: string,
  tokenBroker: Record<string, unknown>,
): SynthesizedStackApp {
  const outdir = mkdtempSync(join(process.cwd(), '.test-out', prefix));
  const broker = createBrokerApp(
    { outdir, context: { 'aws:cdk:enable-asset-metadata': true, tokenBroker } },
    {},
  );
  const canary = new Stack(broker.app, CANARY_STACK);
  new secretsmanager.Secret(canary, 'UnrotatedSecret');
  new secretsmanager.Secret(new NestedStack(canary, 'Nested'), 'UnrotatedSecret');
  let synthError: unknown;
  try {
    broker.app.synth();
  } catch (error) {
    synthError = error;
  }
  return {
    outdir,
    stack: broker.stack,
    templates: stackTemplates(outdir, broker.stack.stackName),
    synthError,
  };
}

interface ValidationReport {
  readonly pluginReports: {
    readonly pluginName: string;
    readonly violations: {
      readonly ruleName: string;
      readonly violatingConstructs: { constructPath: string }[];
    }[];
  }[];
}

/** The plugins of the assembly's validation report and its findings as `<rule> <construct path>`, sorted. */
export function nagReport(outdir: string): { plugins: string[]; findings: string[] } {
  const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as ValidationReport;
  return {
    plugins: report.pluginReports.map((plugin) => plugin.pluginName),
    findings: report.pluginReports
      .flatMap((plugin) =>
        plugin.violations.flatMap((violation) =>
          violation.violatingConstructs.map(
            (construct) => `${violation.ruleName} ${construct.constructPath}`,
          ),
        ),
      )
      .sort(),
  };
}
