/**
 * Shows the broker's CloudWatch dashboard without an AWS account: prints a summary of the
 * synthesized dashboard body (widgets, grid positions, series, statistics, axes,
 * thresholds) and writes its layout as `<out>.svg`, plus `<out>.png` when `rsvg-convert`
 * (Debian: librsvg2-bin) is installed. docs/dashboard.png is made by it:
 *
 *   npx tsx tools/render-dashboard.ts --out docs/dashboard
 *   npx tsx tools/render-dashboard.ts --template cdk.out/A55TokenBroker.template.json
 *
 * Without `--template`, it synthesizes the stack in-process with two sets, `sandbox` and
 * `production` (offline, nothing deployed).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { App } from 'aws-cdk-lib';
import { loadBrokerConfig } from '../lib/config.js';
import { TokenBrokerStack } from '../lib/token-broker-stack.js';
import { type CfnTemplate, renderedDashboards, summarizeDashboard } from './dashboard-body.js';
import { dashboardSvg } from './dashboard-svg.js';

/** The stack's template with two credential sets, synthesized in memory. */
export function exampleTemplate(): CfnTemplate {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  new TokenBrokerStack(app, 'A55TokenBroker', {
    config: loadBrokerConfig({ credentials: [{ name: 'sandbox' }, { name: 'production' }] }),
  });
  return app.synth().getStackByName('A55TokenBroker').template as CfnTemplate;
}

function main(): void {
  const { values } = parseArgs({
    options: { template: { type: 'string' }, out: { type: 'string' } },
    strict: true,
  });
  const template = values.template
    ? (JSON.parse(readFileSync(values.template, 'utf8')) as CfnTemplate)
    : exampleTemplate();
  const [dashboard] = renderedDashboards(template);
  if (!dashboard) throw new Error('the template has no AWS::CloudWatch::Dashboard');
  process.stdout.write(summarizeDashboard(dashboard));
  if (!values.out) return;
  writeFileSync(`${values.out}.svg`, dashboardSvg(dashboard));
  const png = spawnSync('rsvg-convert', ['-o', `${values.out}.png`, `${values.out}.svg`], {
    stdio: 'inherit',
  });
  process.stdout.write(
    png.status === 0
      ? `\nwrote ${values.out}.svg and ${values.out}.png\n`
      : `\nwrote ${values.out}.svg; no PNG: rsvg-convert is missing (apt-get install librsvg2-bin)\n`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) main();
