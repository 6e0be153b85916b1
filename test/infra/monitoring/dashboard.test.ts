import { beforeAll, describe, expect, it } from 'vitest';
import { SERVICE } from '../../../contract/index.js';
import { DEFAULT_BROKER_CONFIG, loadBrokerConfig } from '../../../lib/config.js';
import { TokenBrokerStack } from '../../../lib/token-broker-stack.js';
import { render, type Synthesized, synthesize, testApp } from '../template.js';

const CREDENTIALS = ['sandbox', 'shared'] as const;
const { app, outdir } = testApp('infra-dashboard');

// GIVEN the deployable stack with two credential sets and the context value alarmEmail
const alertingStack = new TokenBrokerStack(app, 'Alerting', {
  config: loadBrokerConfig({
    credentials: [{ name: 'sandbox' }, { name: 'shared', secretName: 'a55/shared' }],
    alarmEmail: 'ops@example.com',
  }),
});
const broker = alertingStack.broker;

// GIVEN the stack without alarmEmail
const quietStack = new TokenBrokerStack(app, 'Quiet', { config: DEFAULT_BROKER_CONFIG });

let synthesized: Record<'alerting' | 'quiet', Synthesized>;

beforeAll(() => {
  // WHEN the app is synthesized once
  synthesized = synthesize(app, outdir, { alerting: alertingStack, quiet: quietStack });
});

interface DashboardWidget {
  readonly type: string;
  readonly properties: { readonly title: string; readonly metrics?: unknown[][]; readonly alarms?: string[] };
}

/** The dashboard body as JSON, references rendered as `<LogicalId>` / `<LogicalId.Attribute>`. */
function dashboardWidgets(): DashboardWidget[] {
  const body = synthesized.alerting.resource(broker.dashboard).Properties.DashboardBody;
  return (JSON.parse(render(body)) as { widgets: DashboardWidget[] }).widgets;
}

function widget(title: string): DashboardWidget {
  const found = dashboardWidgets().find((candidate) => candidate.properties.title === title);
  if (!found) throw new Error(`no widget '${title}'`);
  return found;
}

describe('Construct: TokenBroker', () => {
  describe('dashboard', () => {
    const refresherMetric = (metricName: string, name: string, stat: string) => [
      'TokenBroker',
      metricName,
      'credential',
      name,
      'service',
      SERVICE.refresher,
      expect.objectContaining({ stat }),
    ];
    const readerMetric = (metricName: string, name: string) => [
      'TokenBroker',
      metricName,
      'credential',
      name,
      'service',
      SERVICE.reader,
      expect.objectContaining({ stat: 'Sum' }),
    ];

    it('is one dashboard per broker', () => {
      // THEN
      synthesized.alerting.template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    });

    it('shows the seconds remaining of each credential set, with the alarm threshold', () => {
      // THEN
      const { properties } = widget('Token seconds remaining (after each refresh attempt)');
      expect(properties.metrics).toEqual(
        CREDENTIALS.map((name) => refresherMetric('TokenSecondsRemaining', name, 'Minimum')),
      );
      expect(properties).toMatchObject({ annotations: { horizontal: [{ value: 600 }] } });
    });

    it('shows refreshes succeeded and failed (and secrets rejected) per credential set', () => {
      // THEN
      expect(widget('Refreshes succeeded / failed').properties.metrics).toEqual([
        ...CREDENTIALS.map((name) => refresherMetric('RefreshSucceeded', name, 'Sum')),
        ...CREDENTIALS.map((name) => refresherMetric('RefreshFailed', name, 'Sum')),
        ...CREDENTIALS.map((name) => refresherMetric('SecretRejected', name, 'Sum')),
      ]);
    });

    it('shows reads served and unavailable (and refreshes requested) per credential set', () => {
      // THEN
      expect(widget('Reads served / unavailable').properties.metrics).toEqual([
        ...CREDENTIALS.map((name) => readerMetric('ReadServed', name)),
        ...CREDENTIALS.map((name) => readerMetric('ReadUnavailable', name)),
        ...CREDENTIALS.map((name) => readerMetric('RefreshRequested', name)),
      ]);
    });

    it("shows each set's reader latency p50 and p99, and its errors", () => {
      // THEN: one reader function per set
      const readerOf = (name: string) =>
        `<${synthesized.alerting.logicalId(broker.credentialSet(name).reader)}>`;
      expect(widget('Reader latency (ms)').properties.metrics).toEqual([
        ...CREDENTIALS.flatMap((name) => [
          ['AWS/Lambda', 'Duration', 'FunctionName', readerOf(name), { label: `${name} p50`, stat: 'p50' }],
          ['AWS/Lambda', 'Duration', 'FunctionName', readerOf(name), { label: `${name} p99`, stat: 'p99' }],
        ]),
        ...CREDENTIALS.map((name) => [
          'AWS/Lambda',
          'Errors',
          'FunctionName',
          readerOf(name),
          { label: `${name} errors`, stat: 'Sum', yAxis: 'right' },
        ]),
      ]);
    });

    it('shows token endpoint rejections by OAuth error code through a SEARCH on this broker only', () => {
      // THEN
      expect(widget('Token endpoint rejections by OAuth error code').properties.metrics).toEqual([
        [
          {
            expression:
              `SEARCH('{TokenBroker,credential,errorCode,service} MetricName="TokenEndpointRejected" ` +
              `service="${SERVICE.refresher}" (credential="sandbox" OR credential="shared")', 'Sum', 300)`,
          },
        ],
      ]);
    });

    it('shows the failure queue and the state of every alarm', () => {
      // THEN
      const stack = synthesized.alerting;
      expect(widget('Failure queue (failed refreshes)').properties.metrics).toEqual([
        [
          'AWS/SQS',
          'ApproximateNumberOfMessagesVisible',
          'QueueName',
          `<${stack.logicalId(broker.failureQueue)}.QueueName>`,
          expect.objectContaining({ stat: 'Maximum' }),
        ],
      ]);
      expect(widget('Alarms').properties.alarms).toEqual(
        broker.alarms.all.map((alarm) => `<${stack.logicalId(alarm)}.Arn>`),
      );
    });
  });
});
