import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..', '..');

/** The context of the repository's cdk.json, as the CDK CLI hands it to bin/app.ts. */
function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(join(ROOT, 'cdk.json'), 'utf8')) as {
    context: Record<string, unknown>;
  };
  return cdkJson.context;
}

describe('cdk.json: feature flags', () => {
  it('sets every flag the installed aws-cdk-lib recommends (what cdk init writes) to its recommended value', () => {
    // GIVEN the flags aws-cdk-lib itself recommends (recommended-feature-flags.json)
    const recommended = cxapi.CURRENTLY_RECOMMENDED_FLAGS as Record<string, unknown>;
    const context = cdkJsonContext();

    // THEN each one is configured, with that value: synth then prints no "flags are not configured" notice
    const missingOrDifferent = Object.entries(recommended)
      .filter(([flag, value]) => JSON.stringify(context[flag]) !== JSON.stringify(value))
      .map(([flag]) => flag);
    expect(Object.keys(recommended).length).toBeGreaterThan(80);
    expect(missingOrDifferent).toEqual([]);
  });

  it('sets no expired (CDK v1) flag and no flag aws-cdk-lib does not know', () => {
    // GIVEN the context keys that look like feature flags
    const flags = Object.keys(cdkJsonContext()).filter(
      (key) => key.startsWith('@aws-cdk') || key.startsWith('aws-cdk:'),
    );
    const expired = new Set<string>([...cxapi.FUTURE_FLAGS_EXPIRED, ...cxapi.CURRENT_VERSION_EXPIRED_FLAGS]);

    // THEN none is a v1 flag (e.g. @aws-cdk/core:enableDiffNoFail, a no-op in v2) and each is a current one
    expect(flags.filter((flag) => expired.has(flag) || flag.endsWith(':enableDiffNoFail'))).toEqual([]);
    expect(flags.filter((flag) => !(flag in cxapi.FLAGS))).toEqual([]);
  });
});
