/**
 * Reading a synthesized cloud assembly: the stack template, its Lambda functions with
 * their bundled code assets, and their environment variables with the CloudFormation
 * references resolved to local stand-ins. Shared by the integration tests (which import
 * the bundles, see test/support/bundled-handler.ts) and the benchmarks (bench/assembly.ts);
 * it lives in tools/, dev tooling that is never shipped, because bench/ must not import
 * test files.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BROKER_FUNCTION_ENV, SERVICE } from '../contract/index.js';

/** A Lambda function as the template describes it. */
export interface SynthesizedFunction {
  readonly logicalId: string;
  /** Folder of the bundle inside the assembly (`asset.<hash>`). */
  readonly assetPath: string;
  /** e.g. `index.handler`. */
  readonly handler: string;
  readonly runtime: string;
  readonly timeoutSeconds: number;
  /** Environment variables, still holding CloudFormation intrinsics. */
  readonly environment: Record<string, unknown>;
}

interface TemplateResource {
  readonly Type: string;
  // biome-ignore lint/suspicious/noExplicitAny: CloudFormation properties are free-form JSON.
  readonly Properties?: any;
  readonly Metadata?: Record<string, unknown>;
}

/** A CloudFormation template, as much of it as the tests and benchmarks read. */
export interface Template {
  readonly Resources: Record<string, TemplateResource>;
}

/** Reads the stack template from a synthesized assembly folder. */
export function readTemplate(outdir: string, stackName: string): Template {
  return JSON.parse(readFileSync(join(outdir, `${stackName}.template.json`), 'utf8')) as Template;
}

/** The Lambda functions of a template that carry a bundled code asset. */
export function synthesizedFunctions(template: Template): SynthesizedFunction[] {
  return Object.entries(template.Resources)
    .filter(
      ([, resource]) => resource.Type === 'AWS::Lambda::Function' && resource.Metadata?.['aws:asset:path'],
    )
    .map(([logicalId, resource]) => ({
      logicalId,
      assetPath: String(resource.Metadata?.['aws:asset:path']),
      handler: String(resource.Properties.Handler),
      runtime: String(resource.Properties.Runtime),
      timeoutSeconds: Number(resource.Properties.Timeout ?? 3),
      environment: resource.Properties.Environment?.Variables ?? {},
    }));
}

/**
 * The refresher: the one function of the refresher's service (its sets are in its asset's
 * `refresher-config.json`, not its environment).
 */
export function refresherFunction(functions: readonly SynthesizedFunction[]): SynthesizedFunction {
  const found = functions.filter((fn) => fn.environment.POWERTOOLS_SERVICE_NAME === SERVICE.refresher);
  if (found.length !== 1 || found[0] === undefined) {
    throw new Error(`expected one refresher in the template, found ${found.length}`);
  }
  return found[0];
}

/**
 * The reader of credential set `credential`: each set has its own reader, whose
 * `CREDENTIAL_NAMES` is that one name.
 * @throws Error naming the sets the template has readers for.
 */
export function readerFunction(
  functions: readonly SynthesizedFunction[],
  credential: string,
): SynthesizedFunction {
  const readers = functions.filter((fn) => BROKER_FUNCTION_ENV.credentialNames in fn.environment);
  const found = readers.find((fn) => fn.environment[BROKER_FUNCTION_ENV.credentialNames] === credential);
  if (found === undefined) {
    const served = readers.map((fn) => String(fn.environment[BROKER_FUNCTION_ENV.credentialNames]));
    throw new Error(
      `no reader of credential set '${credential}' in the template (readers of: ${served.join(', ')})`,
    );
  }
  return found;
}

/**
 * The template's Parameter Store parameters (`AWS::SSM::Parameter`: the refresher's
 * deploy-time set fields, lib/refresher-config.ts), name -> value, with intrinsics
 * resolved through `refs` as the environment's are: what a stand-in must serve.
 */
export function synthesizedParameters(template: Template, refs: Record<string, string>): Map<string, string> {
  return new Map(
    Object.values(template.Resources)
      .filter((resource) => resource.Type === 'AWS::SSM::Parameter')
      .map((resource) => [
        resolveIntrinsics(resource.Properties.Name, refs),
        resolveIntrinsics(resource.Properties.Value, refs),
      ]),
  );
}

/** Logical IDs of the template's resources of `type`. */
export function logicalIdsOfType(template: Template, type: string): string[] {
  return Object.entries(template.Resources)
    .filter(([, resource]) => resource.Type === type)
    .map(([logicalId]) => logicalId);
}

const PSEUDO_PARAMETERS: Record<string, string> = {
  'AWS::Region': 'us-east-1',
  'AWS::AccountId': '111122223333',
  'AWS::Partition': 'aws',
  'AWS::URLSuffix': 'amazonaws.com',
  'AWS::StackName': 'a55-token-broker-local',
};

/**
 * Resolves the intrinsics that appear in the broker's environment variables: `Ref` and
 * `Fn::GetAtt` through `refs` (logical ID, or `ID.Attribute`, -> local value),
 * `Fn::Join`, and the pseudo parameters. Anything else fails loudly: a new intrinsic
 * must be handled on purpose.
 */
export function resolveIntrinsics(value: unknown, refs: Record<string, string>): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  if (value && typeof value === 'object') {
    const [entry] = Object.entries(value);
    const [key, arg] = entry ?? [];
    if (key === 'Ref' && typeof arg === 'string') {
      const resolved = refs[arg] ?? PSEUDO_PARAMETERS[arg];
      if (resolved === undefined) throw new Error(`no local value for Ref ${arg}`);
      return resolved;
    }
    if (key === 'Fn::GetAtt' && Array.isArray(arg)) {
      const resolved = refs[`${arg[0]}.${arg[1]}`] ?? refs[String(arg[0])];
      if (resolved === undefined) throw new Error(`no local value for Fn::GetAtt ${arg.join('.')}`);
      return resolved;
    }
    if (key === 'Fn::Join' && Array.isArray(arg)) {
      const [separator, parts] = arg as [string, unknown[]];
      return parts.map((part) => resolveIntrinsics(part, refs)).join(separator);
    }
  }
  throw new Error(`unsupported intrinsic in environment: ${JSON.stringify(value)}`);
}

/** A function's environment variables with every intrinsic resolved through `refs` (see {@link resolveIntrinsics}). */
export function resolveEnvironment(
  fn: SynthesizedFunction,
  refs: Record<string, string>,
): Record<string, string> {
  return Object.fromEntries(
    Object.entries(fn.environment).map(([name, value]) => [name, resolveIntrinsics(value, refs)]),
  );
}

/**
 * Where a function's bundle is inside the assembly: `Handler` `index.handler` names the
 * file `index.mjs` of its asset folder (NodejsFunction writes ESM bundles as .mjs) and
 * the export `handler`.
 */
export function bundledHandlerFile(
  outdir: string,
  fn: SynthesizedFunction,
): { file: string; exportName: string } {
  const [file, exportName] = fn.handler.split('.') as [string, string];
  return { file: join(outdir, fn.assetPath, `${file}.mjs`), exportName };
}
