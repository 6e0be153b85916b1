/**
 * The runbook names what the console shows (issue #13 item 1): every `AlarmName` the
 * README's alarm table lists, with `<broker>` the stack's name and `<set>` a set's name, is
 * an alarm of the synthesized stack, and the other way round; the dashboard is the name the
 * README gives it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadBrokerConfig } from '../../../lib/config.js';
import { TokenBrokerStack } from '../../../lib/token-broker-stack.js';
import { type Synthesized, synthesize, testApp } from '../template.js';

const README = readFileSync(join(import.meta.dirname, '..', '..', '..', 'README.md'), 'utf8');
const SETS = ['sandbox', 'production'];
const { app, outdir } = testApp('infra-runbook-names');

// GIVEN this repository's stack name with two sets
const stack = new TokenBrokerStack(app, 'A55TokenBroker', {
  config: loadBrokerConfig({ credentials: SETS.map((name) => ({ name })) }),
});

let synthesized: Synthesized;

beforeAll(() => {
  // WHEN it is synthesized
  ({ stack: synthesized } = synthesize(app, outdir, { stack }));
});

/** The README's section on alarms, up to the next heading of its level. */
function alarmSection(): string {
  const start = README.indexOf('### Alarms and the dashboard');
  const end = README.indexOf('\n### ', start + 1);
  expect(start).toBeGreaterThan(0);
  return README.slice(start, end);
}

describe('README: Alarms and the dashboard', () => {
  it("lists exactly the synthesized alarms' names, for every set", () => {
    // GIVEN the first column of the alarm table
    const patterns = [...alarmSection().matchAll(/^\| `(<broker>-[A-Za-z]+(?:-<set>)?)` \|/gm)].map(
      (match) => match[1] as string,
    );
    expect(patterns.length).toBeGreaterThan(5);
    const listed = patterns.flatMap((pattern) => {
      const named = pattern.replace('<broker>', 'A55TokenBroker');
      return named.includes('<set>') ? SETS.map((set) => named.replace('<set>', set)) : [named];
    });

    // THEN
    const synthesizedNames = Object.values(synthesized.template.findResources('AWS::CloudWatch::Alarm')).map(
      (alarm) => alarm.Properties.AlarmName as string,
    );
    expect([...listed].sort()).toEqual([...synthesizedNames].sort());
  });

  it('names the dashboard and an example alarm as synthesized', () => {
    // THEN
    const section = alarmSection();
    expect(section).toContain('The dashboard is\ncalled `<broker>`');
    expect(synthesized.resource(stack.broker.dashboard).Properties.DashboardName).toBe('A55TokenBroker');
    expect(section).toContain('`A55TokenBroker-RefreshFailed-production`');
    expect(
      synthesized.resource(stack.broker.credentialSet('production').alarms.refreshFailed).Properties,
    ).toMatchObject({ AlarmName: 'A55TokenBroker-RefreshFailed-production' });
  });
});
