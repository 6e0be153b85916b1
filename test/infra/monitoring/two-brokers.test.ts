/**
 * Two brokers in one account and region, with the same credential set names, never share
 * a metric or an alarm (issue #13 item 6): every metric the functions emit carries their
 * broker's name (BROKER_NAME, the `broker` dimension), and every metric the alarms and the
 * dashboard read carries the same one.
 */
import { Stack } from 'aws-cdk-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import { BROKER_FUNCTION_ENV } from '../../../contract/index.js';
import { DEFAULT_BROKER_CONFIG } from '../../../lib/config.js';
import { TokenBroker } from '../../../lib/token-broker.js';
import { TokenBrokerStack } from '../../../lib/token-broker-stack.js';
import { type Json, render, type Synthesized, synthesize, testApp } from '../template.js';

const ENV = { account: '111122223333', region: 'us-east-1' };
const { app, outdir } = testApp('infra-two-brokers');

// GIVEN two stacks of the default configuration (one set, `default`) in the same account and region
const payments = new TokenBrokerStack(app, 'PaymentsBroker', { config: DEFAULT_BROKER_CONFIG, env: ENV });
const billing = new TokenBrokerStack(app, 'BillingBroker', { config: DEFAULT_BROKER_CONFIG, env: ENV });
// GIVEN one more stack holding two brokers with the same set names, named apart by brokerName
const shared = new Stack(app, 'Shared', { env: ENV });
const blue = new TokenBroker(shared, 'Blue', { credentials: [{ name: 'default' }], brokerName: 'blue' });
const green = new TokenBroker(shared, 'Green', { credentials: [{ name: 'default' }], brokerName: 'green' });

let synthesized: Record<'payments' | 'billing' | 'shared', Synthesized>;

beforeAll(() => {
  // WHEN the app is synthesized once
  synthesized = synthesize(app, outdir, { payments, billing, shared });
});

/** A metric as CloudWatch matches it: namespace, name and every dimension. */
type MetricKey = string;

const metricKey = (namespace: unknown, name: unknown, dimensions: Record<string, unknown>): MetricKey =>
  JSON.stringify([namespace, name, Object.entries(dimensions).sort(([a], [b]) => a.localeCompare(b))]);

/** The broker's own (namespace TokenBroker) metrics its alarms read, by alarm name. */
function alarmMetrics(stack: Synthesized, logicalIds: readonly string[]): Map<string, MetricKey> {
  const result = new Map<string, MetricKey>();
  for (const id of logicalIds) {
    const { Properties } = stack.json.Resources[id] as { Properties: Json };
    if (Properties.Namespace !== 'TokenBroker') continue;
    const dimensions = Object.fromEntries(
      (Properties.Dimensions as { Name: string; Value: unknown }[]).map((d) => [d.Name, d.Value]),
    );
    result.set(
      String(Properties.AlarmName),
      metricKey(Properties.Namespace, Properties.MetricName, dimensions),
    );
  }
  return result;
}

const alarmIdsOf = (stack: Synthesized, broker: TokenBroker) =>
  broker.alarms.all.map((alarm) => stack.logicalId(alarm));

/** The `broker` dimension values of every TokenBroker metric on a broker's dashboard. */
function dashboardBrokers(stack: Synthesized, broker: TokenBroker): string[] {
  const body = render(stack.resource(broker.dashboard).Properties.DashboardBody);
  const values = new Set<string>();
  for (const match of body.matchAll(/"TokenBroker","[A-Za-z]+","broker","([^"]+)"/g))
    values.add(match[1] as string);
  for (const match of body.matchAll(/broker=\\"([^\\]+)\\"/g)) values.add(match[1] as string);
  return [...values];
}

/** BROKER_NAME of each of a broker's functions (refresher and every reader). */
function emittedBrokerNames(stack: Synthesized, broker: TokenBroker): unknown[] {
  const functions = [broker.refresher, ...broker.credentialSets.map((set) => set.reader)];
  return functions.map(
    (fn) =>
      (stack.resource(fn).Properties.Environment as { Variables: Record<string, unknown> }).Variables[
        BROKER_FUNCTION_ENV.brokerName
      ],
  );
}

describe('Construct: TokenBroker', () => {
  describe('two brokers in one account and region', () => {
    const cases = () =>
      [
        ['two stacks', synthesized.payments, payments.broker, synthesized.billing, billing.broker],
        ['one stack, brokerName', synthesized.shared, blue, synthesized.shared, green],
      ] as const;

    it.each([0, 1])('case %i: their alarms have disjoint names and read disjoint metrics', (index) => {
      // THEN
      const [, stackA, brokerA, stackB, brokerB] = cases()[index] as ReturnType<typeof cases>[number];
      const a = alarmMetrics(stackA, alarmIdsOf(stackA, brokerA));
      const b = alarmMetrics(stackB, alarmIdsOf(stackB, brokerB));
      // the six alarms of the set that are on TokenBroker metrics and ReaderErrors
      expect(a.size).toBe(7);
      expect(b.size).toBe(7);
      expect([...a.keys()].filter((name) => b.has(name))).toEqual([]);
      const metricsOfB = new Set(b.values());
      expect([...a.values()].filter((metric) => metricsOfB.has(metric))).toEqual([]);
    });

    it('names each stack broker after its stack, and its functions emit what its alarms read', () => {
      // THEN
      for (const [stack, broker, name] of [
        [synthesized.payments, payments.broker, 'PaymentsBroker'],
        [synthesized.billing, billing.broker, 'BillingBroker'],
        [synthesized.shared, blue, 'blue'],
        [synthesized.shared, green, 'green'],
      ] as const) {
        expect(broker.brokerName).toBe(name);
        expect(emittedBrokerNames(stack, broker)).toEqual([name, name]);
        for (const metric of alarmMetrics(stack, alarmIdsOf(stack, broker)).values()) {
          expect(metric).toContain(JSON.stringify(['broker', name]));
        }
        expect(dashboardBrokers(stack, broker)).toEqual([name]);
        expect(stack.resource(broker.dashboard).Properties.DashboardName).toBe(name);
      }
    });

    it('refuses a second broker in a stack under the same name, naming both', () => {
      // GIVEN a stack that already holds a broker named after it
      const stack = new Stack(testApp('infra-two-brokers-clash').app, 'Clash');
      new TokenBroker(stack, 'First', { credentials: [{ name: 'default' }] });

      // WHEN / THEN
      expect(() => new TokenBroker(stack, 'Second', { credentials: [{ name: 'default' }] })).toThrow(
        "Clash/Second: brokerName: 'Clash' is already the name of the broker Clash/First in this stack",
      );
    });
  });
});
