/**
 * The dashboard as a reviewer without an AWS account sees it: tools/render-dashboard.ts
 * turns the synthesized body into a summary and an SVG layout (docs/dashboard.svg, from
 * which docs/dashboard.png is rendered). Checked against the template the stack synthesizes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type RenderedDashboard,
  renderedDashboards,
  summarizeDashboard,
} from '../../../tools/dashboard-body.js';
import { dashboardSvg } from '../../../tools/dashboard-svg.js';
import { exampleTemplate } from '../../../tools/render-dashboard.js';

const DOCS = join(import.meta.dirname, '..', '..', '..', 'docs');

let dashboard: RenderedDashboard;

beforeAll(() => {
  // WHEN the example stack (sets sandbox and production) is synthesized and its dashboard read back
  const dashboards = renderedDashboards(exampleTemplate());
  expect(dashboards).toHaveLength(1);
  dashboard = dashboards[0] as RenderedDashboard;
});

describe('Tool: render-dashboard', () => {
  it('summarizes every widget with its place, series, statistics, axes and thresholds', () => {
    // THEN
    const summary = summarizeDashboard(dashboard);
    expect(summary).toMatch(/^Dashboard A55TokenBroker \(15 widgets, grid 24 wide\)\n/);
    expect(summary).toContain('[x=0 y=0 24x4] alarm status "Alarms": 14 alarms');
    expect(summary).toContain('    A55TokenBroker-RefreshOverdue-production');
    expect(summary).toContain('[x=0 y=4 6x6] graph "sandbox: token seconds remaining" (timeSeries)');
    expect(summary).toContain(
      '  left: "sandbox seconds remaining" IF(expiry - EPOCH(expiry) > 0, expiry - EPOCH(expiry), 0) (60s)',
    );
    expect(summary).toContain(
      '  hidden: TokenBroker TokenSecondsRemaining broker=A55TokenBroker credential=sandbox ' +
        'service=token-broker-refresher (Minimum 60s)',
    );
    expect(summary).toContain('  line at 600 "TokenExpiring threshold"');
    expect(summary).toContain('  left axis: count 0..auto');
    expect(summary).toContain(
      '  left: "refused (400/404/405)" TokenBroker ReadRefused broker=A55TokenBroker service=token-broker-reader (Sum)',
    );
    // every title, once
    for (const widget of dashboard.widgets) {
      expect(summary.split(`"${widget.properties.title}"`)).toHaveLength(2);
    }
  });

  it('names each alarm by its AlarmName, not by a reference', () => {
    // THEN
    const alarms = dashboard.widgets.flatMap((widget) => widget.properties.alarms ?? []);
    expect(alarms).toHaveLength(14);
    for (const alarm of alarms) expect(alarm).toMatch(/^A55TokenBroker-[A-Za-z]+(-(sandbox|production))?$/);
  });

  it('draws every widget title and alarm in the SVG layout', () => {
    // WHEN
    const svg = dashboardSvg(dashboard);

    // THEN
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" width="1232" height="\d+"/);
    for (const widget of dashboard.widgets) {
      expect(svg).toContain(`>${widget.properties.title}</text>`);
    }
    expect(svg).toContain('>RefreshOverdue-sandbox</text>');
    expect(svg).toContain('AlarmName = A55TokenBroker-&lt;tile&gt;');
  });

  it('has drawn docs/dashboard.svg (the source of docs/dashboard.png) from the current dashboard', () => {
    // THEN: regenerate with `npx tsx tools/render-dashboard.ts --out docs/dashboard`
    expect(readFileSync(join(DOCS, 'dashboard.svg'), 'utf8')).toBe(dashboardSvg(dashboard));
    expect(readFileSync(join(DOCS, 'dashboard.png')).subarray(1, 4).toString('latin1')).toBe('PNG');
  });
});
