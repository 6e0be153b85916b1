import { App, Duration, Stack } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { describe, expect, it } from 'vitest';
import { METRIC, METRICS_NAMESPACE, SERVICE } from '../../../contract/index.js';
import { TokenBroker } from '../../../lib/token-broker.js';

// GIVEN a broker with two sets (never synthesized: metrics are plain objects)
const stack = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Metrics');
const broker = new TokenBroker(stack, 'Broker', {
  credentials: [{ name: 'sandbox' }, { name: 'production' }],
});

/** What CloudWatch matches a metric on, plus how it is aggregated. */
const shape = (metric: cloudwatch.Metric) => ({
  namespace: metric.namespace,
  metricName: metric.metricName,
  dimensions: metric.dimensions,
  statistic: metric.statistic,
  period: metric.period.toSeconds(),
});

describe('Construct: TokenBroker', () => {
  describe('Method: metricXxx', () => {
    it.each<[string, (credential: string) => cloudwatch.Metric, string, string, string]>([
      [
        'metricRefreshSucceeded',
        (c) => broker.metricRefreshSucceeded(c),
        METRIC.refreshSucceeded,
        SERVICE.refresher,
        'Sum',
      ],
      [
        'metricRefreshFailed',
        (c) => broker.metricRefreshFailed(c),
        METRIC.refreshFailed,
        SERVICE.refresher,
        'Sum',
      ],
      [
        'metricSecretRejected',
        (c) => broker.metricSecretRejected(c),
        METRIC.secretRejected,
        SERVICE.refresher,
        'Sum',
      ],
      [
        'metricTokenSecondsRemaining',
        (c) => broker.metricTokenSecondsRemaining(c),
        METRIC.tokenSecondsRemaining,
        SERVICE.refresher,
        'Minimum',
      ],
      [
        'metricTokenLifetimeTooShort',
        (c) => broker.metricTokenLifetimeTooShort(c),
        METRIC.tokenLifetimeTooShort,
        SERVICE.refresher,
        'Sum',
      ],
      ['metricReadServed', (c) => broker.metricReadServed(c), METRIC.readServed, SERVICE.reader, 'Sum'],
      [
        'metricReadUnavailable',
        (c) => broker.metricReadUnavailable(c),
        METRIC.readUnavailable,
        SERVICE.reader,
        'Sum',
      ],
      [
        'metricRefreshRequested',
        (c) => broker.metricRefreshRequested(c),
        METRIC.refreshRequested,
        SERVICE.reader,
        'Sum',
      ],
    ])(
      '%s has the dimensions its function emits and a 5-minute default',
      (_method, metric, name, service, statistic) => {
        // WHEN
        const result = metric('production');

        // THEN
        expect(shape(result)).toEqual({
          namespace: METRICS_NAMESPACE,
          metricName: name,
          dimensions: { service, broker: 'Metrics', credential: 'production' },
          statistic,
          period: 300,
        });
      },
    );

    it('metricTokenEndpointRejected adds the errorCode dimension', () => {
      // THEN
      expect(shape(broker.metricTokenEndpointRejected('sandbox', 'invalid_scope'))).toEqual({
        namespace: METRICS_NAMESPACE,
        metricName: METRIC.tokenEndpointRejected,
        dimensions: {
          service: SERVICE.refresher,
          broker: 'Metrics',
          credential: 'sandbox',
          errorCode: 'invalid_scope',
        },
        statistic: 'Sum',
        period: 300,
      });
    });

    it.each<[string, () => cloudwatch.Metric, string]>([
      ['metricReadFailed', () => broker.metricReadFailed(), METRIC.readFailed],
      ['metricReadRefused', () => broker.metricReadRefused(), METRIC.readRefused],
    ])('%s is broker-wide: the service and broker dimensions only', (_method, metric, name) => {
      // THEN
      expect(shape(metric())).toEqual({
        namespace: METRICS_NAMESPACE,
        metricName: name,
        dimensions: { service: SERVICE.reader, broker: 'Metrics' },
        statistic: 'Sum',
        period: 300,
      });
    });

    it('files every metric under the brokerName prop when one is given', () => {
      // GIVEN a broker named explicitly
      const named = new TokenBroker(stack, 'Named', {
        credentials: [{ name: 'sandbox' }],
        brokerName: 'payments-broker',
      });

      // THEN
      expect(named.brokerName).toBe('payments-broker');
      expect(named.metricRefreshFailed('sandbox').dimensions).toMatchObject({ broker: 'payments-broker' });
      expect(named.metricReadFailed().dimensions).toMatchObject({ broker: 'payments-broker' });
    });

    it.each(['', 'has space', 'x'.repeat(129), 'semi;colon'])(
      'throws for brokerName %j, naming the construct path and the rule',
      (brokerName) => {
        // WHEN / THEN
        expect(
          () =>
            new TokenBroker(stack, `Bad${brokerName.length}`, { credentials: [{ name: 'a' }], brokerName }),
        ).toThrow(/^Metrics\/Bad\d+: brokerName: .* must be 1 to 128 of A-Z a-z 0-9 _ -/);
      },
    );

    it('applies the statistic, period and label given, never the dimensions', () => {
      // WHEN
      const metric = broker.metricRefreshFailed('sandbox', {
        statistic: 'Maximum',
        period: Duration.minutes(1),
        label: 'failures',
        dimensionsMap: { credential: 'production' },
      });

      // THEN
      expect(shape(metric)).toMatchObject({
        dimensions: { service: SERVICE.refresher, broker: 'Metrics', credential: 'sandbox' },
        statistic: 'Maximum',
        period: 60,
      });
      expect(metric.label).toBe('failures');
    });

    it('throws for a credential the broker does not serve, naming its construct path', () => {
      // WHEN / THEN
      expect(() => broker.metricReadServed('staging')).toThrow(
        "Metrics/Broker: metricReadServed credential 'staging' is not served by this broker: " +
          "it serves 'sandbox', 'production'",
      );
    });
  });
});
