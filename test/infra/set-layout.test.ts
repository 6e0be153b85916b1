/**
 * Where each set's resources live (docs/design.md, decision 42): the first
 * SETS_IN_BROKER_STACK sets in the broker's stack under the logical IDs they always had, a
 * later set's secret there too and the rest in a nested stack of its own, so appending a set
 * moves none and an upgraded broker of up to 16 sets replaces no secret, reader or alarm.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { App, NestedStack, Stack } from 'aws-cdk-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import { TokenBroker } from '../../lib/token-broker.js';
import { SETS_IN_BROKER_STACK } from '../../lib/validation.js';
import { type Synthesized, synthesizeInPlace } from './template.js';

const OUTDIR = join(import.meta.dirname, '..', '..', '.test-out', 'infra-set-layout');
rmSync(OUTDIR, { recursive: true, force: true });
mkdirSync(OUTDIR, { recursive: true });
const app = new App({ outdir: OUTDIR, context: { 'aws:cdk:bundling-stacks': [] } });
const names = (count: number) => Array.from({ length: count }, (_, index) => ({ name: `set-${index}` }));

// GIVEN the same broker with as many sets as stay in its stack, and with one more
const fullStack = new Stack(app, 'Full');
const full = new TokenBroker(fullStack, 'Broker', { credentials: names(SETS_IN_BROKER_STACK) });
const grownStack = new Stack(app, 'Grown');
const grown = new TokenBroker(grownStack, 'Broker', { credentials: names(SETS_IN_BROKER_STACK + 1) });

let synthesized: Record<'full' | 'grown', Synthesized>;

beforeAll(() => {
  // WHEN the app is synthesized once
  synthesized = synthesizeInPlace(app, { full: fullStack, grown: grownStack });
});

describe('Construct: TokenBroker, where the sets live', () => {
  it('keeps every resource of the first sets in its own stack, with no nested stack', () => {
    // THEN
    synthesized.full.template.resourceCountIs('AWS::CloudFormation::Stack', 0);
    synthesized.full.template.resourceCountIs('AWS::Lambda::Url', SETS_IN_BROKER_STACK);
    for (const set of full.credentialSets) expect(Stack.of(set.reader)).toBe(fullStack);
  });

  it('gives the first sets the same logical IDs whether or not a set is appended', () => {
    // THEN: secret, reader, schedule, rotation rule, deploy refresh and alarms of each set
    for (const [index, set] of full.credentialSets.entries()) {
      const after = grown.credentialSets[index];
      const ids = (synth: Synthesized, s: typeof set) =>
        [s.secret, s.reader, s.readerLogGroup, s.schedule, s.rotationRule, s.alarms.refreshFailed].map((c) =>
          synth.logicalId(c),
        );
      expect(after && ids(synthesized.grown, after)).toEqual(ids(synthesized.full, set));
      expect(ids(synthesized.full, set)[0]).toMatch(
        new RegExp(`^BrokerCredentialSets${set.name.replace('-', '')}Secret`),
      );
    }
  });

  it("puts the appended set in a nested stack of its own, its secret in the broker's stack", () => {
    // THEN
    const last = grown.credentialSet(`set-${SETS_IN_BROKER_STACK}`);
    const nested = Stack.of(last.reader);
    expect(nested).toBeInstanceOf(NestedStack);
    expect(nested.node.path).toBe(`Grown/Broker/CredentialSets/set-${SETS_IN_BROKER_STACK}/Resources`);
    for (const construct of [
      last.schedule,
      last.rotationRule,
      last.deployRefresh,
      last.alarms.secretRejected,
    ]) {
      expect(Stack.of(construct)).toBe(nested);
    }
    expect(Stack.of(last.secret)).toBe(grownStack);
    synthesized.grown.template.resourceCountIs('AWS::CloudFormation::Stack', 1);
    synthesized.grown.template.resourceCountIs('AWS::SecretsManager::Secret', SETS_IN_BROKER_STACK + 1);
  });
});
