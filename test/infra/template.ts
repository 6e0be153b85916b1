/**
 * Helpers shared by the infra suites: synthesize an app once and look resources up by the
 * construct that made them, and render CloudFormation intrinsics in JSON built from tokens.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { type App, App as AppClass, CfnElement, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';

export type Json = Record<string, unknown>;

/** A resource of a synthesized template. */
export interface Resource {
  readonly Type: string;
  readonly Properties: Json;
  readonly DependsOn?: string[];
  readonly Metadata?: Json;
}

/** One synthesized stack: its template, and the logical id of any of its constructs. */
export interface Synthesized {
  readonly template: Template;
  readonly json: { Resources: Record<string, Resource>; Outputs?: Record<string, Json> } & Json;
  logicalId(construct: IConstruct): string;
  resource(construct: IConstruct): Resource;
}

/**
 * Synthesizes `app` into a fresh `outdir` and returns each of `stacks`. A broker whose
 * refresher asset is staged in the app's outdir (when it is `outdir`) must use
 * {@link synthesizeInPlace}: this removes the staged copy before synth.
 */
export function synthesize<K extends string>(
  app: App,
  outdir: string,
  stacks: Record<K, Stack>,
): Record<K, Synthesized> {
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  return synthesizeInPlace(app, stacks);
}

/** Synthesizes `app` into its outdir as it is and returns each of `stacks`. */
export function synthesizeInPlace<K extends string>(
  app: App,
  stacks: Record<K, Stack>,
): Record<K, Synthesized> {
  const assembly = app.synth();
  const load = (stack: Stack): Synthesized => {
    const json = assembly.getStackByName(stack.stackName).template;
    const logicalId = (construct: IConstruct): string => {
      const element = CfnElement.isCfnElement(construct) ? construct : construct.node.defaultChild;
      return stack.resolve((element as CfnElement).logicalId) as string;
    };
    return {
      template: Template.fromJSON(json),
      json,
      logicalId,
      resource: (construct) => {
        const resource = json.Resources[logicalId(construct)];
        if (!resource) throw new Error(`no resource for ${construct.node.path}`);
        return resource;
      },
    };
  };
  return Object.fromEntries(
    Object.entries<Stack>(stacks).map(([key, stack]) => [key, load(stack)]),
  ) as Record<K, Synthesized>;
}

/**
 * Renders a value built from tokens as text: `Fn::Join` joined, `Ref` as `<LogicalId>`,
 * `Fn::GetAtt` as `<LogicalId.Attribute>`, pseudo parameters as `<AWS::Region>`.
 */
export function render(value: unknown): string {
  if (typeof value === 'string') return value;
  const join = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (join) return join[1].map(render).join(join[0]);
  const ref = (value as { Ref?: string }).Ref;
  if (ref) return `<${ref}>`;
  const getAtt = (value as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'];
  if (getAtt) return `<${getAtt[0]}.${getAtt[1]}>`;
  throw new Error(`cannot render ${JSON.stringify(value)}`);
}

/** `{ 'Fn::GetAtt': [id, 'Arn'] }` of a construct. */
export const arnOf = (stack: Synthesized, construct: IConstruct) => ({
  'Fn::GetAtt': [stack.logicalId(construct), 'Arn'],
});

/** An IAM policy statement as synthesized. */
export interface Statement {
  readonly Sid?: string;
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Principal?: unknown;
  readonly Condition?: Json;
}

/**
 * All statements attached to the role with logical id `roleId`: inline, separate
 * (`AWS::IAM::Policy`) and the stack's managed policies that name it in `Roles`.
 */
export function statementsOfRole(stack: Synthesized, roleId: string): Statement[] {
  const role = stack.json.Resources[roleId];
  if (role?.Type !== 'AWS::IAM::Role') throw new Error(`${roleId} is not a role`);
  const inline = (role.Properties.Policies as { PolicyDocument: { Statement: Statement[] } }[]) ?? [];
  const attached = Object.values(stack.json.Resources)
    .filter((resource) => resource.Type === 'AWS::IAM::Policy' || resource.Type === 'AWS::IAM::ManagedPolicy')
    .filter((resource) => JSON.stringify(resource.Properties.Roles).includes(JSON.stringify({ Ref: roleId })))
    .map((resource) => resource.Properties.PolicyDocument as { Statement: Statement[] });
  return [...inline.map((policy) => policy.PolicyDocument), ...attached].flatMap(
    (document) => document.Statement,
  );
}

/**
 * An app for one infra suite, written to `.test-out/<name>`. Bundling is skipped (no code
 * runs here) and so is the built-in template validation (~3 s; nag.test.ts keeps it on).
 */
export function testApp(name: string): { app: App; outdir: string } {
  const outdir = join(import.meta.dirname, '..', '..', '.test-out', name);
  const app = new AppClass({
    outdir,
    context: { 'aws:cdk:bundling-stacks': [] },
    builtinCloudFormationValidation: false,
  });
  return { app, outdir };
}
