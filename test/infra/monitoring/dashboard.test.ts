import { Template } from 'aws-cdk-lib/assertions';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
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
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  readonly properties: {
    readonly title: string;
    readonly metrics?: unknown[][];
    readonly alarms?: string[];
    readonly yAxis?: { readonly left?: Record<string, unknown>; readonly right?: Record<string, unknown> };
  };
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
    const refresherMetric = (metricName: string, name: string, options: Record<string, unknown>) => [
      'TokenBroker',
      metricName,
      'broker',
      'Alerting',
      'credential',
      name,
      'service',
      SERVICE.refresher,
      expect.objectContaining(options),
    ];
    const readerMetric = (metricName: string, name: string, label: string) => [
      'TokenBroker',
      metricName,
      'broker',
      'Alerting',
      'credential',
      name,
      'service',
      SERVICE.reader,
      expect.objectContaining({ label, stat: 'Sum' }),
    ];

    it('is one dashboard per broker, named after the broker (the stack)', () => {
      // THEN
      synthesized.alerting.template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
      expect(synthesized.alerting.resource(broker.dashboard).Properties.DashboardName).toBe('Alerting');
      expect(synthesized.quiet.resource(quietStack.broker.dashboard).Properties.DashboardName).toBe('Quiet');
    });

    it('starts with the state of every alarm, then one row of four per credential set', () => {
      // THEN
      const widgets = dashboardWidgets();
      expect(widgets[0]).toMatchObject({ type: 'alarm', x: 0, y: 0, width: 24 });
      const rows = CREDENTIALS.map((name) =>
        widgets.filter((candidate) => candidate.properties.title.startsWith(`${name}: `)),
      );
      for (const row of rows) {
        expect(row.map((candidate) => candidate.x)).toEqual([0, 6, 12, 18]);
        expect(new Set(row.map((candidate) => candidate.y)).size).toBe(1);
      }
      expect(rows[0]?.[0]?.y).toBeLessThan(rows[1]?.[0]?.y as number);
    });

    it.each(CREDENTIALS)(
      'draws the seconds remaining of %s as a line that falls between refreshes, with the alarm threshold',
      (name) => {
        // THEN: the reported expiry (value + its time) carried forward each minute, less that minute
        const { properties } = widget(`${name}: token seconds remaining`);
        expect(properties.metrics).toEqual([
          [
            expect.objectContaining({
              expression: 'IF(expiry - EPOCH(expiry) > 0, expiry - EPOCH(expiry), 0)',
              label: `${name} seconds remaining`,
              period: 60,
            }),
          ],
          [
            expect.objectContaining({
              expression: 'FILL(reported + EPOCH(reported), REPEAT)',
              id: 'expiry',
              visible: false,
            }),
          ],
          refresherMetric('TokenSecondsRemaining', name, {
            stat: 'Minimum',
            period: 60,
            id: 'reported',
            visible: false,
          }),
        ]);
        expect(properties).toMatchObject({
          annotations: { horizontal: [{ value: 600 }] },
          yAxis: { left: { min: 0, label: 'seconds' } },
        });
      },
    );

    it.each(CREDENTIALS)('shows the refresh outcomes of %s on one count axis', (name) => {
      // THEN
      const { properties } = widget(`${name}: refresh outcomes`);
      expect(properties.metrics).toEqual([
        refresherMetric('RefreshSucceeded', name, { label: 'succeeded', stat: 'Sum' }),
        refresherMetric('RefreshFailed', name, { label: 'failed', stat: 'Sum' }),
        refresherMetric('SecretRejected', name, { label: 'secret rejected', stat: 'Sum' }),
        refresherMetric('TokenLifetimeTooShort', name, { label: 'lifetime too short', stat: 'Sum' }),
      ]);
      expect(JSON.stringify(properties.metrics)).not.toContain('"yAxis":"right"');
      expect(properties.yAxis).toEqual({ left: { min: 0, label: 'count', showUnits: false } });
    });

    it.each(CREDENTIALS)("shows %s's reads: served, unavailable, refresh requested", (name) => {
      // THEN
      expect(widget(`${name}: reads`).properties.metrics).toEqual([
        readerMetric('ReadServed', name, 'served'),
        readerMetric('ReadUnavailable', name, 'unavailable (503)'),
        readerMetric('RefreshRequested', name, 'refresh requested'),
      ]);
    });

    it.each(CREDENTIALS)(
      'shows token endpoint refusals of %s by OAuth error code through a SEARCH on this broker and set only',
      (name) => {
        // THEN
        expect(widget(`${name}: endpoint refusals by code`).properties.metrics).toEqual([
          [
            expect.objectContaining({
              expression:
                `SEARCH('{TokenBroker,broker,credential,errorCode,service} MetricName="TokenEndpointRejected" ` +
                `service="${SERVICE.refresher}" broker="Alerting" credential="${name}"', 'Sum', 300)`,
            }),
          ],
        ]);
      },
    );

    it("shows callers' refused requests apart from the readers' own failures, never AWS/Lambda Errors", () => {
      // THEN
      const brokerWide = (metricName: string, label: string) => [
        'TokenBroker',
        metricName,
        'broker',
        'Alerting',
        'service',
        SERVICE.reader,
        expect.objectContaining({ label, stat: 'Sum' }),
      ];
      expect(widget("Readers: refused (callers' mistakes)").properties.metrics).toEqual([
        brokerWide('ReadRefused', 'refused (400/404/405)'),
      ]);
      expect(widget('Readers: own failures (ReadFailed)').properties.metrics).toEqual([
        brokerWide('ReadFailed', 'failed (500)'),
      ]);
      const readerIds = CREDENTIALS.map(
        (name) => `<${synthesized.alerting.logicalId(broker.credentialSet(name).reader)}>`,
      );
      const onReaders = dashboardWidgets()
        .flatMap((candidate) => candidate.properties.metrics ?? [])
        .filter((metric) => metric[0] === 'AWS/Lambda' && readerIds.includes(metric[3] as string));
      expect(onReaders.map((metric) => metric[1])).toEqual(['Duration', 'Duration', 'Duration', 'Duration']);
    });

    it("shows each set's reader latency p50 and p99", () => {
      // THEN: one reader function per set
      const readerOf = (name: string) =>
        `<${synthesized.alerting.logicalId(broker.credentialSet(name).reader)}>`;
      expect(widget('Readers: duration p50 / p99 (ms)').properties.metrics).toEqual(
        CREDENTIALS.flatMap((name) => [
          ['AWS/Lambda', 'Duration', 'FunctionName', readerOf(name), { label: `${name} p50`, stat: 'p50' }],
          ['AWS/Lambda', 'Duration', 'FunctionName', readerOf(name), { label: `${name} p99`, stat: 'p99' }],
        ]),
      );
    });

    it("shows the refresher's errors, throttles and duration", () => {
      // THEN
      const refresher = `<${synthesized.alerting.logicalId(broker.refresher)}>`;
      expect(widget('Refresher: errors and throttles').properties.metrics).toEqual([
        ['AWS/Lambda', 'Errors', 'FunctionName', refresher, expect.objectContaining({ stat: 'Sum' })],
        ['AWS/Lambda', 'Throttles', 'FunctionName', refresher, expect.objectContaining({ stat: 'Sum' })],
      ]);
      expect(widget('Refresher: duration (ms)').properties.metrics).toEqual([
        ['AWS/Lambda', 'Duration', 'FunctionName', refresher, expect.objectContaining({ stat: 'p50' })],
        ['AWS/Lambda', 'Duration', 'FunctionName', refresher, expect.objectContaining({ stat: 'Maximum' })],
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

    it('puts no more than 100 alarms in one alarm status widget (CloudWatch limit)', () => {
      // GIVEN a broker with 20 sets: 122 alarms
      const { app: bigApp } = testApp('infra-dashboard-big');
      const big = new TokenBrokerStack(bigApp, 'Big', {
        config: loadBrokerConfig({
          credentials: Array.from({ length: 20 }, (_, index) => ({ name: `set-${index}` })),
        }),
      });
      const body =
        Template.fromStack(big).toJSON().Resources[
          big.resolve((big.broker.dashboard.node.defaultChild as cloudwatch.CfnDashboard).logicalId)
        ].Properties.DashboardBody;

      // THEN
      const widgets = (JSON.parse(render(body)) as { widgets: DashboardWidget[] }).widgets;
      const statuses = widgets.filter((candidate) => candidate.type === 'alarm');
      expect(statuses.map((candidate) => candidate.properties.alarms?.length)).toEqual([100, 22]);
      expect(widgets.filter((candidate) => candidate.type === 'metric')).toHaveLength(20 * 4 + 6);
    });
  });
});
