/**
 * The refresher's per-set grant policies (lib/refresher-grants.ts; docs/design.md, decision
 * 43): filled up to IAM's 6,144 characters as deployed, with properties that a change of the
 * set list does not replace (Description and ManagedPolicyName are immutable: a replaced
 * policy is created before the old one goes, so replacing them all at once would briefly
 * double the role's managed policies), and a synth-time error when a role could not take
 * them all.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { App, CfnParameter, Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { beforeAll, describe, expect, it } from 'vitest';
import { TokenBroker } from '../../lib/token-broker.js';
import { TokenBrokerConfigError } from '../../lib/validation.js';
import { type Json, type Synthesized, synthesizeInPlace } from './template.js';

const OUTDIR = join(import.meta.dirname, '..', '..', '.test-out', 'infra-refresher-grants');
rmSync(OUTDIR, { recursive: true, force: true });
mkdirSync(OUTDIR, { recursive: true });
const app = new App({ outdir: OUTDIR, context: { 'aws:cdk:bundling-stacks': [] } });

/** Set `index`: a secret of a 400-character name, so a policy holds only a few sets. */
const set = (index: number) => ({
  name: `set-${String(index).padStart(2, '0')}`,
  secretName: `a55/set-${index}-`.padEnd(400, 'n'),
});
const sets = (count: number) => Array.from({ length: count }, (_, index) => set(index));

// GIVEN the same broker with 12 sets, with a 13th appended, and with set-01 removed
const stacks = {
  base: new Stack(app, 'Base'),
  appended: new Stack(app, 'Appended'),
  removed: new Stack(app, 'Removed'),
};
const credentials = {
  base: sets(12),
  appended: sets(13),
  removed: sets(12).filter((_, index) => index !== 1),
};
for (const key of ['base', 'appended', 'removed'] as const) {
  new TokenBroker(stacks[key], 'Broker', { credentials: credentials[key], brokerName: 'broker' });
}

let synthesized: Record<keyof typeof stacks, Synthesized>;

beforeAll(() => {
  // WHEN the app is synthesized once
  synthesized = synthesizeInPlace(app, stacks);
});

/** The stack's managed policies by logical ID. */
function policies(stack: Synthesized): Record<string, Json> {
  return Object.fromEntries(
    Object.entries(stack.template.findResources('AWS::IAM::ManagedPolicy')).map(([id, resource]) => [
      id,
      resource.Properties as Json,
    ]),
  );
}

describe('Function: grantRefresherSets', () => {
  it('fills each policy as far as it goes, then starts the next', () => {
    // THEN: several policies, each under IAM's size (deploy-limits.test.ts counts them as
    // deployed), and the 12 sets' secrets each named once
    const base = Object.values(policies(synthesized.base));
    expect(base.length).toBeGreaterThan(1);
    const secrets = base.flatMap((policy) =>
      (policy.PolicyDocument as { Statement: { Action: string; Resource: unknown }[] }).Statement.filter(
        (statement) => statement.Action === 'secretsmanager:GetSecretValue',
      ).flatMap((statement) => statement.Resource as unknown[]),
    );
    expect(secrets).toHaveLength(12);
  });

  it.each([
    ['appended', 'adds at most one policy and changes none of the others'],
    ['removed', 'changes only documents, so nothing is replaced'],
  ] as const)('with a set %s, %s: the same Description and no ManagedPolicyName', (key, _what) => {
    // THEN
    const before = policies(synthesized.base);
    const after = policies(synthesized[key]);
    const shared = Object.keys(after).filter((id) => id in before);
    expect(shared.length).toBeGreaterThan(1);
    for (const id of shared) {
      expect(after[id]?.Description, id).toBe(before[id]?.Description);
      expect(after[id]?.ManagedPolicyName, id).toBeUndefined();
      expect(String(after[id]?.Description), id).not.toMatch(/set-\d/);
    }
    if (key === 'appended') {
      // Every policy of the 12 sets is still there, all but the last one unchanged
      expect(Object.keys(before).every((id) => id in after)).toBe(true);
      const ids = Object.keys(before);
      for (const id of ids.slice(0, -1)) expect(after[id], id).toEqual(before[id]);
    } else {
      expect(Object.keys(after).every((id) => id in before)).toBe(true);
    }
  });

  it('throws at synth, naming the broker, when a role could not take every grant policy', () => {
    // GIVEN 50 sets whose secrets and keys come from stack parameters: values whose length
    // is unknown at synth, each counted as the longest ARN a grant names
    const stack = new Stack(new App(), 'Opaque');
    const credentialsOfParameters = Array.from({ length: 50 }, (_, index) => {
      const arn = new CfnParameter(stack, `Secret${index}`).valueAsString;
      const keyArn = new CfnParameter(stack, `Key${index}`).valueAsString;
      return {
        name: `set-${index}`,
        secret: secretsmanager.Secret.fromSecretAttributes(stack, `Imported${index}`, {
          secretCompleteArn: arn,
          encryptionKey: kms.Key.fromKeyArn(stack, `ImportedKey${index}`, keyArn),
        }),
      };
    });

    // WHEN / THEN
    let error: unknown;
    try {
      new TokenBroker(stack, 'Broker', { credentials: credentialsOfParameters });
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(TokenBrokerConfigError);
    expect((error as Error).message).toMatch(
      /^Opaque\/Broker: the refresher's grants for these 50 credential sets need \d+ managed policies of 6144 characters, and its role takes 10 \(the broker attaches no other\): use shorter secretName values, one shared secretKmsKeyArn, or split the sets between two brokers$/,
    );
  });
});
