/**
 * Runs once before the whole suite: bundles the Lambda handlers into
 * dist/lambda-assets (tools/build-lambda-assets.ts), the very files the construct deploys,
 * so every synth in the tests packages them and every integration test runs them.
 * esbuild takes about a second; rebuilding each run keeps the assets in step with the code.
 */
import { buildLambdaAssets } from '../tools/build-lambda-assets.js';

/** Vitest global setup hook. */
export default async function setup(): Promise<void> {
  await buildLambdaAssets();
}
