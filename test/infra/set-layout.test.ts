/**
 * Where each set's resources live (docs/design.md, decision 42): the first
 * SETS_IN_BROKER_STACK sets in the broker's stack under the logical IDs they always had, a
 * later set's secret there too and the rest in a nested stack of its own, so appending a set
 * moves none and an upgraded broker of up to 16 sets replaces no secret, reader or alarm; a set
 * pinned with `nestedStack` stays where it is when an earlier set is removed (decision 47).
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { App, NestedStack, Stack } from 'aws-cdk-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadBrokerConfig } from '../../lib/config.js';
import { TokenBroker } from '../../lib/token-broker.js';
import { TokenBrokerStack } from '../../lib/token-broker-stack.js';
import { SETS_IN_BROKER_STACK, TokenBrokerConfigError } from '../../lib/validation.js';
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

// GIVEN a broker of 20 sets by position; the same with every set after the 16th pinned to
// its nested stack; and that one with set-3 then removed
const twenty = names(20);
const pinnedSets = twenty.map((set, index) =>
  index >= SETS_IN_BROKER_STACK ? { ...set, nestedStack: true } : set,
);
const layouts = {
  positional: twenty,
  pinned: pinnedSets,
  removed: pinnedSets.filter((set) => set.name !== 'set-3'),
};
const layoutStacks = Object.fromEntries(
  Object.entries(layouts).map(([key, credentials]) => {
    const stack = new Stack(app, `Layout-${key}`);
    return [key, { stack, broker: new TokenBroker(stack, 'Broker', { credentials, brokerName: 'broker' }) }];
  }),
) as Record<keyof typeof layouts, { stack: Stack; broker: TokenBroker }>;

let synthesized: Record<'full' | 'grown' | keyof typeof layouts, Synthesized>;

beforeAll(() => {
  // WHEN the app is synthesized once
  synthesized = synthesizeInPlace(app, {
    full: fullStack,
    grown: grownStack,
    positional: layoutStacks.positional.stack,
    pinned: layoutStacks.pinned.stack,
    removed: layoutStacks.removed.stack,
  });
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

  describe('a set pinned with nestedStack', () => {
    const ids = (key: keyof typeof layouts, name: string) => {
      const set = layoutStacks[key].broker.credentialSet(name);
      const synth = synthesized[key];
      return {
        stack: Stack.of(set.reader).node.path.replace(/^Layout-\w+/, '<stack>'),
        ids: [set.secret, set.reader, set.schedule, set.rotationRule, set.alarms.refreshFailed].map((c) =>
          synth.logicalId(c),
        ),
      };
    };

    it('pinning the sets after the 16th where they are changes nothing (a no-op deploy)', () => {
      // THEN: the broker's stack has the same resources, each set the same stack and IDs
      expect(Object.keys(synthesized.pinned.json.Resources).sort()).toEqual(
        Object.keys(synthesized.positional.json.Resources).sort(),
      );
      for (const { name } of twenty) expect(ids('pinned', name), name).toEqual(ids('positional', name));
    });

    it('then removing one of the first 16 moves no other set: same stack, same logical IDs', () => {
      // THEN: set-16 stays in its nested stack though it is now the 16th
      const remaining = layouts.removed.map((set) => set.name);
      expect(remaining).toHaveLength(19);
      for (const name of remaining) expect(ids('removed', name), name).toEqual(ids('positional', name));
      expect(Stack.of(layoutStacks.removed.broker.credentialSet('set-16').reader)).toBeInstanceOf(
        NestedStack,
      );
      synthesized.removed.template.resourceCountIs('AWS::CloudFormation::Stack', 4);
      synthesized.removed.template.resourceCountIs('AWS::Lambda::Url', SETS_IN_BROKER_STACK - 1);
    });

    it('keeps ReaderFunctionName<Name> for the sets in the broker stack, by where they are', () => {
      // GIVEN the stack app's stack with the pinned sets, set-3 removed
      const stack = new TokenBrokerStack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Outputs', {
        config: loadBrokerConfig({ credentials: layouts.removed }),
      });

      // THEN: set-15, the 15th now, has one; set-16, the 16th now but nested, none
      expect(stack.node.tryFindChild('ReaderFunctionNameSet15')).toBeDefined();
      expect(stack.node.tryFindChild('ReaderFunctionNameSet16')).toBeUndefined();
      expect(stack.node.tryFindChild('ReaderFunctionArnSet16')).toBeDefined();
    });

    it('without the pins, the same removal would pull set-16 into the broker stack', () => {
      // GIVEN / WHEN the positional layout with set-3 removed
      const stack = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Unpinned');
      const broker = new TokenBroker(stack, 'Broker', {
        credentials: twenty.filter((set) => set.name !== 'set-3'),
        brokerName: 'broker',
      });

      // THEN: what the pins prevent
      expect(Stack.of(broker.credentialSet('set-16').reader)).toBe(stack);
    });

    it.each([
      [
        'more than 16 in the broker stack, by props',
        () =>
          new TokenBroker(new Stack(new App(), 'Crowded'), 'Broker', {
            credentials: names(18).map((set) => ({ ...set, nestedStack: false })),
          }),
        /^Crowded\/Broker: credentials put 18 credential sets in the broker's stack \('set-0', .*'set-17'\); it takes at most 16, because of CloudFormation's 500 resources per stack: set nestedStack: true on a set that is new or already in a nested stack, or remove nestedStack: false from one$/,
      ],
      [
        'more than 16 in the broker stack, by cdk.json',
        () =>
          loadBrokerConfig({
            credentials: names(17).map((set, i) => (i === 16 ? { ...set, nestedStack: false } : set)),
          }),
        /^tokenBroker\.credentials put 17 credential sets in the broker's stack \('set-0', .*'set-16'\); it takes at most 16/,
      ],
      [
        'a nestedStack that is not a boolean',
        () => loadBrokerConfig({ credentials: [{ name: 'one', nestedStack: 'yes' }] }),
        /^tokenBroker\.credentials\[0\]\.nestedStack: 'yes' must be true \(a nested stack of its own\) or false \(the broker's stack\)$/,
      ],
    ])('fails synth naming the field and what to do: %s', (_label, create, message) => {
      // WHEN / THEN
      let error: unknown;
      try {
        create();
      } catch (thrown) {
        error = thrown;
      }
      expect(error).toBeInstanceOf(TokenBrokerConfigError);
      expect((error as Error).message).toMatch(message);
    });
  });
});
