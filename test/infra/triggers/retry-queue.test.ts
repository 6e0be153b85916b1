import type * as iam from 'aws-cdk-lib/aws-iam';
import { beforeAll, describe, expect, it } from 'vitest';
import { BROKER_FUNCTION_ENV } from '../../../contract/index.js';
import { loadBrokerConfig } from '../../../lib/config.js';
import { TokenBrokerStack } from '../../../lib/token-broker-stack.js';
import { RETRY_MAX_RECEIVE_COUNT } from '../../../lib/triggers/retry-queue.js';
import {
  arnOf,
  type Statement,
  type Synthesized,
  statementsOfRole,
  synthesize,
  testApp,
} from '../template.js';

const { app, outdir } = testApp('infra-retry-queue');

// GIVEN the deployable stack with two sets
const stack = new TokenBrokerStack(app, 'Retries', {
  config: loadBrokerConfig({ credentials: [{ name: 'sandbox' }, { name: 'production' }] }),
});
const { broker } = stack;

let synthesized: Synthesized;

beforeAll(() => {
  // WHEN the app is synthesized once
  ({ synthesized } = synthesize(app, outdir, { synthesized: stack }));
});

const actionsOf = (statement: Statement): string[] =>
  Array.isArray(statement.Action) ? statement.Action : [statement.Action];
const resourcesOf = (statement: Statement): unknown[] =>
  Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
const roleStatements = (role: iam.IRole | undefined) =>
  statementsOfRole(synthesized, synthesized.logicalId(role as iam.IRole));
const sqsStatements = (statements: Statement[]) =>
  statements.filter((statement) => actionsOf(statement).some((action) => action.startsWith('sqs:')));

describe('Construct: TokenBroker', () => {
  describe('retry queue (retryQueue)', () => {
    it('is encrypted (SSE-SQS), kept an hour, visible again soon after the refresher timeout, and dead-letters to the failure queue', () => {
      // THEN
      expect(synthesized.resource(broker.retryQueue).Properties).toEqual({
        SqsManagedSseEnabled: true,
        VisibilityTimeout: 90,
        MessageRetentionPeriod: 3600,
        RedrivePolicy: {
          deadLetterTargetArn: arnOf(synthesized, broker.failureQueue),
          maxReceiveCount: RETRY_MAX_RECEIVE_COUNT,
        },
      });
    });

    it("refuses every request that is not over TLS, every send but the refresher role's, and allows no principal by resource policy", () => {
      // THEN
      const policies = Object.values(synthesized.json.Resources).filter(
        (resource) =>
          resource.Type === 'AWS::SQS::QueuePolicy' &&
          JSON.stringify(resource.Properties.Queues).includes(synthesized.logicalId(broker.retryQueue)),
      );
      expect(policies).toHaveLength(1);
      const [policy] = policies;
      if (policy === undefined) throw new Error('the retry queue has no policy');
      const statements = (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement;
      expect(statements.map((statement) => statement.Effect)).toEqual(['Deny', 'Deny']);
      expect(statements[0]?.Condition).toEqual({ Bool: { 'aws:SecureTransport': 'false' } });
      // A retry message with a current ticket costs a token request: no one else may send one.
      expect(statements[1]).toMatchObject({
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 'sqs:SendMessage',
        Condition: {
          ArnNotEquals: { 'aws:PrincipalArn': arnOf(synthesized, broker.refresher.role as iam.IRole) },
        },
      });
    });

    it('feeds the refresher one message per invoke', () => {
      // THEN
      synthesized.template.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
      synthesized.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        BatchSize: 1,
        EventSourceArn: arnOf(synthesized, broker.retryQueue),
        FunctionName: { Ref: synthesized.logicalId(broker.refresher) },
      });
    });

    it('tells the refresher its URL', () => {
      // THEN
      const variables = (
        synthesized.resource(broker.refresher).Properties.Environment as {
          Variables: Record<string, unknown>;
        }
      ).Variables;
      expect(variables[BROKER_FUNCTION_ENV.retryQueueUrl]).toEqual({
        Ref: synthesized.logicalId(broker.retryQueue),
      });
    });
  });

  describe('what the retry queue must NOT allow', () => {
    it('lets the refresher send only to the retry queue and the failure queue, with no other queue write', () => {
      // THEN
      const statements = sqsStatements(roleStatements(broker.refresher.role));
      const send = statements.filter((statement) => actionsOf(statement).includes('sqs:SendMessage'));
      expect(send.flatMap(resourcesOf)).toEqual(
        expect.arrayContaining([
          arnOf(synthesized, broker.retryQueue),
          arnOf(synthesized, broker.failureQueue),
        ]),
      );
      expect(send.flatMap(resourcesOf)).toHaveLength(2);
      const actions = statements.flatMap(actionsOf);
      for (const forbidden of [
        'sqs:*',
        'sqs:PurgeQueue',
        'sqs:DeleteQueue',
        'sqs:SetQueueAttributes',
        'sqs:AddPermission',
        'sqs:CreateQueue',
      ]) {
        expect(actions).not.toContain(forbidden);
      }
      // Consuming (the event source mapping's calls) is on the retry queue alone, never the failure queue.
      const consume = statements.filter((statement) => actionsOf(statement).includes('sqs:ReceiveMessage'));
      expect(consume.flatMap(resourcesOf)).toEqual([arnOf(synthesized, broker.retryQueue)]);
      expect(consume.flatMap(actionsOf)).toEqual([
        'sqs:ReceiveMessage',
        'sqs:DeleteMessage',
        'sqs:GetQueueAttributes',
      ]);
      for (const statement of statements) expect(resourcesOf(statement)).not.toContain('*');
    });

    it('gives no reader any queue action and no scheduler the retry queue, so no caller can start or feed a retry chain', () => {
      // THEN
      for (const set of broker.credentialSets) {
        expect(sqsStatements(roleStatements(set.reader.role))).toEqual([]);
      }
      const retryQueueArn = JSON.stringify(arnOf(synthesized, broker.retryQueue));
      for (const statement of sqsStatements(roleStatements(broker.schedulerRole))) {
        expect(JSON.stringify(statement.Resource)).not.toContain(retryQueueArn);
      }
    });

    it('leaves the readers no write to the retry lease (only refreshRequestedAt)', () => {
      // THEN
      for (const set of broker.credentialSets) {
        const updates = roleStatements(set.reader.role).filter((statement) =>
          actionsOf(statement).includes('dynamodb:UpdateItem'),
        );
        expect(updates.length).toBeGreaterThan(0);
        for (const statement of updates) {
          const text = JSON.stringify(statement.Condition);
          expect(text).toContain('refreshRequestedAt');
          expect(text).not.toContain('retryDueAt');
        }
      }
    });
  });
});
